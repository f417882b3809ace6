/* test-inspections: remote inspections through the API against an
 * in-process server and its real PostgreSQL: opening (one open inspection
 * per lot and inspector), marks with regions and their refusals, signing
 * and the lock it puts on marks (corrections supersede), who may write,
 * samples, lab results judged against the versioned rule table with the
 * lot sent back for a follow-up decision, and an audit event for each
 * write. The lot, its wagons and the cameras are made with SQL. */
#include <glib.h>
#include <string.h>

#include "api-fixture.h"

enum { OPERATOR, INSPECTOR_A, INSPECTOR_B, AUDITOR, N_USERS };

static ApiFixture *fx;
static char *lot;          /* awaiting_review, wagons w1 and w2 */
static char *lot2;         /* pending_approval, wagon wx */
static char *w1, *w2, *wx;
static char *cam1, *cam2;
static char *insp_a;       /* inspector A's inspection of lot */
static char *insp_b;       /* inspector B's inspection of lot */
static char *mark1;        /* A's first mark in insp_a */
static char *sample1;

/* (transfer full) the first value of the first row of @sql, NULL for SQL NULL. */
static char *G_GNUC_PRINTF (1, 2)
sql_value (const char *fmt, ...)
{
  g_autofree char *sql = NULL;
  va_list ap;

  va_start (ap, fmt);
  sql = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return api_fixture_value (fx, sql, NULL, NULL);
}

static gint64 G_GNUC_PRINTF (1, 2)
count_rows (const char *fmt, ...)
{
  g_autofree char *sql = NULL;
  g_autofree char *v = NULL;
  va_list ap;

  va_start (ap, fmt);
  sql = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  v = sql_value ("%s", sql);
  return g_ascii_strtoll (v, NULL, 10);
}

/* Sends @method @path with @body (may be NULL) and fails the test unless
 * the answer has @status (and error.code @code when not NULL). Returns
 * (transfer full) the answer. */
static TestResponse *
send (int who, const char *method, const char *path, const char *body, guint status,
      const char *code)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, who);
  TestResponse *r = test_request (c, method, path, body, NULL);

  if (r->status != status || (code && g_strcmp0 (test_error_code (r), code) != 0))
    g_error ("%s %s %s: expected %u %s, got %u %s", method, path, body ? body : "", status,
             code ? code : "", r->status, r->body);
  /* a refusal is in words for the user, never the database's */
  if (status >= 400) {
    g_assert_null (strstr (r->body, "SQLSTATE"));
    g_assert_null (strstr (r->body, "constraint"));
  }
  return r;
}

/* send() with the body formatted from @fmt. */
static TestResponse *G_GNUC_PRINTF (6, 7)
call (int who, const char *method, const char *path, guint status, const char *code,
      const char *fmt, ...)
{
  g_autofree char *body = NULL;
  va_list ap;

  va_start (ap, fmt);
  body = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return send (who, method, path, body, status, code);
}

/* When only the status and code matter. */
#define EXPECT(...) test_response_free (call (__VA_ARGS__))
#define EXPECT_NO_BODY(who, method, path, status, code) \
  test_response_free (send (who, method, path, NULL, status, code))

static JsonObject *
member (TestResponse *r, const char *name)
{
  JsonObject *o;

  g_assert_nonnull (r->json);
  o = json_object_get_object_member (json_node_get_object (r->json), name);
  g_assert_nonnull (o);
  return o;
}

static void
set_lot_status (const char *id, const char *status)
{
  g_autofree char *v = sql_value ("UPDATE lots SET status = '%s' WHERE id = '%s' RETURNING status",
                                  status, id);
  g_assert_cmpstr (v, ==, status);
}

static void
assert_lot_status (const char *id, const char *expected)
{
  g_autofree char *status = sql_value ("SELECT status FROM lots WHERE id = '%s'", id);
  g_assert_cmpstr (status, ==, expected);
}

