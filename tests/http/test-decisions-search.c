/* test-decisions-search: finding sorting decisions through the API
 * (GET /api/decisions by declaration, wagon, inspector, category, state
 * and time, and the refusals of a bad query), and the decisions table
 * refusing UPDATE and DELETE. Four lots and their decisions are made
 * through the API first: one effective, one approved, one rejected and
 * one awaiting approval. */
#include <glib.h>

#include "api-fixture.h"
#include "db.h"

#define DECL_A "070020261000000001"
#define DECL_B "070020261000000002"

enum { INSP1, INSP2, AUDITOR, N_USERS };

static ApiFixture *fx;
static char *test_start;         /* before the first decision */
static char *lot_a, *lot_b;      /* lot A carries wagon 21 81 2471 217-3 */
static char *d_release;          /* lot A's RELEASE_ONWARD */
static char *seen;               /* the note, camera and window of every decision */

/* A lot of one wagon, created by inspector 1; returns its id (transfer full). */
static char *
post_lot (const char *declaration, const char *waybill, const char *wagon)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, INSP1);
  g_autofree char *json = g_strdup_printf ("{\"declaration_no\": \"%s\", \"waybill_no\": \"%s\","
                                           " \"wagons\": [{\"number\": \"%s\"}]}",
                                           declaration, waybill, wagon);
  g_autoptr (TestResponse) r = test_request (c, "POST", "/api/lots", json, NULL);

  api_fixture_check (r, 201, NULL, NULL);
  return g_strdup (test_json_string (r, "lot.id"));
}

/* A decision by user @who on @lot for one reason; returns its id
 * (transfer full). */
static char *
post_decision (int who, const char *lot, const char *category, const char *reason)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, who);
  g_autofree char *path = g_strdup_printf ("/api/lots/%s/decisions", lot);
  g_autofree char *json = g_strdup_printf ("{\"category\": \"%s\", \"reasons\": [\"%s\"], %s}",
                                           category, reason, seen);
  g_autoptr (TestResponse) r = test_request (c, "POST", path, json, NULL);

  api_fixture_check (r, 201, NULL, NULL);
  return g_strdup (test_json_string (r, "id"));
}

/* Inspector 2 approves (@yes) or rejects decision @id. */
static void
post_approval (const char *id, gboolean yes)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, INSP2);
  g_autofree char *path = g_strdup_printf ("/api/decisions/%s/approve", id);
  g_autoptr (TestResponse) r = test_request (c, "POST", path,
                                             yes ? "{\"approve\": true, \"note\": \"agreed\"}"
                                                 : "{\"approve\": false, \"note\": \"no\"}",
                                             NULL);

  api_fixture_check (r, 200, NULL, NULL);
}

/* The decisions the tests find, made after test_start. */
static void
make_decisions (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) from = g_date_time_add_minutes (now, -10);
  g_autoptr (GDateTime) to = g_date_time_add_minutes (now, -5);
  g_autofree char *win_from = g_date_time_format (from, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *win_to = g_date_time_format (to, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *camera = NULL;
  g_autofree char *solid = NULL;
  g_autofree char *returned = NULL;
  g_autofree char *lot_r = NULL;
  g_autofree char *lot_p = NULL;

  test_start = g_date_time_format_iso8601 (now);
  camera = api_fixture_value (fx, "INSERT INTO cameras (name, url, recording) VALUES"
                                  " ('siding 3 overhead', 'rtsp://127.0.0.1:1/cam1', false)"
                                  " RETURNING id", NULL, NULL);
  seen = g_strdup_printf ("\"note\": \"seen on video\", \"cameras\": [\"%s\"],"
                          " \"from\": \"%s\", \"to\": \"%s\"", camera, win_from, win_to);
  lot_a = post_lot (DECL_A, "A-1", "21 81 2471 217-3");
  lot_b = post_lot (DECL_B, "B-1", "62345674");
  lot_r = post_lot (DECL_B, "R-1", "4012345");
  lot_p = post_lot (DECL_B, "P-1", "4012346");

  d_release = post_decision (INSP1, lot_a, "RELEASE_ONWARD", "RANDOM_SELECTION");
  solid = post_decision (INSP1, lot_b, "HOLD_SOLID_WASTE", "SINTERED_GLASSY");
  post_approval (solid, TRUE);
  returned = post_decision (INSP1, lot_r, "RETURN", "FOREIGN_MATTER");
  post_approval (returned, FALSE);
  g_free (post_decision (INSP2, lot_p, "HOLD_RADIATION", "RAD_ALARM"));
}

static void
test_append_only (void)
{
  const char *params[] = { d_release };
  const char *sql[] = { "UPDATE decisions SET note = 'edited' WHERE id = $1::uuid",
                        "DELETE FROM decisions WHERE id = $1::uuid" };

  for (gsize i = 0; i < G_N_ELEMENTS (sql); i++) {
    g_autoptr (PGresult) res = PQexecParams (fx->conn, sql[i], 1, NULL, params, NULL, NULL, 0);
    g_assert_cmpint (PQresultStatus (res), ==, PGRES_FATAL_ERROR);
    g_assert_cmpstr (PQresultErrorField (res, PG_DIAG_SQLSTATE), ==, "42501");
  }
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions WHERE id = $1::uuid"
                                          " AND note = 'seen on video'", d_release, NULL), ==, 1);
}

