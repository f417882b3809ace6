/* test-lots: lots through the API against an in-process server: creation
 * with UIC, 1520 mm, Chinese and container wagons (a bad check digit is
 * stored and flagged, a malformed number refused), validation that stores
 * nothing, conflicts, roles, one lot with its inspections and decisions,
 * the work queue's filters, and the CSV import (quoting, CRLF, every
 * problem reported by line, all or nothing, limits). */
#include <glib.h>
#include <string.h>

#include "api-fixture.h"

#define DECL_A "070120261000012345"
#define DECL_B "070120261000012346"
#define DECL_CSV "070220261000000777"
#define NO_SUCH_LOT "/api/lots/00000000-0000-4000-8000-000000000000"

enum { OPERATOR, INSPECTOR, AUDITOR, N_USERS };

static ApiFixture *fx;
static char *lot_a;           /* the lot of test_create */

/* Sends the request and fails the test unless the answer has @status and,
 * when given, error.code @code and a message containing @message. */
static TestResponse *
expect_full (TestClient *c, const char *method, const char *path, const char *body, guint status,
             const char *code, const char *message)
{
  TestResponse *r = test_request (c, method, path, body, NULL);
  const char *got = test_json_string (r, "error.message");

  if (r->status != status || (code && g_strcmp0 (test_error_code (r), code) != 0)
      || (message && (!got || !strstr (got, message))))
    g_error ("%s %s %.200s: expected %u %s \"%s\", got %u %.500s", method, path,
             body ? body : "", status, code ? code : "", message ? message : "", r->status,
             r->body);
  return r;
}

static void
expect (TestClient *c, const char *method, const char *path, const char *body, guint status,
        const char *code, const char *message)
{
  g_autoptr (TestResponse) r = expect_full (c, method, path, body, status, code, message);
}

static JsonObject *
member_object (JsonNode *node, const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_true (json_object_has_member (json_node_get_object (node), name));
  return json_object_get_object_member (json_node_get_object (node), name);
}

static JsonObject *
element (JsonObject *o, const char *array, guint i)
{
  JsonArray *a = json_object_get_array_member (o, array);
  g_assert_cmpuint (json_array_get_length (a), >, i);
  return json_array_get_object_element (a, i);
}

static gboolean
is_null (JsonObject *o, const char *name)
{
  g_assert_true (json_object_has_member (o, name));
  return json_object_get_null_member (o, name);
}

static char *
csv_body (const char *csv)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "csv");
  json_builder_add_string_value (b, csv);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static void