static void
test_open (void)
{
  g_autofree char *path = g_strdup_printf ("/api/lots/%s/inspections", lot);
  g_autofree char *path2 = g_strdup_printf ("/api/lots/%s/inspections", lot2);
  g_autoptr (TestResponse) a = NULL;
  g_autoptr (TestResponse) again = NULL;
  g_autoptr (TestResponse) b = NULL;
  g_autoptr (TestResponse) unknown = NULL;
  JsonObject *insp;
  JsonArray *cams;
  gint64 before;

  a = call (INSPECTOR_A, "POST", path, 201, NULL, "{\"cameras\": [\"%s\", \"%s\"]}", cam1, cam2);
  insp = member (a, "inspection");
  insp_a = g_strdup (json_object_get_string_member (insp, "id"));
  g_assert_true (g_uuid_string_is_valid (insp_a));
  g_assert_cmpstr (json_object_get_string_member (insp, "lot_id"), ==, lot);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (insp,
                                                                                 "inspector"),
                                                  "id"), ==, fx->user_ids[INSPECTOR_A]);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (insp,
                                                                                 "inspector"),
                                                  "username"), ==, "insp-a");
  cams = json_object_get_array_member (insp, "cameras");
  g_assert_cmpuint (json_array_get_length (cams), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (cams, 0), ==, cam1);
  g_assert_cmpstr (json_array_get_string_element (cams, 1), ==, cam2);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (insp, "opened_at"), "Z"));
  g_assert_true (json_object_has_member (insp, "signed_at"));
  g_assert_true (json_object_get_null_member (insp, "signed_at"));
  assert_lot_status (lot, "under_inspection");

  /* one open inspection per lot and inspector; the answer names it */
  before = count_rows ("SELECT count(*) FROM inspections");
  again = call (INSPECTOR_A, "POST", path, 409, "conflict", "{\"cameras\": [\"%s\"]}", cam1);
  g_assert_nonnull (strstr (again->body, "you already have an open inspection of this lot"));
  g_assert_nonnull (strstr (again->body, insp_a));
  g_assert_cmpint (count_rows ("SELECT count(*) FROM inspections"), ==, before);

  b = call (INSPECTOR_B, "POST", path, 201, NULL, "{\"cameras\": [\"%s\"]}", cam1);
  insp_b = g_strdup (json_object_get_string_member (member (b, "inspection"), "id"));
  g_assert_cmpstr (insp_b, !=, insp_a);

  /* only a lot awaiting review turns under_inspection */
  EXPECT (INSPECTOR_A, "POST", path2, 201, NULL, "{\"cameras\": []}");
  assert_lot_status (lot2, "pending_approval");

  /* bad input */
  before = count_rows ("SELECT count(*) FROM inspections");
  unknown = call (INSPECTOR_B, "POST", path2, 400, "invalid_input",
                  "{\"cameras\": [\"00000000-0000-4000-8000-00000000000c\"]}");
  g_assert_nonnull (strstr (unknown->body, "00000000-0000-4000-8000-00000000000c"));
  EXPECT (INSPECTOR_B, "POST", path2, 400, "invalid_input", "{\"cameras\": [\"cam1\"]}");
  EXPECT (INSPECTOR_B, "POST", path2, 400, "invalid_input", "{\"cameras\": [7]}");
  EXPECT (INSPECTOR_B, "POST", path2, 400, "invalid_input", "{\"cameras\": [\"%s\", \"%s\"]}",
          cam1, cam1);
  EXPECT (INSPECTOR_B, "POST", path2, 400, "missing_field", "{}");
  EXPECT (INSPECTOR_B, "POST", path2, 400, "unknown_field", "{\"cameras\": [], \"lot\": 1}");
  EXPECT (INSPECTOR_B, "POST", path2, 400, "wrong_type", "{\"cameras\": \"%s\"}", cam1);
  EXPECT (INSPECTOR_B, "POST", "/api/lots/00000000-0000-4000-8000-0000000000aa/inspections", 404,
          "not_found", "{\"cameras\": []}");
  g_assert_cmpint (count_rows ("SELECT count(*) FROM inspections"), ==, before);

  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action ="
                               " 'inspection_opened' AND target_id = '%s' AND actor_id = '%s'"
                               " AND detail->>'lot_id' = '%s'", insp_a,
                               fx->user_ids[INSPECTOR_A], lot), ==, 1);
  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action ="
                               " 'inspection_opened'"), ==, 3);
}

