/* test-cameras: linking cameras through the API (a server that records
 * nothing, so no camera is contacted): validation, write-only credentials
 * (never in an answer, the audit log, the database in clear, or a log
 * line), the timeline shape, holds and node listing. */
#include <glib.h>
#include <string.h>

#include "api-fixture.h"

#define SECRET "s3cr3t-Pa55"

static ApiFixture *fx;      /* users: operator, inspector, auditor */
static GString *log_text;
static GMutex log_lock;

static GLogWriterOutput
capture_log (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      g_string_append_printf (log_text, "%s\n", (const char *) fields[i].value);
  g_mutex_unlock (&log_lock);
  return api_fixture_log_to_stderr (level, fields, n, data);
}

static void
expect (TestClient *c, const char *method, const char *path, const char *body, guint status,
        const char *code)
{
  g_autoptr (TestResponse) r = test_request (c, method, path, body, NULL);
  if (r->status != status || (code && g_strcmp0 (code, "") != 0
                              && g_strcmp0 (test_error_code (r), code) != 0))
    g_error ("%s %s %s: expected %u %s, got %u %s", method, path, body ? body : "", status,
             code ? code : "", r->status, r->body);
}

static char *camera_id;

static void
test_create (void)
{
  g_autoptr (TestClient) op = api_fixture_client (fx, 0);
  g_autoptr (TestResponse) r = test_request (op, "POST", "/api/cameras",
      "{\"name\": \"Siding 3 overhead\", \"url\": \"rtsp://admin:" SECRET "@127.0.0.1:1/cam1\","
      " \"site\": \"Erenhot\", \"track\": \"3\", \"position\": \"km 2.4 north\","
      " \"gacc_id\": \"15010203100300120001\"}", NULL);
  JsonObject *cam;

  g_assert_cmpuint (r->status, ==, 201);
  cam = json_object_get_object_member (json_node_get_object (r->json), "camera");
  camera_id = g_strdup (json_object_get_string_member (cam, "id"));
  g_assert_cmpstr (json_object_get_string_member (cam, "url"), ==, "rtsp://127.0.0.1:1/cam1");
  g_assert_true (json_object_get_boolean_member (cam, "credentials"));
  g_assert_cmpstr (json_object_get_string_member (cam, "site"), ==, "Erenhot");
  g_assert_true (json_object_has_member (cam, "state"));
  g_assert_true (json_object_has_member (cam, "node"));
  g_assert_true (json_object_has_member (cam, "health"));
  g_assert_null (strstr (r->body, SECRET));
  g_assert_null (strstr (r->body, "admin:"));
  g_assert_null (strstr (r->body, "password"));
  expect (op, "POST", "/api/cameras", "{\"name\": \"siding 3 OVERHEAD\", \"url\": \"rtsp://h/x\"}",
          409, "conflict");
}

static void
test_validation (void)
{
  g_autoptr (TestClient) op = api_fixture_client (fx, 0);
  gint64 before = api_fixture_count (fx, "SELECT count(*) FROM cameras", NULL, NULL);

  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"file:///etc/passwd\"}", 400,
          "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"http://h/x\"}", 400,
          "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://\"}", 400,
          "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x y\"}", 400,
          "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"RTSP://h/x\", \"gacc_id\":"
          " \"1501020310030012000\"}", 400, "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x\", \"gacc_id\":"
          " \"1501020310030012000x\"}", 400, "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x\", \"transport\":"
          " \"quic\"}", 400, "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x\","
          " \"segment_seconds\": 1}", 400, "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \" \", \"url\": \"rtsp://h/x\"}", 400,
          "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x\","
          " \"pinned_nodes\": []}", 400, "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x\","
          " \"pinned_nodes\": [\"yard a\"]}", 400, "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x\","
          " \"pinned_nodes\": [\"yard-a\", 7]}", 400, "invalid_input");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x\","
          " \"pinned_nodes\": \"yard-a\"}", 400, "");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\"}", 400, "missing_field");
  expect (op, "POST", "/api/cameras", "{\"name\": \"a\", \"url\": \"rtsp://h/x\", \"colour\": 1}",
          400, "unknown_field");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM cameras", NULL, NULL), ==, before);

  /* a password without any user name, and a rename onto a taken name, are
   * refused in words for the operator, not the database's */
  {
    g_autoptr (TestResponse) r = test_request (op, "POST", "/api/cameras",
                                               "{\"name\": \"no creds\", \"url\": \"rtsp://h/y\"}",
                                               NULL);
    g_autofree char *path = NULL;
    g_autoptr (TestResponse) pw = NULL;
    g_autoptr (TestResponse) dup = NULL;

    g_assert_cmpuint (r->status, ==, 201);
    path = g_strdup_printf ("/api/cameras/%s", test_json_string (r, "camera.id"));
    pw = test_request (op, "PATCH", path, "{\"password\": \"lonely-password\"}", NULL);
    g_assert_cmpuint (pw->status, ==, 400);
    g_assert_nonnull (strstr (pw->body, "a password needs a username"));
    dup = test_request (op, "PATCH", path, "{\"name\": \"Siding 3 overhead\"}", NULL);
    g_assert_cmpuint (dup->status, ==, 409);
    g_assert_null (strstr (dup->body, "SQLSTATE"));
    g_assert_null (strstr (dup->body, "constraint"));
    expect (op, "DELETE", path, NULL, 204, NULL);
  }
}