test_create (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autoptr (TestResponse) r = expect_full (insp, "POST", "/api/lots",
      "{\"declaration_no\": \" " DECL_A " \", \"waybill_no\": \"EH-2026-0042\","
      " \"hs_code\": \"2603000010\", \"declared_mass_kg\": 345000.5, \"origin_country\": \"mn\","
      " \"arrival_at\": \"2026-11-28T06:00:00+08:00\", \"site\": \"Erenhot\", \"track\": \"3\","
      " \"risk_note\": \"risk system: As above limit last time\", \"wagons\": ["
      " {\"number\": \"21 81 2471 217-3\", \"seals\": [\"EH001\", \" EH002 \"],"
      "  \"declared_mass_kg\": 69000},"
      " {\"number\": \"6123456-3\", \"seals\": [\"KZ77\"]},"
      " {\"number\": \"csqu 305438 3\"},"
      " {\"number\": \"21 81 2471 217-4\", \"seals\": []},"
      " {\"number\": \"4012345\", \"declared_mass_kg\": 70500.25}]}",
      201, NULL, NULL);
  JsonObject *lot = member_object (r->json, "lot");
  JsonObject *w;
  g_autofree char *sql = NULL;

  lot_a = g_strdup (json_object_get_string_member (lot, "id"));
  g_assert_cmpstr (json_object_get_string_member (lot, "declaration_no"), ==, DECL_A);
  g_assert_cmpstr (json_object_get_string_member (lot, "lot_no"), ==, "EH-2026-0042");
  g_assert_cmpstr (json_object_get_string_member (lot, "origin_country"), ==, "MN");
  g_assert_cmpstr (json_object_get_string_member (lot, "arrival_at"), ==,
                   "2026-11-27T22:00:00.000Z");
  g_assert_cmpfloat (json_object_get_double_member (lot, "declared_mass_kg"), ==, 345000.5);
  g_assert_cmpstr (json_object_get_string_member (lot, "status"), ==, "awaiting_review");
  g_assert_true (is_null (lot, "current_decision"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (lot, "decisions")), ==,
                    0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (lot, "wagons")), ==, 5);

  w = element (lot, "wagons", 0);
  g_assert_cmpstr (json_object_get_string_member (w, "number"), ==, "218124712173");
  g_assert_cmpstr (json_object_get_string_member (w, "scheme"), ==, "uic");
  g_assert_true (json_object_get_boolean_member (w, "check_digit_valid"));
  g_assert_cmpint (json_object_get_int_member (w, "seq"), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (w, "seals"), 1),
                   ==, "EH002");
  g_assert_cmpfloat (json_object_get_double_member (w, "declared_mass_kg"), ==, 69000);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (w, "warnings")), ==, 0);
  w = element (lot, "wagons", 1);
  g_assert_cmpstr (json_object_get_string_member (w, "scheme"), ==, "r1520");
  g_assert_true (json_object_get_boolean_member (w, "check_digit_valid"));
  w = element (lot, "wagons", 2);
  g_assert_cmpstr (json_object_get_string_member (w, "number"), ==, "CSQU3054383");
  g_assert_cmpstr (json_object_get_string_member (w, "scheme"), ==, "container");
  g_assert_true (json_object_get_boolean_member (w, "check_digit_valid"));
  w = element (lot, "wagons", 3);   /* the bad check digit: stored, flagged */
  g_assert_cmpstr (json_object_get_string_member (w, "scheme"), ==, "uic");
  g_assert_false (json_object_get_boolean_member (w, "check_digit_valid"));
  g_assert_cmpint (json_object_get_int_member (w, "expected_check_digit"), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (w, "warnings"),
                                                  0), ==, "WAGON_CHECKDIGIT_FAIL");
  w = element (lot, "wagons", 4);
  g_assert_cmpstr (json_object_get_string_member (w, "scheme"), ==, "cn7");
  g_assert_true (is_null (w, "check_digit_valid"));
  g_assert_true (is_null (w, "expected_check_digit"));

  sql = g_strdup_printf ("SELECT count(*) FROM wagons WHERE lot_id = '%s'"
                         " AND number_check = 'bad_check' AND number = '218124712174'", lot_a);
  g_assert_cmpint (api_fixture_count (fx, sql, NULL, NULL), ==, 1);
  g_free (sql);
  sql = g_strdup_printf ("SELECT count(*) FROM audit_events WHERE action = 'lot_created'"
                         " AND target_id = '%s' AND detail->>'flagged_wagons' = '1'", lot_a);
  g_assert_cmpint (api_fixture_count (fx, sql, NULL, NULL), ==, 1);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM declarations"
                                          " WHERE number = '" DECL_A "'"
                                          " AND customs_code = '0701' AND import", NULL, NULL),
                   ==, 1);
}

static void
test_validation (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  gint64 lots = api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL);
  gint64 wagons = api_fixture_count (fx, "SELECT count(*) FROM wagons", NULL, NULL);
  gint64 decls = api_fixture_count (fx, "SELECT count(*) FROM declarations", NULL, NULL);
  g_autoptr (GString) many = g_string_new ("{\"declaration_no\": \"" DECL_B "\","
                                           " \"waybill_no\": \"W\", \"wagons\": [");