static void
test_marks (void)
{
  g_autofree char *path = g_strdup_printf ("/api/inspections/%s/marks", insp_a);
  g_autoptr (TestResponse) r = NULL;
  g_autoptr (TestResponse) bare = NULL;
  g_autoptr (TestResponse) reason = NULL;
  JsonObject *mark, *region;
  gint64 before;

  r = call (INSPECTOR_A, "POST", path, 201, NULL,
            "{\"wagon_id\": \"%s\", \"camera_id\": \"%s\", \"at\": \"2026-11-28T03:04:05.250+08:00\","
            " \"region\": {\"x\": 0.1, \"y\": 0.2, \"w\": 0.5, \"h\": 0.8},"
            " \"reason_code\": \"FOREIGN_MATTER\", \"note\": \"stones and wood on the load\"}",
            w1, cam1);
  mark = member (r, "mark");
  mark1 = g_strdup (json_object_get_string_member (mark, "id"));
  g_assert_true (g_uuid_string_is_valid (mark1));
  g_assert_cmpstr (json_object_get_string_member (mark, "inspection_id"), ==, insp_a);
  g_assert_cmpstr (json_object_get_string_member (mark, "lot_id"), ==, lot);
  g_assert_cmpstr (json_object_get_string_member (mark, "wagon_id"), ==, w1);
  g_assert_cmpstr (json_object_get_string_member (mark, "camera_id"), ==, cam1);
  g_assert_cmpstr (json_object_get_string_member (mark, "at"), ==, "2026-11-27T19:04:05.250Z");
  g_assert_cmpstr (json_object_get_string_member (mark, "reason_code"), ==, "FOREIGN_MATTER");
  g_assert_cmpstr (json_object_get_string_member (mark, "note"), ==,
                   "stones and wood on the load");
  g_assert_true (json_object_get_null_member (mark, "supersedes"));
  g_assert_cmpstr (json_object_get_string_member (mark, "created_by"), ==, "insp-a");
  region = json_object_get_object_member (mark, "region");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (region, "x"), 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (region, "h"), 0.8, 1e-12);

  /* wagon, camera and region are optional */
  bare = call (INSPECTOR_A, "POST", path, 201, NULL, "{\"at\": \"2026-11-28T03:05:00Z\","
               " \"reason_code\": \"SEAL_BROKEN\", \"note\": \"\", \"region\": null}");
  g_assert_true (json_object_get_null_member (member (bare, "mark"), "region"));
  g_assert_true (json_object_get_null_member (member (bare, "mark"), "wagon_id"));

  /* refusals change nothing */
  before = count_rows ("SELECT count(*) FROM marks");
#define MARK(region_json, reason_json) \
  "{\"at\": \"2026-11-28T03:06:00Z\", \"region\": " region_json ", \"reason_code\": " \
  reason_json ", \"note\": \"n\"}"
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          MARK ("{\"x\": 0.6, \"y\": 0, \"w\": 0.5, \"h\": 0.5}", "\"SPILLAGE\""));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          MARK ("{\"x\": 0, \"y\": 0.5, \"w\": 0.5, \"h\": 0.6}", "\"SPILLAGE\""));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          MARK ("{\"x\": 0, \"y\": 0, \"w\": 0, \"h\": 0.5}", "\"SPILLAGE\""));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          MARK ("{\"x\": -0.1, \"y\": 0, \"w\": 0.5, \"h\": 0.5}", "\"SPILLAGE\""));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          MARK ("{\"x\": 0, \"y\": 0, \"w\": 0.5, \"h\": 0.5, \"z\": 1}", "\"SPILLAGE\""));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          MARK ("{\"x\": \"0\", \"y\": 0, \"w\": 0.5, \"h\": 0.5}", "\"SPILLAGE\""));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          MARK ("{\"x\": 0, \"y\": 0, \"w\": 0.5}", "\"SPILLAGE\""));
  EXPECT (INSPECTOR_A, "POST", path, 400, "wrong_type", MARK ("[0, 0, 1, 1]", "\"SPILLAGE\""));
  reason = call (INSPECTOR_A, "POST", path, 400, "invalid_input",
                 MARK ("null", "\"GREEN_CHEESE\""));
  g_assert_nonnull (strstr (reason->body, "reason_code"));
  EXPECT (INSPECTOR_A, "POST", path, 400, "wrong_type", MARK ("null", "null"));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"wagon_id\": \"%s\", \"at\":"
          " \"2026-11-28T03:06:00Z\", \"reason_code\": \"SPILLAGE\", \"note\": \"\"}", wx);
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"camera_id\":"
          " \"00000000-0000-4000-8000-00000000000c\", \"at\": \"2026-11-28T03:06:00Z\","
          " \"reason_code\": \"SPILLAGE\", \"note\": \"\"}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"wagon_id\": \"w1\", \"at\":"
          " \"2026-11-28T03:06:00Z\", \"reason_code\": \"SPILLAGE\", \"note\": \"\"}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"at\": \"2026-11-28 03:06\","
          " \"reason_code\": \"SPILLAGE\", \"note\": \"\"}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "missing_field", "{\"at\": \"2026-11-28T03:06:00Z\","
          " \"reason_code\": \"SPILLAGE\"}");
  /* only the inspection's inspector marks into it */
  EXPECT (INSPECTOR_B, "POST", path, 403, "forbidden",
          MARK ("{\"x\": 0, \"y\": 0, \"w\": 0.5, \"h\": 0.5}", "\"SPILLAGE\""));
  EXPECT (INSPECTOR_A, "POST", "/api/inspections/00000000-0000-4000-8000-0000000000bb/marks", 404,
          "not_found", MARK ("null", "\"SPILLAGE\""));
  g_assert_cmpint (count_rows ("SELECT count(*) FROM marks"), ==, before);

  /* B's own inspection takes B's marks (a mark of another inspection, for
   * the supersedes check below) */
  {
    g_autofree char *path_b = g_strdup_printf ("/api/inspections/%s/marks", insp_b);
    EXPECT (INSPECTOR_B, "POST", path_b, 201, NULL, MARK ("null", "\"VIEW_OBSTRUCTED\""));
  }