/* GET @query; checks 200 and that every item's @member equals @value
 * (when set); returns the number of items. */
static guint
search (const char *query, const char *member, const char *value)
{
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  g_autofree char *path = g_strconcat ("/api/decisions", query, NULL);
  g_autoptr (TestResponse) r = test_request (aud, "GET", path, NULL, NULL);
  JsonArray *items;

  api_fixture_check (r, 200, NULL, NULL);
  items = json_object_get_array_member (json_node_get_object (r->json), "decisions");
  for (guint i = 0; member && i < json_array_get_length (items); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, i),
                                                    member), ==, value);
  return json_array_get_length (items);
}

static void
test_search (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSP1);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) soon = g_date_time_add_hours (now, 1);
  g_autofree char *later = g_date_time_format_iso8601 (soon);
  g_autofree char *q = NULL;
  gint64 total = api_fixture_count (fx, "SELECT count(*) FROM decisions", NULL, NULL);
  gint64 on_a = api_fixture_count (fx, "SELECT count(*) FROM decisions"
                                       " WHERE lot_id = $1::uuid", lot_a, NULL);
  gint64 by_insp2 = api_fixture_count (fx, "SELECT count(*) FROM decisions d JOIN users u"
                                           " ON u.id = d.decided_by"
                                           " WHERE u.username = 'insp2'", NULL, NULL);
  gint64 decl_a = api_fixture_count (fx, "SELECT count(*) FROM decisions d JOIN lots l"
                                         " ON l.id = d.lot_id JOIN declarations c"
                                         " ON c.id = l.declaration_id"
                                         " WHERE c.number = '" DECL_A "'", NULL, NULL);
  const char *bad[] = { "?declaration_no=123", "?lot_id=nope", "?wagon=abc", "?state=bogus",
                        "?limit=501", "?limit=0", "?from=yesterday", "?category=NOPE_CAT",
                        "?category=lower", "?inspector=a%20b", "?colour=grey", NULL };

  g_assert_cmpint (total, >, decl_a);
  g_assert_cmpint (decl_a, >, 0);
  g_assert_cmpuint (search ("?declaration_no=" DECL_A, "declaration_no", DECL_A), ==, decl_a);
  g_assert_cmpuint (search ("?wagon=21%2081%202471%20217-3", "lot_id", lot_a), ==, on_a);
  g_assert_cmpuint (search ("?wagon=62345675", NULL, NULL), ==, 0);
  g_assert_cmpint (by_insp2, >, 0);
  g_assert_cmpuint (search ("?inspector=INSP2", "decided_by", "insp2"), ==, by_insp2);
  g_assert_cmpuint (search ("?category=HOLD_SOLID_WASTE", "category", "HOLD_SOLID_WASTE"), ==, 1);
  g_assert_cmpuint (search ("?state=rejected", "state", "rejected"), ==, 1);
  g_assert_cmpuint (search ("?state=pending_approval", "state", "pending_approval"), ==,
                    api_fixture_count (fx, "SELECT count(*) FROM decisions d"
                                           " JOIN decision_categories c ON c.code = d.category"
                                           " WHERE c.needs_approval AND NOT EXISTS (SELECT 1"
                                           " FROM decision_approvals WHERE decision_id = d.id)"
                                           " AND NOT EXISTS (SELECT 1 FROM decisions s"
                                           " WHERE s.supersedes_id = d.id)", NULL, NULL));
  g_assert_cmpuint (search ("?limit=1", NULL, NULL), ==, 1);
  g_assert_cmpuint (search ("", NULL, NULL), ==, MIN (total, 100));
  q = g_strdup_printf ("?from=%s&to=%s", test_start, later);
  g_assert_cmpuint (search (q, NULL, NULL), ==, MIN (total, 100));
  g_free (q);
  q = g_strdup_printf ("?to=%s", test_start);
  g_assert_cmpuint (search (q, NULL, NULL), ==, 0);
  g_free (q);
  q = g_strdup_printf ("?from=%s", later);
  g_assert_cmpuint (search (q, NULL, NULL), ==, 0);
  g_free (q);
  q = g_strdup_printf ("?from=%s&to=%s", later, test_start);
  {
    g_autofree char *path = g_strconcat ("/api/decisions", q, NULL);
    g_autoptr (TestResponse) r = test_request (insp, "GET", path, NULL, NULL);
    api_fixture_check (r, 400, "invalid_input", "from must be before to");
  }
  for (const char *const *b = bad; *b; b++) {
    g_autofree char *path = g_strconcat ("/api/decisions", *b, NULL);
    g_autoptr (TestResponse) r = test_request (insp, "GET", path, NULL, NULL);
    api_fixture_check (r, 400, "invalid_input", NULL);
  }

  /* an item carries every field of the contract */
  {
    g_autoptr (TestResponse) r = test_request (insp, "GET", "/api/decisions?state=effective"
                                               "&category=HOLD_SOLID_WASTE", NULL, NULL);
    JsonObject *item;
    const char *fields[] = { "id", "lot_id", "declaration_no", "lot_no", "category", "reasons",
                             "note", "cameras", "from", "to", "decided_by", "decided_at",
                             "supersedes_id", "superseded_by", "state", "approved_by",
                             "approved_at", NULL };

    api_fixture_check (r, 200, NULL, NULL);
    item = json_array_get_object_element (
        json_object_get_array_member (json_node_get_object (r->json), "decisions"), 0);
    for (const char *const *f = fields; *f; f++)
      g_assert_true (json_object_has_member (item, *f));
    g_assert_cmpstr (json_object_get_string_member (item, "approved_by"), ==, "insp2");
    g_assert_cmpstr (json_object_get_string_member (item, "lot_id"), ==, lot_b);

    /* one decision by id: the same object; an unknown id is a 404 */
    {
      g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
      g_autofree char *path = g_strdup_printf ("/api/decisions/%s",
                                               json_object_get_string_member (item, "id"));
      g_autoptr (TestResponse) one = test_request (aud, "GET", path, NULL, NULL);
      g_autoptr (TestResponse) none = test_request (aud, "GET", "/api/decisions/"
                                                    "5b0c3c0e-2f4e-4a8e-9a53-3b1f1e0c9d11",
                                                    NULL, NULL);
      JsonObject *d;

      api_fixture_check (one, 200, NULL, NULL);
      d = json_object_get_object_member (json_node_get_object (one->json), "decision");
      for (const char *const *f = fields; *f; f++)
        g_assert_true (json_object_has_member (d, *f));
      g_assert_cmpstr (json_object_get_string_member (d, "id"), ==,
                       json_object_get_string_member (item, "id"));
      g_assert_cmpstr (json_object_get_string_member (d, "approved_by"), ==, "insp2");
      api_fixture_check (none, 404, "not_found", "no such decision");
    }
  }
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "insp1", "inspector" }, { "insp2", "inspector" }, { "aud1", "auditor" },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (200);
  fx = api_fixture_new ("rvi-test-decisions-search");
  api_fixture_start (fx, users, N_USERS);
  make_decisions ();

  g_test_add_func ("/decisions/append-only", test_append_only);
  g_test_add_func ("/decisions/search", test_search);
  status = g_test_run ();

  api_fixture_free (fx);
  g_free (test_start);
  g_free (lot_a);
  g_free (lot_b);
  g_free (d_release);
  g_free (seen);
  return status;
}