#define LOT_B(rest) "{\"declaration_no\": \"" DECL_B "\", \"waybill_no\": \"W-9\"" rest "}"
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [{\"number\": \"4012345\"},"
          " {\"number\": \"6123456-3\"}, {\"number\": \"218124712173\"},"
          " {\"number\": \"21 81 2471 217-X\"}]"), 400, "invalid_input",
          "wagons[3].number: not a wagon or container number");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [{\"number\": \"4012345\"},"
          " {\"number\": \"401-2345\"}]"), 400, "invalid_input",
          "wagons[1].number: 4012345 repeats");
  expect (insp, "POST", "/api/lots", "{\"declaration_no\": \"07012026100001234\","
          " \"waybill_no\": \"W\", \"wagons\": [{\"number\": \"4012345\"}]}", 400,
          "invalid_input", "declaration_no:");
  expect (insp, "POST", "/api/lots", "{\"declaration_no\": \"070119991000012345\","
          " \"waybill_no\": \"W\", \"wagons\": [{\"number\": \"4012345\"}]}", 400,
          "invalid_input", "declaration_no:");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [], \"colour\": 1"), 400,
          "unknown_field", "colour");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [{\"number\": \"4012345\","
          " \"colour\": 1}]"), 400, "unknown_field", "wagons[0].colour");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": []"), 400, "invalid_input", "wagons:");
  expect (insp, "POST", "/api/lots", LOT_B (""), 400, "missing_field", "wagons");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [{\"seals\": []}]"), 400,
          "missing_field", "wagons[0].number");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [{\"number\": 4012345}]"), 400,
          "wrong_type", "wagons[0].number");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [{\"number\": \"4012345\","
          " \"seals\": [\"ok\", 7]}]"), 400, "wrong_type", "wagons[0].seals");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [{\"number\": \"4012345\","
          " \"seals\": [\" \"]}]"), 400, "invalid_input", "wagons[0].seals: seal 1 is empty");
  expect (insp, "POST", "/api/lots", LOT_B (", \"wagons\": [{\"number\": \"4012345\","
          " \"declared_mass_kg\": -5}]"), 400, "invalid_input", "wagons[0].declared_mass_kg:");
  expect (insp, "POST", "/api/lots", LOT_B (", \"hs_code\": \"2603000000\","
          " \"wagons\": [{\"number\": \"4012345\"}]"), 400, "invalid_input", "hs_code:");
  expect (insp, "POST", "/api/lots", LOT_B (", \"declared_mass_kg\": 0,"
          " \"wagons\": [{\"number\": \"4012345\"}]"), 400, "invalid_input", "declared_mass_kg:");
  expect (insp, "POST", "/api/lots", LOT_B (", \"declared_mass_kg\": 1e300,"
          " \"wagons\": [{\"number\": \"4012345\"}]"), 400, "invalid_input", "declared_mass_kg:");
  expect (insp, "POST", "/api/lots", LOT_B (", \"origin_country\": \"MNG\","
          " \"wagons\": [{\"number\": \"4012345\"}]"), 400, "invalid_input", "origin_country:");
  expect (insp, "POST", "/api/lots", LOT_B (", \"arrival_at\": \"yesterday\","
          " \"wagons\": [{\"number\": \"4012345\"}]"), 400, "invalid_input", "arrival_at:");
  expect (insp, "POST", "/api/lots", LOT_B (", \"site\": \"a\\u0001b\","
          " \"wagons\": [{\"number\": \"4012345\"}]"), 400, "invalid_input", "site:");
#undef LOT_B
  for (int i = 0; i < 201; i++)
    g_string_append_printf (many, "%s{\"number\": \"%07d\"}", i ? ", " : "", 4000000 + i);
  g_string_append (many, "]}");
  expect (insp, "POST", "/api/lots", many->str, 400, "invalid_input", "wagons");
  expect (insp, "POST", "/api/lots", "[1, 2]", 400, "invalid_json", NULL);

  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL), ==, lots);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM wagons", NULL, NULL), ==, wagons);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM declarations", NULL, NULL),
                   ==, decls);
}