#undef MARK
  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action = 'mark_created'"
                               " AND target_id = '%s' AND detail->>'reason_code' ="
                               " 'FOREIGN_MATTER'", mark1), ==, 1);
  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action ="
                               " 'mark_created'"), ==, 3);
}

static void
test_sign (void)
{
  g_autofree char *sign = g_strdup_printf ("/api/inspections/%s/sign", insp_a);
  g_autofree char *marks = g_strdup_printf ("/api/inspections/%s/marks", insp_a);
  g_autofree char *open = g_strdup_printf ("/api/lots/%s/inspections", lot);
  g_autofree char *other_mark = sql_value ("SELECT id FROM marks WHERE inspection_id = '%s'",
                                           insp_b);
  g_autoptr (TestResponse) r = NULL;
  g_autoptr (TestResponse) late = NULL;
  g_autoptr (TestResponse) fix = NULL;
  JsonObject *insp;
  gint64 before;

  EXPECT_NO_BODY (INSPECTOR_B, "POST", sign, 403, "forbidden");
  r = send (INSPECTOR_A, "POST", sign, NULL, 200, NULL);
  insp = member (r, "inspection");
  g_assert_cmpstr (json_object_get_string_member (insp, "id"), ==, insp_a);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (insp, "signed_at"), "Z"));
  g_assert_cmpint (count_rows ("SELECT count(*) FROM inspections WHERE id = '%s'"
                               " AND signed_at IS NOT NULL", insp_a), ==, 1);
  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action ="
                               " 'inspection_signed' AND target_id = '%s'"
                               " AND detail->>'marks' = '2'", insp_a), ==, 1);

  /* locked: only a correction superseding one of its marks gets in */
  before = count_rows ("SELECT count(*) FROM marks");
  late = call (INSPECTOR_A, "POST", marks, 409, "conflict", "{\"at\": \"2026-11-28T03:07:00Z\","
               " \"reason_code\": \"SPILLAGE\", \"note\": \"late\"}");
  g_assert_nonnull (strstr (late->body, "the inspection is signed: corrections supersede a mark"));
  g_assert_cmpint (count_rows ("SELECT count(*) FROM marks"), ==, before);
  fix = call (INSPECTOR_A, "POST", marks, 201, NULL, "{\"wagon_id\": \"%s\", \"at\":"
              " \"2026-11-28T03:04:05.250Z\", \"reason_code\": \"SINTERED_GLASSY\", \"note\":"
              " \"glassy lumps, not stones\", \"supersedes\": \"%s\"}", w1, mark1);
  g_assert_cmpstr (json_object_get_string_member (member (fix, "mark"), "supersedes"), ==, mark1);
  EXPECT (INSPECTOR_A, "POST", marks, 409, "conflict", "{\"at\": \"2026-11-28T03:07:00Z\","
          " \"reason_code\": \"SPILLAGE\", \"note\": \"\", \"supersedes\": \"%s\"}", mark1);
  EXPECT (INSPECTOR_A, "POST", marks, 400, "invalid_input", "{\"at\": \"2026-11-28T03:07:00Z\","
          " \"reason_code\": \"SPILLAGE\", \"note\": \"\", \"supersedes\": \"%s\"}", other_mark);
  g_assert_cmpint (count_rows ("SELECT count(*) FROM marks"), ==, before + 1);

  EXPECT_NO_BODY (INSPECTOR_A, "POST", sign, 409, "conflict");
  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action ="
                               " 'inspection_signed'"), ==, 1);
  EXPECT_NO_BODY (INSPECTOR_A, "POST", "/api/inspections/00000000-0000-4000-8000-0000000000bb/sign",
                  404, "not_found");

  /* signed, A may open a new inspection of the lot */
  EXPECT (INSPECTOR_A, "POST", open, 201, NULL, "{\"cameras\": [\"%s\"]}", cam2);
}