static void
test_update_delete (void)
{
  g_autoptr (TestClient) op = api_fixture_client (fx, 0);
  g_autoptr (TestClient) insp = api_fixture_client (fx, 1);
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s", camera_id);
  g_autoptr (TestResponse) r = NULL;
  g_autoptr (TestResponse) list = NULL;

  r = test_request (op, "PATCH", path, "{\"recording\": false, \"password\": \"" SECRET "-2\","
                    " \"position\": \"km 2.5\"}", NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (strstr (r->body, "\"state\":\"disabled\""));
  g_assert_nonnull (strstr (r->body, "km 2.5"));
  g_assert_null (strstr (r->body, SECRET));
  list = test_request (insp, "GET", "/api/cameras", NULL, NULL);   /* every role reads */
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_nonnull (strstr (list->body, camera_id));
  g_assert_null (strstr (list->body, SECRET));
  expect (insp, "PATCH", path, "{\"recording\": true}", 403, "forbidden");
  /* pinned to a group of nodes, then to any node again */
  {
    g_autoptr (TestResponse) pin = test_request (op, "PATCH", path, "{\"pinned_nodes\":"
                                                 " [\"yard-a\", \"yard_b.2\"]}", NULL);
    g_autoptr (TestResponse) unpin = NULL;

    g_assert_cmpuint (pin->status, ==, 200);
    g_assert_nonnull (strstr (pin->body, "\"pinned_nodes\":[\"yard-a\",\"yard_b.2\"]"));
    unpin = test_request (op, "PATCH", path, "{\"pinned_nodes\": null}", NULL);
    g_assert_cmpuint (unpin->status, ==, 200);
    g_assert_nonnull (strstr (unpin->body, "\"pinned_nodes\":null"));
  }
  expect (op, "PATCH", path, "{\"url\": \"file:///dev/zero\"}", 400, "invalid_input");
  expect (op, "PATCH", "/api/cameras/00000000-0000-4000-8000-000000000000", "{\"site\": \"x\"}",
          404, "not_found");

  /* the password is sealed in the database, never in clear */
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM cameras"
                                          " WHERE password_box IS NOT NULL", NULL, NULL), ==, 1);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM cameras WHERE password_box LIKE"
                                          " '%" SECRET "%' OR url LIKE '%" SECRET "%'", NULL, NULL),
                   ==, 0);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events"
                                          " WHERE detail::text LIKE '%" SECRET "%'", NULL, NULL),
                   ==, 0);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM audit_events WHERE action IN"
                                            " ('camera_created', 'camera_updated')"
                                            " AND target_id = '%s'", camera_id);
    g_assert_cmpint (api_fixture_count (fx, sql, NULL, NULL), ==, 4);
  }
}