static void
test_conflict_and_roles (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autoptr (TestClient) op = api_fixture_client (fx, OPERATOR);
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  const char *same = "{\"declaration_no\": \"" DECL_A "\", \"waybill_no\": \"X\","
                     " \"lot_no\": \"EH-2026-0042\", \"wagons\": [{\"number\": \"4012345\"}]}";
  const char *second = "{\"declaration_no\": \"" DECL_A "\", \"waybill_no\": \"EH-2026-0043\","
                       " \"site\": \"Erenhot\", \"arrival_at\": \"2026-11-28T01:00:00Z\","
                       " \"wagons\": [{\"number\": \"4012345\"}]}";
  gint64 lots = api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL);

  expect (insp, "POST", "/api/lots", same, 409, "conflict", "already has lot");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL), ==, lots);
  expect (aud, "POST", "/api/lots", second, 403, "forbidden", NULL);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL), ==, lots);
  {
    /* the operator announces trains; the declaration is shared, not doubled */
    g_autoptr (TestResponse) r = expect_full (op, "POST", "/api/lots", second, 201, NULL, NULL);
    g_assert_cmpstr (test_json_string (r, "lot.lot_no"), ==, "EH-2026-0043");
  }
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM declarations"
                                          " WHERE number = '" DECL_A "'", NULL, NULL), ==, 1);
  {
    /* no waybill number: lot "1", no site */
    g_autoptr (TestResponse) r = expect_full (
        op, "POST", "/api/lots", "{\"declaration_no\": \"" DECL_B "\", \"waybill_no\": \"\","
        " \"wagons\": [{\"number\": \"6452107-3\"}]}", 201, NULL, NULL);
    g_assert_cmpstr (test_json_string (r, "lot.lot_no"), ==, "1");
  }
  expect (aud, "GET", "/api/lots", NULL, 200, NULL, NULL);
  expect (aud, "POST", "/api/lots/import", "{\"csv\": \"x\"}", 403, "forbidden", NULL);
}

static char *
insert_decision (const char *category, const char *supersedes)
{
  g_autofree char *sql = g_strdup_printf (
      "INSERT INTO decisions (lot_id, category, reasons, note, window_start, window_end,"
      " decided_by, supersedes_id) VALUES ('%s', '%s', '{RANDOM_SELECTION}', 'seen on video',"
      " now() - interval '1 hour', now(), '%s', %s%s%s) RETURNING id", lot_a, category,
      fx->user_ids[INSPECTOR], supersedes ? "'" : "", supersedes ? supersedes : "NULL",
      supersedes ? "'" : "");
  return api_fixture_value (fx, sql, NULL, NULL);
}