static void
test_roles (void)
{
  g_autofree char *open = g_strdup_printf ("/api/lots/%s/inspections", lot);
  g_autofree char *marks = g_strdup_printf ("/api/inspections/%s/marks", insp_b);
  g_autofree char *sign = g_strdup_printf ("/api/inspections/%s/sign", insp_b);
  g_autofree char *samples = g_strdup_printf ("/api/lots/%s/samples", lot);
  gint64 events = count_rows ("SELECT count(*) FROM audit_events");

  for (int i = 0; i < 2; i++) {
    int who = i == 0 ? OPERATOR : AUDITOR;

    EXPECT (who, "POST", open, 403, "forbidden", "{\"cameras\": []}");
    EXPECT (who, "POST", marks, 403, "forbidden", "{\"at\": \"2026-11-28T03:07:00Z\","
            " \"reason_code\": \"SPILLAGE\", \"note\": \"\"}");
    EXPECT_NO_BODY (who, "POST", sign, 403, "forbidden");
    EXPECT (who, "POST", samples, 403, "forbidden", "{\"number\": \"R-1\", \"seal\": \"s\","
            " \"wagon_ids\": [\"%s\"], \"drawn_by\": \"x\", \"witnessed\": false, \"drawn_at\":"
            " \"2026-11-28T03:00:00Z\"}", w1);
    EXPECT (who, "POST", "/api/samples/00000000-0000-4000-8000-0000000000dd/results", 403,
            "forbidden", "{\"element\": \"As\", \"value_pct\": 0.1}");
  }
  g_assert_cmpint (count_rows ("SELECT count(*) FROM inspections WHERE signed_at IS NOT NULL"), ==,
                   1);
  g_assert_cmpint (count_rows ("SELECT count(*) FROM samples"), ==, 0);
  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events"), ==, events);
}

static void
test_samples (void)
{
  g_autofree char *path = g_strdup_printf ("/api/lots/%s/samples", lot);
  g_autoptr (TestResponse) r = NULL;
  g_autoptr (TestResponse) unwitnessed = NULL;
  g_autoptr (TestResponse) dup = NULL;
  g_autoptr (TestResponse) foreign = NULL;
  JsonObject *s;
  gint64 before;

#define SAMPLE(number, wagons, witnessed, drawn_at) \
  "{\"number\": \"" number "\", \"seal\": \"SL-778 \", \"wagon_ids\": " wagons ", \"drawn_by\":" \
  " \"Batbayar (railyard)\", \"witnessed\": " witnessed ", \"drawn_at\": \"" drawn_at "\"}"
  r = call (INSPECTOR_A, "POST", path, 201, NULL,
            SAMPLE (" S-2026-0001", "[\"%s\", \"%s\"]", "true", "2026-01-05T08:00:00+08:00"), w1,
            w2);
  s = member (r, "sample");
  sample1 = g_strdup (json_object_get_string_member (s, "id"));
  g_assert_cmpstr (json_object_get_string_member (s, "lot_id"), ==, lot);
  g_assert_cmpstr (json_object_get_string_member (s, "number"), ==, "S-2026-0001");
  g_assert_cmpstr (json_object_get_string_member (s, "seal"), ==, "SL-778");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (s, "wagon_ids")), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (s, "wagon_ids"),
                                                  1), ==, w2);
  g_assert_cmpstr (json_object_get_string_member (s, "drawn_by"), ==, "Batbayar (railyard)");
  g_assert_true (json_object_get_boolean_member (s, "witnessed"));
  g_assert_cmpstr (json_object_get_string_member (s, "witnessed_by"), ==, "insp-a");
  g_assert_cmpstr (json_object_get_string_member (s, "created_by"), ==, "insp-a");
  g_assert_cmpstr (json_object_get_string_member (s, "drawn_at"), ==, "2026-01-05T00:00:00.000Z");

  unwitnessed = call (INSPECTOR_A, "POST", path, 201, NULL,
                      SAMPLE ("S-2026-0002", "[\"%s\"]", "false", "2026-01-05T00:10:00Z"), w2);
  g_assert_false (json_object_get_boolean_member (member (unwitnessed, "sample"), "witnessed"));
  g_assert_true (json_object_get_null_member (member (unwitnessed, "sample"), "witnessed_by"));

  before = count_rows ("SELECT count(*) FROM samples");
  dup = call (INSPECTOR_B, "POST", path, 409, "conflict",
              SAMPLE ("S-2026-0001", "[\"%s\"]", "false", "2026-01-05T00:10:00Z"), w1);
  g_assert_nonnull (strstr (dup->body, "S-2026-0001"));
  foreign = call (INSPECTOR_A, "POST", path, 400, "invalid_input",
                  SAMPLE ("S-2026-0003", "[\"%s\", \"%s\"]", "true", "2026-01-05T00:10:00Z"), w1,
                  wx);
  g_assert_nonnull (strstr (foreign->body, wx));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          SAMPLE ("S-2026-0003", "[]", "true", "2026-01-05T00:10:00Z"));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          SAMPLE ("S-2026-0003", "[\"%s\", \"%s\"]", "true", "2026-01-05T00:10:00Z"), w1, w1);
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          SAMPLE ("S-2026-0003", "[\"wagon 1\"]", "true", "2026-01-05T00:10:00Z"));
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          SAMPLE ("S-2026-0003", "[\"%s\"]", "true", "2099-01-05T00:10:00Z"), w1);
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          SAMPLE ("S-2026-0003", "[\"%s\"]", "true", "yesterday"), w1);
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input",
          SAMPLE ("  ", "[\"%s\"]", "true", "2026-01-05T00:10:00Z"), w1);
  EXPECT (INSPECTOR_A, "POST", path, 400, "wrong_type",
          SAMPLE ("S-2026-0003", "[\"%s\"]", "\"yes\"", "2026-01-05T00:10:00Z"), w1);
  EXPECT (INSPECTOR_A, "POST", path, 400, "missing_field", "{\"number\": \"S-2026-0003\"}");
  EXPECT (INSPECTOR_A, "POST", "/api/lots/00000000-0000-4000-8000-0000000000aa/samples", 404,
          "not_found", SAMPLE ("S-2026-0003", "[\"%s\"]", "true", "2026-01-05T00:10:00Z"), w1);