static void
test_timeline_and_holds (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, 1);
  g_autoptr (TestClient) aud = api_fixture_client (fx, 2);
  g_autofree char *tl = g_strdup_printf ("/api/cameras/%s/timeline", camera_id);
  g_autofree char *bad = g_strdup_printf ("%s?from=2026-11-28T10:00:00Z&to=2026-11-28T09:00:00Z",
                                          tl);
  g_autofree char *wide = g_strdup_printf ("%s?from=2026-01-01T00:00:00Z&to=2026-11-28T00:00:00Z",
                                           tl);
  g_autofree char *hold_body = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\":"
                                                " \"2026-11-28T01:00:00Z\", \"to\":"
                                                " \"2026-11-28T02:00:00.500Z\", \"reason\":"
                                                " \"lot 7 under HOLD_SOLID_WASTE\"}", camera_id);
  g_autoptr (TestResponse) r = test_request (insp, "GET", tl, NULL, NULL);
  g_autoptr (TestResponse) h = NULL;
  g_autofree char *release = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  for (const char *const *k = (const char *const[]) { "segments", "gaps", "samples", "marks",
                                                      "decisions", "alerts", NULL }; *k; k++)
    g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (r->json),
                                                                 *k)));
  expect (insp, "GET", bad, NULL, 400, "invalid_input");
  expect (insp, "GET", wide, NULL, 400, "invalid_input");

  h = test_request (insp, "POST", "/api/holds", hold_body, NULL);
  g_assert_cmpuint (h->status, ==, 201);
  g_assert_cmpstr (test_json_string (h, "hold.to"), ==, "2026-11-28T02:00:00.500Z");
  release = g_strdup_printf ("/api/holds/%s", test_json_string (h, "hold.id"));
  expect (insp, "DELETE", release, NULL, 403, "forbidden");
  expect (aud, "DELETE", release, NULL, 204, NULL);
  expect (aud, "DELETE", release, NULL, 404, "not_found");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events WHERE action IN"
                                          " ('hold_created', 'hold_released')", NULL, NULL), ==, 2);
  {
    g_autofree char *backwards = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\":"
                                                  " \"2026-11-28T03:00:00Z\", \"to\":"
                                                  " \"2026-11-28T02:00:00Z\", \"reason\": \"x\"}",
                                                  camera_id);
    expect (aud, "POST", "/api/holds", backwards, 400, "invalid_input");
  }
}