static void
test_get (void)
{
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  g_autofree char *path = g_strdup_printf ("/api/lots/%s", lot_a);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *sql = NULL;

  {
    g_autoptr (TestResponse) r = expect_full (aud, "GET", path, NULL, 200, NULL, NULL);
    JsonObject *lot = member_object (r->json, "lot");
    g_assert_cmpstr (json_object_get_string_member (lot, "id"), ==, lot_a);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (lot, "wagons")), ==, 5);
    g_assert_false (json_object_get_boolean_member (element (lot, "wagons", 3),
                                                    "check_digit_valid"));
    g_assert_true (is_null (lot, "current_decision"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (lot, "inspections")),
                      ==, 0);
  }
  expect (aud, "GET", NO_SUCH_LOT, NULL, 404, "not_found", NULL);
  expect (aud, "GET", "/api/lots/not-a-uuid", NULL, 404, NULL, NULL);

  /* an inspection and a decision, then a correction that needs approval */
  sql = g_strdup_printf ("INSERT INTO inspections (lot_id, inspector_id) VALUES ('%s', '%s')"
                         " RETURNING id", lot_a, fx->user_ids[INSPECTOR]);
  g_free (api_fixture_value (fx, sql, NULL, NULL));
  first = insert_decision ("RELEASE_ONWARD", NULL);
  {
    g_autoptr (TestResponse) r = expect_full (aud, "GET", path, NULL, 200, NULL, NULL);
    JsonObject *lot = member_object (r->json, "lot");
    JsonObject *cur = json_object_get_object_member (lot, "current_decision");
    g_assert_nonnull (cur);
    g_assert_cmpstr (json_object_get_string_member (cur, "id"), ==, first);
    g_assert_cmpstr (json_object_get_string_member (cur, "state"), ==, "effective");
    g_assert_cmpstr (json_object_get_string_member (element (lot, "decisions", 0), "state"), ==,
                     "effective");
    g_assert_cmpstr (json_object_get_string_member (element (lot, "decisions", 0), "decided_by"),
                     ==, "inspector");
    g_assert_cmpstr (json_object_get_string_member (element (lot, "inspections", 0),
                                                    "inspector"), ==, "inspector");
    g_assert_true (is_null (element (lot, "inspections", 0), "signed_at"));
  }
  second = insert_decision ("HOLD_SOLID_WASTE", first);
  {
    g_autoptr (TestResponse) r = expect_full (aud, "GET", path, NULL, 200, NULL, NULL);
    JsonObject *lot = member_object (r->json, "lot");
    JsonObject *cur = json_object_get_object_member (lot, "current_decision");
    g_assert_cmpstr (json_object_get_string_member (cur, "id"), ==, second);
    g_assert_cmpstr (json_object_get_string_member (cur, "state"), ==, "pending_approval");
    g_assert_cmpstr (json_object_get_string_member (element (lot, "decisions", 0), "state"), ==,
                     "superseded");
    g_assert_cmpstr (json_object_get_string_member (element (lot, "decisions", 1), "state"), ==,
                     "pending_approval");
    g_assert_cmpstr (json_object_get_string_member (element (lot, "decisions", 1),
                                                    "supersedes_id"), ==, first);
  }
}

/* The ids of the lots a GET /api/lots answers, in order (transfer full). */
static GPtrArray *
list_ids (TestClient *c, const char *query, guint status, TestResponse **out)
{
  g_autofree char *path = g_strdup_printf ("/api/lots%s", query);
  TestResponse *r = expect_full (c, "GET", path, NULL, status, NULL, NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  if (status == 200) {
    JsonArray *a = json_object_get_array_member (json_node_get_object (r->json), "lots");
    for (guint i = 0; i < json_array_get_length (a); i++)
      g_ptr_array_add (ids, g_strdup (json_object_get_string_member (
                                          json_array_get_object_element (a, i), "id")));
  }
  if (out)
    *out = r;
  else
    test_response_free (r);
  return ids;
}

static void
test_list (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autoptr (TestResponse) all = NULL;
  g_autoptr (GPtrArray) ids = list_ids (insp, "", 200, &all);
  g_autoptr (GPtrArray) by_wagon = NULL;
  g_autoptr (GPtrArray) erenhot = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autoptr (GPtrArray) one = NULL;
  g_autoptr (GPtrArray) pending = NULL;
  JsonArray *items = json_object_get_array_member (json_node_get_object (all->json), "lots");
  JsonObject *a = NULL;

  g_assert_cmpuint (ids->len, ==, 3);
  /* by arrival, nulls last: lot A (2026-11-27T22:00Z), the 01:00Z lot, the lot without */
  g_assert_cmpstr (ids->pdata[0], ==, lot_a);
  g_assert_true (is_null (json_array_get_object_element (items, 2), "arrival_at"));
  for (guint i = 0; i < json_array_get_length (items); i++)
    if (g_str_equal (ids->pdata[i], lot_a))
      a = json_array_get_object_element (items, i);
  g_assert_cmpint (json_object_get_int_member (a, "wagons"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (a, "flagged_wagons"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                                                      a, "current_decision"), "category"), ==,
                   "HOLD_SOLID_WASTE");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                                                      a, "current_decision"), "state"), ==,
                   "pending_approval");
  g_assert_true (is_null (json_array_get_object_element (items, 1), "current_decision"));

  /* a wagon number however it is typed */
  by_wagon = list_ids (insp, "?q=21%2081%202471%20217-4", 200, NULL);
  g_assert_cmpuint (by_wagon->len, ==, 1);
  g_assert_cmpstr (by_wagon->pdata[0], ==, lot_a);
  g_ptr_array_unref (by_wagon);
  by_wagon = list_ids (insp, "?q=csqu3054383", 200, NULL);
  g_assert_cmpuint (by_wagon->len, ==, 1);
  g_ptr_array_unref (by_wagon);
  by_wagon = list_ids (insp, "?q=eh-2026-0043", 200, NULL);   /* waybill, any case */
  g_assert_cmpuint (by_wagon->len, ==, 1);
  g_assert_cmpstr (by_wagon->pdata[0], !=, lot_a);
  erenhot = list_ids (insp, "?site=Erenhot&status=awaiting_review", 200, NULL);
  g_assert_cmpuint (erenhot->len, ==, 2);
  none = list_ids (insp, "?q=9999999999&site=Erenhot", 200, NULL);
  g_assert_cmpuint (none->len, ==, 0);
  one = list_ids (insp, "?limit=1", 200, NULL);
  g_assert_cmpuint (one->len, ==, 1);
  pending = list_ids (insp, "?status=pending_approval", 200, NULL);
  g_assert_cmpuint (pending->len, ==, 0);

  expect (insp, "GET", "/api/lots?status=lost", NULL, 400, "invalid_input", "status");
  expect (insp, "GET", "/api/lots?limit=0", NULL, 400, "invalid_input", "limit");
  expect (insp, "GET", "/api/lots?limit=501", NULL, 400, "invalid_input", "limit");
  expect (insp, "GET", "/api/lots?limit=ten", NULL, 400, "invalid_input", "limit");
  expect (insp, "GET", "/api/lots?q=", NULL, 400, "invalid_input", "q");
  expect (insp, "GET", "/api/lots?stauts=decided", NULL, 400, "invalid_input", "stauts");
}