#undef SAMPLE
  g_assert_cmpint (count_rows ("SELECT count(*) FROM samples"), ==, before);

  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action ="
                               " 'sample_created' AND target_id = '%s'"
                               " AND detail->>'number' = 'S-2026-0001'", sample1), ==, 1);
  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action ="
                               " 'sample_created'"), ==, 2);
}

/* Posts a result of @element at @value (JSON number text) for sample1 and
 * checks the judgement. Returns (transfer full) the lab_result object. */
static JsonObject *
post_result (const char *element, const char *value, gboolean pass, double limit)
{
  g_autofree char *path = g_strdup_printf ("/api/samples/%s/results", sample1);
  g_autoptr (TestResponse) r = call (INSPECTOR_A, "POST", path, 201, NULL,
                                     "{\"element\": \"%s\", \"value_pct\": %s}", element, value);
  JsonObject *res = json_object_ref (member (r, "lab_result"));

  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (res, "id")));
  g_assert_cmpstr (json_object_get_string_member (res, "sample_id"), ==, sample1);
  g_assert_cmpstr (json_object_get_string_member (res, "element"), ==, element);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (res, "value_pct"),
                                  g_ascii_strtod (value, NULL), 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (res, "limit_pct"), limit, 1e-9);
  g_assert_cmpint (pass, ==, json_object_get_boolean_member (res, "pass"));
  g_assert_cmpint (!pass, ==, json_object_get_boolean_member (res, "follow_up"));
  g_assert_nonnull (strstr (json_object_get_string_member (res, "rule_source"), "2017 No. 106"));
  return res;
}