/* Marks and decisions in the timeline; the multi-camera and lot forms. */
static void
test_timeline_marks_decisions (void)
{
  g_autoptr (TestClient) aud = api_fixture_client (fx, 2);
  const char *user = fx->user_ids[1];
  g_autofree char *decl = api_fixture_value (fx, "INSERT INTO declarations (number, customs_code,"
                                             " import, created_by) VALUES ('020220261000054321',"
                                             " '0202', true, $1::uuid) RETURNING id", user, NULL);
  g_autofree char *lot = api_fixture_value (fx, "INSERT INTO lots (declaration_id, lot_no,"
                                            " created_by) VALUES ($1::uuid, 'T-1', $2::uuid)"
                                            " RETURNING id", decl, user);
  g_autofree char *insp_sql = g_strdup_printf ("INSERT INTO inspections (lot_id, inspector_id,"
                                               " opened_at, cameras) VALUES ($1::uuid, $2::uuid,"
                                               " '2026-11-20T08:00:00Z', ARRAY['%s'::uuid])"
                                               " RETURNING id", camera_id);
  g_autofree char *insp = api_fixture_value (fx, insp_sql, lot, user);
  g_autofree char *mark_sql = g_strdup_printf ("INSERT INTO marks (inspection_id, lot_id,"
                                               " camera_id, at, note, created_by) SELECT"
                                               " $1::uuid, lot_id, '%s', '2026-11-20T08:10:00Z',"
                                               " 'seal broken', $2::uuid FROM inspections"
                                               " WHERE id = $1::uuid RETURNING id", camera_id);
  g_autofree char *mark = api_fixture_value (fx, mark_sql, insp, user);
  g_autofree char *dec = api_fixture_value (fx, "INSERT INTO decisions (lot_id, inspection_id,"
                                            " category, window_start, window_end, decided_by,"
                                            " decided_at) SELECT lot_id, id, 'RELEASE_ONWARD',"
                                            " '2026-11-20T08:00:00Z', '2026-11-20T08:20:00Z',"
                                            " $2::uuid, '2026-11-20T08:25:00Z' FROM inspections"
                                            " WHERE id = $1::uuid RETURNING id", insp, user);
  g_autofree char *one = g_strdup_printf ("/api/cameras/%s/timeline?from=2026-11-20T07:00:00Z"
                                          "&to=2026-11-20T09:00:00Z", camera_id);
  g_autofree char *many = g_strdup_printf ("/api/timeline?cameras=%s,%s&from=2026-11-20T07:00:00Z"
                                           "&to=2026-11-20T09:00:00Z", camera_id, camera_id);
  g_autofree char *by_lot = g_strdup_printf ("/api/timeline?lot_id=%s", lot);
  g_autofree char *both = g_strdup_printf ("/api/timeline?lot_id=%s&cameras=%s", lot, camera_id);
  g_autoptr (TestResponse) r1 = test_request (aud, "GET", one, NULL, NULL);
  g_autoptr (TestResponse) r2 = test_request (aud, "GET", many, NULL, NULL);
  g_autoptr (TestResponse) r3 = test_request (aud, "GET", by_lot, NULL, NULL);
  JsonObject *o;
  JsonArray *cams;

  g_assert_nonnull (mark);
  g_assert_nonnull (dec);
  api_fixture_check (r1, 200, NULL, NULL);
  o = json_node_get_object (r1->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "marks")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
    json_object_get_array_member (o, "marks"), 0), "note"), ==, "seal broken");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "decisions")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
    json_object_get_array_member (o, "decisions"), 0), "category"), ==, "RELEASE_ONWARD");

  api_fixture_check (r2, 200, NULL, NULL);
  cams = json_object_get_array_member (json_node_get_object (r2->json), "cameras");
  g_assert_cmpuint (json_array_get_length (cams), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cams, 1),
                                                  "camera_id"), ==, camera_id);

  /* the lot form: its inspection's camera, from 5 min before it opened */
  api_fixture_check (r3, 200, NULL, NULL);
  o = json_node_get_object (r3->json);
  g_assert_cmpstr (json_object_get_string_member (o, "from"), ==, "2026-11-20T07:55:00.000Z");
  cams = json_object_get_array_member (o, "cameras");
  g_assert_cmpuint (json_array_get_length (cams), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_array_get_object_element (cams, 0), "marks")), ==, 1);

  expect (aud, "GET", both, NULL, 400, "invalid_input");
  expect (aud, "GET", "/api/timeline?cameras=not-a-uuid", NULL, 400, "invalid_input");
  expect (aud, "GET", "/api/timeline?cameras=5b0c3c0e-2f4e-4a8e-9a53-3b1f1e0c9d11", NULL, 404,
          "not_found");
  expect (aud, "GET", "/api/timeline?lot_id=5b0c3c0e-2f4e-4a8e-9a53-3b1f1e0c9d11", NULL, 404,
          "not_found");
}

static void
test_delete (void)
{
  g_autoptr (TestClient) op = api_fixture_client (fx, 0);
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s", camera_id);

  expect (op, "DELETE", path, NULL, 204, NULL);
  expect (op, "GET", path, NULL, 404, "not_found");
  expect (op, "DELETE", path, NULL, 404, "not_found");
}

static void
test_no_secret_logged (void)
{
  g_mutex_lock (&log_lock);
  g_assert_null (strstr (log_text->str, SECRET));
  g_mutex_unlock (&log_lock);
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[] = {
    { "operator", "operator" }, { "inspector", "inspector" }, { "auditor", "auditor" },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  log_text = g_string_new (NULL);
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);   /* capture every level, debug included */
  g_log_set_writer_func (capture_log, NULL, NULL);
  rvi_test_watchdog (200);
  fx = api_fixture_new ("rvi-test-cameras");
  api_fixture_start (fx, users, G_N_ELEMENTS (users));

  g_test_add_func ("/cameras/create", test_create);
  g_test_add_func ("/cameras/validation", test_validation);
  g_test_add_func ("/cameras/update", test_update_delete);
  g_test_add_func ("/cameras/timeline-holds", test_timeline_and_holds);
  g_test_add_func ("/cameras/timeline-marks-decisions", test_timeline_marks_decisions);
  g_test_add_func ("/cameras/delete", test_delete);
  g_test_add_func ("/cameras/no-secret-logged", test_no_secret_logged);
  status = g_test_run ();

  api_fixture_free (fx);
  g_free (camera_id);
  return status;
}