#define CSV_HEADER "declaration_no,waybill_no,lot_no,wagon_number,seals,declared_mass_kg," \
  "arrival_at,site,track,risk_note\r\n"

static void
test_import (void)
{
  g_autoptr (TestClient) op = api_fixture_client (fx, OPERATOR);
  g_autofree char *body = csv_body (
      CSV_HEADER
      DECL_CSV ",WB-7,L1,21 81 2471 217-3,S1;S2,69000,2026-11-29T02:00:00Z,Alashankou,5,"
      "\"wet, possibly frozen; \"\"check\"\" the top\"\r\n"
      DECL_CSV ",WB-7,L1,6123456-3,S3,,,,,\r\n"
      DECL_CSV ",WB-7,L1,\"21 81 2471 217-4\",,70000,,Alashankou,,\r\n"
      DECL_CSV ",WB-8,L2,CSQU3054383,\"C1\",,2026-11-29T03:00:00Z,Alashankou,5,\r\n"
      ",,,,,,,,,\r\n"
      DECL_CSV ",WB-8,L2,4012345,,,,,,\r\n");
  g_autoptr (TestResponse) r = expect_full (op, "POST", "/api/lots/import", body, 201, NULL, NULL);
  JsonObject *o = json_node_get_object (r->json);
  JsonObject *l1 = element (o, "lots", 0);
  JsonObject *l2 = element (o, "lots", 1);

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "lots")), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (l1, "lot_no"), ==, "L1");
  g_assert_cmpstr (json_object_get_string_member (l1, "declaration_no"), ==, DECL_CSV);
  g_assert_cmpint (json_object_get_int_member (l1, "wagons"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (l1, "flagged_wagons"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (l2, "lot_no"), ==, "L2");
  g_assert_cmpint (json_object_get_int_member (l2, "wagons"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (l2, "flagged_wagons"), ==, 0);

  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM lots l JOIN declarations d"
                                          " ON d.id = l.declaration_id"
                                          " WHERE d.number = '" DECL_CSV "' AND l.site ="
                                          " 'Alashankou' AND l.track = '5'", NULL, NULL), ==, 2);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM lots WHERE risk_note ="
                                          " 'wet, possibly frozen; \"check\" the top'", NULL, NULL),
                   ==, 1);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM wagons w JOIN lots l"
                                          " ON l.id = w.lot_id WHERE l.lot_no = 'L1'"
                                          " AND ((w.seq = 1 AND w.number = '218124712173'"
                                          " AND w.seals = '{S1,S2}' AND w.declared_mass_kg"
                                          " = 69000) OR (w.seq = 2 AND w.number_kind = 'r1520')"
                                          " OR (w.seq = 3 AND w.number_check = 'bad_check'))",
                                      NULL, NULL), ==, 3);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM wagons w JOIN lots l"
                                          " ON l.id = w.lot_id WHERE l.lot_no = 'L2' AND w.seq = 2"
                                          " AND w.number = '4012345'", NULL, NULL), ==, 1);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events"
                                          " WHERE action = 'lot_created'"
                                          " AND detail->>'source' = 'csv'", NULL, NULL), ==, 2);
}