static void
test_lab_results (void)
{
  g_autofree char *path = g_strdup_printf ("/api/samples/%s/results", sample1);
  g_autoptr (JsonObject) as_pass = NULL;
  g_autoptr (JsonObject) as_fail = NULL;
  g_autoptr (JsonObject) pb_pass = NULL;
  g_autoptr (JsonObject) as_v2 = NULL;
  g_autofree char *stored = NULL;
  gint64 before;

  set_lot_status (lot, "decided");
  as_pass = post_result ("As", "0.49", TRUE, 0.50);
  g_assert_cmpint (json_object_get_int_member (as_pass, "rule_version"), ==, 1);
  assert_lot_status (lot, "decided");

  /* a failed element sends the lot back for a follow-up decision */
  as_fail = post_result ("As", "6.72", FALSE, 0.50);
  assert_lot_status (lot, "awaiting_review");
  stored = sql_value ("SELECT value_pct::text FROM lab_results WHERE id = '%s'",
                      json_object_get_string_member (as_fail, "id"));
  g_assert_cmpstr (stored, ==, "6.72");

  /* the limit itself passes */
  set_lot_status (lot, "decided");
  pb_pass = post_result ("Pb", "6.00", TRUE, 6.00);
  assert_lot_status (lot, "decided");
  json_object_unref (post_result ("Pb", "6.01", FALSE, 6.00));

  before = count_rows ("SELECT count(*) FROM lab_results");
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"element\": \"Cu\","
          " \"value_pct\": 20}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"element\": \"Lead\","
          " \"value_pct\": 1}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"element\": \"as\","
          " \"value_pct\": 1}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"element\": \"As\","
          " \"value_pct\": -0.01}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "invalid_input", "{\"element\": \"As\","
          " \"value_pct\": 100.5}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "wrong_type", "{\"element\": \"As\","
          " \"value_pct\": \"0.3\"}");
  EXPECT (INSPECTOR_A, "POST", path, 400, "unknown_field", "{\"element\": \"As\","
          " \"value_pct\": 0.3, \"pass\": true}");
  EXPECT (INSPECTOR_A, "POST", "/api/samples/00000000-0000-4000-8000-0000000000dd/results", 404,
          "not_found", "{\"element\": \"As\", \"value_pct\": 0.1}");
  g_assert_cmpint (count_rows ("SELECT count(*) FROM lab_results"), ==, before);

  /* the latest rule version in force judges */
  g_free (sql_value ("INSERT INTO lab_rules (version, element, max_mass_fraction_pct, source,"
                     " valid_from) VALUES (2, 'As', 0.40, 'test rule 2017 No. 106 amended',"
                     " date '2020-01-01') RETURNING id"));
  as_v2 = post_result ("As", "0.45", FALSE, 0.40);
  g_assert_cmpint (json_object_get_int_member (as_v2, "rule_version"), ==, 2);

  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action = 'lab_result'"
                               " AND target_id = '%s' AND detail->>'pass' = 'false'"
                               " AND detail->>'follow_up' = 'true'",
                               json_object_get_string_member (as_fail, "id")), ==, 1);
  g_assert_cmpint (count_rows ("SELECT count(*) FROM audit_events WHERE action = 'lab_result'"
                               " AND target_id = '%s' AND detail->>'pass' = 'true'",
                               json_object_get_string_member (pb_pass, "id")), ==, 1);
}

/* GET /api/lots/{id} carries the lot's marks (superseded ones flagged)
 * and samples with their judged results, for the auditor too. */
static void
test_lot_view (void)
{
  g_autofree char *path = g_strdup_printf ("/api/lots/%s", lot);
  g_autoptr (TestResponse) r = send (AUDITOR, "GET", path, NULL, 200, NULL);
  JsonObject *o = member (r, "lot");
  JsonArray *marks = json_object_get_array_member (o, "marks");
  JsonArray *samples = json_object_get_array_member (o, "samples");
  gint64 db_marks = count_rows ("SELECT count(*) FROM marks WHERE lot_id = '%s'", lot);
  gint64 db_superseded = count_rows ("SELECT count(*) FROM marks m WHERE lot_id = '%s' AND EXISTS"
                                     " (SELECT 1 FROM marks s WHERE s.supersedes_id = m.id)", lot);
  gint64 superseded = 0;
  gboolean found_fail = FALSE;

  g_assert_nonnull (marks);
  g_assert_nonnull (samples);
  g_assert_cmpint (json_array_get_length (marks), ==, db_marks);
  g_assert_cmpint (db_marks, >, 0);
  for (guint i = 0; i < json_array_get_length (marks); i++)
    if (json_object_get_boolean_member (json_array_get_object_element (marks, i), "superseded"))
      superseded++;
  g_assert_cmpint (superseded, ==, db_superseded);
  g_assert_cmpint (json_array_get_length (samples), ==,
                   count_rows ("SELECT count(*) FROM samples WHERE lot_id = '%s'", lot));
  for (guint i = 0; i < json_array_get_length (samples); i++) {
    JsonArray *results = json_object_get_array_member (json_array_get_object_element (samples, i),
                                                       "results");

    for (guint k = 0; k < json_array_get_length (results); k++) {
      JsonObject *res = json_array_get_object_element (results, k);

      if (g_str_equal (json_object_get_string_member (res, "element"), "As") &&
          json_object_get_double_member (res, "value_pct") == 6.72) {
        g_assert_false (json_object_get_boolean_member (res, "pass"));
        g_assert_cmpfloat (json_object_get_double_member (res, "limit_pct"), ==, 0.50);
        found_fail = TRUE;
      }
    }
  }
  g_assert_true (found_fail);
  /* exact decimals in the text, not 6.7199999999999998 */
  g_assert_nonnull (strstr (r->body, "\"value_pct\":6.72"));
}