static void
test_import_errors (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  gint64 lots = api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL);
  gint64 wagons = api_fixture_count (fx, "SELECT count(*) FROM wagons", NULL, NULL);
  g_autofree char *line4 = csv_body (
      "declaration_no,waybill_no,lot_no,wagon_number,seals\n"
      DECL_B ",WB-1,N1,4012345,S1\n"
      DECL_B ",WB-1,N1,4012346,S2\n"
      DECL_B ",WB-1,N1,40-12-34-X,S3\n"
      DECL_B ",WB-1,N1,4012347,S4\n");
  g_autofree char *several = csv_body (
      "declaration_no,waybill_no,lot_no,wagon_number,seals,hs_code\n"
      "123,WB-1,N1,4012345,S1,\n"
      DECL_B ",WB-1,N1,4012345,S2,2603000010\n"
      DECL_B ",WB-1,N1,4012345,S3,2603000090\n"
      DECL_B ",WB-1,N1,4012348\n");
  g_autofree char *existing = csv_body (
      "declaration_no,waybill_no,lot_no,wagon_number,seals\n"
      DECL_B ",WB-1,N-NEW,4012345,S1\n"
      DECL_A ",WB-1,EH-2026-0042,4012345,S1\n");
  g_autofree char *header_only = csv_body (CSV_HEADER);
  g_autofree char *missing = csv_body ("declaration_no,waybill_no,lot_no,wagon_number\n"
                                       DECL_B ",W,L,4012345\n");
  g_autofree char *unknown = csv_body ("declaration_no,waybill_no,lot_no,wagon_number,seals,"
                                       "colour\n" DECL_B ",W,L,4012345,S,red\n");
  g_autofree char *unclosed = csv_body ("declaration_no,waybill_no,lot_no,wagon_number,seals\n"
                                        DECL_B ",W,L,4012345,\"S1\n");
  g_autofree char *stray = csv_body ("declaration_no,waybill_no,lot_no,wagon_number,seals\n"
                                     DECL_B ",W,L,40\"12345,S1\n");
  g_autofree char *empty = csv_body ("");
  g_autoptr (GString) rows = g_string_new ("declaration_no,waybill_no,lot_no,wagon_number,seals\n");
  g_autoptr (GString) huge = g_string_new ("{\"csv\": \"");
  g_autofree char *too_many = NULL;

  {
    g_autoptr (TestResponse) r = expect_full (insp, "POST", "/api/lots/import", line4, 400,
                                              "invalid_input",
                                              "line 4, wagon_number: not a wagon or container"
                                              " number");
    JsonObject *err = member_object (r->json, "error");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (err, "details")), ==,
                      1);
  }
  {
    g_autoptr (TestResponse) r = expect_full (insp, "POST", "/api/lots/import", several, 400,
                                              "invalid_input", "line 2, declaration_no:");
    JsonObject *err = member_object (r->json, "error");
    JsonArray *details = json_object_get_array_member (err, "details");
    g_assert_cmpuint (json_array_get_length (details), ==, 4);
    g_assert_nonnull (strstr (json_array_get_string_element (details, 1),
                              "line 4, hs_code: differs from line 3"));
    g_assert_nonnull (strstr (json_array_get_string_element (details, 2),
                              "line 4, wagon_number: 4012345 repeats wagon 1"));
    g_assert_nonnull (strstr (json_array_get_string_element (details, 3), "line 5: 4 fields"));
    g_assert_nonnull (strstr (test_json_string (r, "error.message"), "4 problems in all"));
  }
  expect (insp, "POST", "/api/lots/import", existing, 409, "conflict", "line 3:");
  expect (insp, "POST", "/api/lots/import", header_only, 400, "invalid_input", "no rows");
  expect (insp, "POST", "/api/lots/import", empty, 400, "invalid_input", "empty");
  expect (insp, "POST", "/api/lots/import", missing, 400, "invalid_input",
          "missing column \"seals\"");
  expect (insp, "POST", "/api/lots/import", unknown, 400, "invalid_input",
          "unknown column \"colour\"");
  expect (insp, "POST", "/api/lots/import", unclosed, 400, "invalid_input",
          "line 2: a quoted field is not closed");
  expect (insp, "POST", "/api/lots/import", stray, 400, "invalid_input", "line 2: a quote");
  expect (insp, "POST", "/api/lots/import", "{\"csv\": \"a\", \"file\": 1}", 400,
          "unknown_field", NULL);
  for (int i = 0; i < 5001; i++)
    g_string_append_printf (rows, DECL_B ",W,L%d,%07d,S\n", i / 200, 4000000 + i);
  too_many = csv_body (rows->str);
  expect (insp, "POST", "/api/lots/import", too_many, 400, "invalid_input",
          "more than 5000 rows");
  while (huge->len < 1024 * 1024 + 16)
    g_string_append (huge, DECL_B ",W,L,4012345,S\\n");
  g_string_append (huge, "\"}");
  expect (insp, "POST", "/api/lots/import", huge->str, 413, "body_too_large", NULL);

  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL), ==, lots);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM wagons", NULL, NULL), ==, wagons);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM lots l JOIN declarations d"
                                          " ON d.id = l.declaration_id"
                                          " WHERE l.lot_no = 'N-NEW'", NULL, NULL), ==, 0);
}