/* The auditor sees every write through GET /api/audit. */
static void
test_audit (void)
{
  static const struct {
    const char *action;
    guint count;
  } expected[] = {
    { "inspection_opened", 4 }, { "mark_created", 4 }, { "inspection_signed", 1 },
    { "sample_created", 2 }, { "lab_result", 5 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++) {
    g_autofree char *path = g_strdup_printf ("/api/audit?action=%s", expected[i].action);
    g_autoptr (TestResponse) r = send (AUDITOR, "GET", path, NULL, 200, NULL);
    JsonArray *events = json_object_get_array_member (json_node_get_object (r->json), "events");

    g_assert_cmpuint (json_array_get_length (events), ==, expected[i].count);
    for (guint j = 0; j < json_array_get_length (events); j++) {
      JsonObject *e = json_array_get_object_element (events, j);
      g_assert_cmpstr (json_object_get_string_member (e, "action"), ==, expected[i].action);
      g_assert_true (g_str_has_prefix (json_object_get_string_member (e, "actor_name"), "insp-"));
    }
  }
}

static char *G_GNUC_PRINTF (1, 2)
insert_returning_id (const char *fmt, ...)
{
  g_autofree char *sql = NULL;
  va_list ap;

  va_start (ap, fmt);
  sql = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return sql_value ("%s RETURNING id", sql);
}

static void
make_lots (void)
{
  g_autofree char *decl = insert_returning_id (
      "INSERT INTO declarations (number, customs_code, import, created_by)"
      " VALUES ('050220261000000001', '0502', true, '%s')", fx->user_ids[OPERATOR]);

  lot = insert_returning_id ("INSERT INTO lots (declaration_id, lot_no, site, track, created_by)"
                             " VALUES ('%s', 'L-1', 'Erenhot', '3', '%s')", decl,
                             fx->user_ids[OPERATOR]);
  lot2 = insert_returning_id ("INSERT INTO lots (declaration_id, lot_no, status, created_by)"
                              " VALUES ('%s', 'L-2', 'pending_approval', '%s')", decl,
                              fx->user_ids[OPERATOR]);
  w1 = insert_returning_id ("INSERT INTO wagons (lot_id, seq, number) VALUES ('%s', 1,"
                            " '218124712173')", lot);
  w2 = insert_returning_id ("INSERT INTO wagons (lot_id, seq, number) VALUES ('%s', 2,"
                            " '518008430010')", lot);
  wx = insert_returning_id ("INSERT INTO wagons (lot_id, seq, number) VALUES ('%s', 1,"
                            " '61234567')", lot2);
  cam1 = insert_returning_id ("INSERT INTO cameras (name, url, recording) VALUES"
                              " ('Siding 3 overhead', 'rtsp://127.0.0.1:1/cam1', false)");
  cam2 = insert_returning_id ("INSERT INTO cameras (name, url, recording) VALUES"
                              " ('Siding 3 PTZ', 'rtsp://127.0.0.1:1/cam2', false)");
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "operator", "operator" }, { "insp-a", "inspector" }, { "insp-b", "inspector" },
    { "auditor", "auditor" },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (api_fixture_log_to_stderr, NULL, NULL);
  rvi_test_watchdog (200);
  fx = api_fixture_new ("rvi-test-inspections");
  api_fixture_start (fx, users, N_USERS);
  make_lots ();

  g_test_add_func ("/inspections/open", test_open);
  g_test_add_func ("/inspections/marks", test_marks);
  g_test_add_func ("/inspections/sign", test_sign);
  g_test_add_func ("/inspections/roles", test_roles);
  g_test_add_func ("/inspections/samples", test_samples);
  g_test_add_func ("/inspections/lab-results", test_lab_results);
  g_test_add_func ("/inspections/lot-view", test_lot_view);
  g_test_add_func ("/inspections/audit", test_audit);
  status = g_test_run ();

  api_fixture_free (fx);
  g_free (lot);
  g_free (lot2);
  g_free (w1);
  g_free (w2);
  g_free (wx);
  g_free (cam1);
  g_free (cam2);
  g_free (insp_a);
  g_free (insp_b);
  g_free (mark1);
  g_free (sample1);
  return status;
}