static void
test_import_limit (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autoptr (GString) rows = g_string_new ("declaration_no,waybill_no,lot_no,wagon_number,seals\n");
  g_autofree char *body = NULL;
  gint64 lots = api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL);

  /* 5000 rows, the most a file may hold: 25 lots of 200 wagons */
  for (int i = 0; i < 5000; i++)
    g_string_append_printf (rows, DECL_B ",W,BULK-%02d,%07d,S%d\n", i / 200, 5000000 + i, i);
  body = csv_body (rows->str);
  {
    g_autoptr (TestResponse) r = expect_full (insp, "POST", "/api/lots/import", body, 201, NULL,
                                              NULL);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                          json_node_get_object (r->json), "lots")), ==, 25);
  }
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM lots", NULL, NULL), ==, lots + 25);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM wagons w JOIN lots l"
                                          " ON l.id = w.lot_id WHERE l.lot_no LIKE 'BULK-%'",
                                      NULL, NULL), ==, 5000);
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "operator", "operator" }, { "inspector", "inspector" }, { "auditor", "auditor" },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (200);
  fx = api_fixture_new ("rvi-test-lots");
  api_fixture_start (fx, users, N_USERS);

  g_test_add_func ("/lots/create", test_create);
  g_test_add_func ("/lots/validation", test_validation);
  g_test_add_func ("/lots/conflict-roles", test_conflict_and_roles);
  g_test_add_func ("/lots/get", test_get);
  g_test_add_func ("/lots/list", test_list);
  g_test_add_func ("/lots/import", test_import);
  g_test_add_func ("/lots/import-errors", test_import_errors);
  g_test_add_func ("/lots/import-limit", test_import_limit);
  status = g_test_run ();

  api_fixture_free (fx);
  g_free (lot_a);
  return status;
}
