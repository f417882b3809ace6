/* test-decisions: sorting decisions through the API against an in-process
 * server and a real PostgreSQL: effective and four-eyes decisions,
 * approval and rejection, Idempotency-Key retries (sequential and racing),
 * validation, supersession and one current decision per lot. Lots,
 * declarations, wagons and cameras are written with SQL. The search and
 * the append-only rows are in test-decisions-search.c. */
#include <glib.h>
#include <string.h>

#include "api-fixture.h"

#define DECL_A "070020261000000001"
#define DECL_B "070020261000000002"
#define NO_SUCH_ID "00000000-0000-4000-8000-000000000000"

enum { INSP1, INSP2, AUDITOR, N_USERS };

static ApiFixture *fx;
static char *camera;
static char *lot_a, *lot_b;      /* lot A carries wagon 21 81 2471 217-3 */
static char *d_release;          /* lot A's RELEASE_ONWARD */
static char *win_from, *win_to;  /* a window ten to five minutes ago */

static char *
make_lot (const char *declaration, const char *lot_no, const char *wagon)
{
  char *lot;

  g_free (api_fixture_value (fx, "INSERT INTO declarations (number, customs_code, import,"
                                 " created_by) VALUES ($1::text, substr ($1::text, 1, 4),"
                                 " true, $2::uuid) ON CONFLICT (number)"
                                 " DO UPDATE SET note = '' RETURNING id",
                             declaration, fx->user_ids[INSP1]));
  lot = api_fixture_value (fx, "INSERT INTO lots (declaration_id, lot_no, created_by)"
                               " SELECT id, $2, created_by FROM declarations WHERE number = $1"
                               " RETURNING id", declaration, lot_no);
  if (wagon)
    g_free (api_fixture_value (fx, "INSERT INTO wagons (lot_id, seq, number)"
                                   " VALUES ($1::uuid, 1, $2) RETURNING id", lot, wagon));
  return lot;
}

static char *
lot_status (const char *lot)
{
  return api_fixture_value (fx, "SELECT status FROM lots WHERE id = $1::uuid", lot, NULL);
}

static char *
current_decision (const char *lot)
{
  return api_fixture_value (fx, "SELECT decision_id FROM lot_current_decision"
                                " WHERE lot_id = $1::uuid", lot, NULL);
}

/* A decision body; @extra is appended inside the object (", ..."). */
static char *
body (const char *category, const char *reasons, const char *extra)
{
  return g_strdup_printf ("{\"category\": \"%s\", \"reasons\": %s, \"note\": \"seen on video\","
                          " \"cameras\": [\"%s\"], \"from\": \"%s\", \"to\": \"%s\"%s}",
                          category, reasons, camera, win_from, win_to, extra ? extra : "");
}

/* test_request() with an Idempotency-Key header (when @key is not NULL). */
static TestResponse *
post (TestClient *c, const char *path, const char *json, const char *key)
{
  g_autofree char *url = g_strconcat (c->base, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *auth = g_strconcat ("Bearer ", c->bearer, NULL);
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);
  TestResponse *r = g_new0 (TestResponse, 1);

  soup_message_headers_replace (h, "Authorization", auth);
  if (key)
    soup_message_headers_replace (h, "Idempotency-Key", key);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  reply = soup_session_send_and_read (c->session, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  r->body = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  r->json = *r->body ? json_from_string (r->body, NULL) : NULL;
  return r;
}

static TestResponse *
decide (TestClient *c, const char *lot, const char *json, const char *key)
{
  g_autofree char *path = g_strdup_printf ("/api/lots/%s/decisions", lot);
  return post (c, path, json, key);
}

static TestResponse *
approve (TestClient *c, const char *id, gboolean yes)
{
  g_autofree char *path = g_strdup_printf ("/api/decisions/%s/approve", id);
  return post (c, path, yes ? "{\"approve\": true, \"note\": \"agreed\"}"
               : "{\"approve\": false, \"note\": \"not convinced\"}", NULL);
}

/* A decision created with status @status; returns its id (transfer full). */
static char *
decide_ok (TestClient *c, const char *lot, const char *category, const char *reasons,
           const char *extra, const char *status)
{
  g_autofree char *json = body (category, reasons, extra);
  g_autoptr (TestResponse) r = decide (c, lot, json, NULL);

  api_fixture_check (r, 201, NULL, NULL);
  g_assert_cmpstr (test_json_string (r, "status"), ==, status);
  return g_strdup (test_json_string (r, "id"));
}

static void
test_effective (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSP1);
  g_autofree char *json = body ("RELEASE_ONWARD", "[\"RANDOM_SELECTION\"]", NULL);
  g_autoptr (TestResponse) r = decide (insp, lot_a, json, NULL);
  g_autofree char *status = NULL;
  JsonObject *d;
  JsonArray *a;

  api_fixture_check (r, 201, NULL, NULL);
  g_assert_cmpstr (test_json_string (r, "status"), ==, "effective");
  d_release = g_strdup (test_json_string (r, "id"));
  g_assert_cmpstr (test_json_string (r, "decision.id"), ==, d_release);
  g_assert_cmpstr (test_json_string (r, "decision.state"), ==, "effective");
  g_assert_cmpstr (test_json_string (r, "decision.lot_id"), ==, lot_a);
  g_assert_cmpstr (test_json_string (r, "decision.declaration_no"), ==, DECL_A);
  g_assert_cmpstr (test_json_string (r, "decision.decided_by"), ==, "insp1");
  g_assert_cmpstr (test_json_string (r, "decision.from"), ==, win_from);
  g_assert_cmpstr (test_json_string (r, "decision.to"), ==, win_to);
  d = json_object_get_object_member (json_node_get_object (r->json), "decision");
  a = json_object_get_array_member (d, "reasons");
  g_assert_cmpuint (json_array_get_length (a), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "RANDOM_SELECTION");
  a = json_object_get_array_member (d, "cameras");
  g_assert_cmpuint (json_array_get_length (a), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, camera);
  g_assert_true (json_object_get_null_member (d, "superseded_by"));
  status = lot_status (lot_a);
  g_assert_cmpstr (status, ==, "decided");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events"
                                          " WHERE action = 'decision_created'"
                                          " AND target_id = $1", d_release, NULL), ==, 1);
}

static void
test_four_eyes (void)
{
  g_autoptr (TestClient) insp1 = api_fixture_client (fx, INSP1);
  g_autoptr (TestClient) insp2 = api_fixture_client (fx, INSP2);
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  g_autofree char *id = decide_ok (insp1, lot_b, "HOLD_SOLID_WASTE",
                                   "[\"SINTERED_GLASSY\", \"COLOUR_ANOMALY\"]", NULL,
                                   "pending_approval");
  g_autofree char *s1 = lot_status (lot_b);
  g_autofree char *s2 = NULL;
  g_autoptr (TestResponse) self = approve (insp1, id, TRUE);
  g_autoptr (TestResponse) by_auditor = approve (aud, id, TRUE);
  g_autoptr (TestResponse) ok = NULL;
  g_autoptr (TestResponse) again = NULL;
  g_autoptr (TestResponse) rejected_late = NULL;
  g_autoptr (TestResponse) not_needed = NULL;
  g_autoptr (TestResponse) missing = NULL;

  g_assert_cmpstr (s1, ==, "pending_approval");
  api_fixture_check (self, 403, "forbidden", "the author of a decision cannot approve it");
  api_fixture_check (by_auditor, 403, "forbidden", NULL);
  ok = approve (insp2, id, TRUE);
  api_fixture_check (ok, 200, NULL, NULL);
  g_assert_cmpstr (test_json_string (ok, "state"), ==, "effective");
  g_assert_cmpstr (test_json_string (ok, "decision.state"), ==, "effective");
  g_assert_cmpstr (test_json_string (ok, "decision.approved_by"), ==, "insp2");
  s2 = lot_status (lot_b);
  g_assert_cmpstr (s2, ==, "decided");
  again = approve (insp2, id, TRUE);
  api_fixture_check (again, 409, "conflict", "already approved or rejected");
  rejected_late = approve (insp2, id, FALSE);
  api_fixture_check (rejected_late, 409, "conflict", NULL);
  not_needed = approve (insp2, d_release, TRUE);
  api_fixture_check (not_needed, 409, "conflict", "needs no approval");
  missing = approve (insp2, NO_SUCH_ID, TRUE);
  api_fixture_check (missing, 404, "not_found", NULL);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decision_approvals"
                                          " WHERE decision_id = $1::uuid", id, NULL), ==, 1);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events WHERE action ="
                                          " 'decision_approved' AND target_id = $1", id, NULL),
                   ==, 1);
}

static void
test_reject (void)
{
  g_autoptr (TestClient) insp1 = api_fixture_client (fx, INSP1);
  g_autoptr (TestClient) insp2 = api_fixture_client (fx, INSP2);
  g_autofree char *lot = make_lot (DECL_B, "R-1", NULL);
  g_autofree char *id = decide_ok (insp1, lot, "RETURN", "[\"FOREIGN_MATTER\"]", NULL,
                                   "pending_approval");
  g_autoptr (TestResponse) r = approve (insp2, id, FALSE);
  g_autofree char *status = lot_status (lot);

  api_fixture_check (r, 200, NULL, NULL);
  g_assert_cmpstr (test_json_string (r, "state"), ==, "rejected");
  g_assert_cmpstr (test_json_string (r, "decision.approval_note"), ==, "not convinced");
  g_assert_cmpstr (status, ==, "awaiting_review");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events WHERE action ="
                                          " 'decision_rejected' AND target_id = $1", id, NULL),
                   ==, 1);
}

static void
test_idempotency (void)
{
  g_autoptr (TestClient) insp1 = api_fixture_client (fx, INSP1);
  g_autoptr (TestClient) insp2 = api_fixture_client (fx, INSP2);
  g_autofree char *lot = make_lot (DECL_B, "I-1", NULL);
  g_autofree char *json = body ("HOLD_RADIATION", "[\"RAD_ALARM\"]", NULL);
  g_autofree char *other = g_strdup (json);
  g_autoptr (TestResponse) first = decide (insp1, lot, json, "key-1");
  g_autoptr (TestResponse) retry = decide (insp1, lot, json, "key-1");
  g_autoptr (TestResponse) changed = NULL;
  g_autoptr (TestResponse) elsewhere = NULL;
  g_autoptr (TestResponse) other_user = NULL;
  g_autoptr (TestResponse) long_key = NULL;
  g_autofree char *big = g_strnfill (201, 'k');

  api_fixture_check (first, 201, NULL, NULL);
  api_fixture_check (retry, 201, NULL, NULL);
  g_assert_cmpstr (test_json_string (retry, "id"), ==, test_json_string (first, "id"));
  g_assert_cmpstr (test_json_string (retry, "status"), ==, "pending_approval");
  g_assert_cmpstr (soup_message_headers_get_one (retry->headers, "Idempotent-Replayed"), ==,
                   "true");
  g_assert_null (soup_message_headers_get_one (first->headers, "Idempotent-Replayed"));
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions"
                                          " WHERE idempotency_key = 'key-1'", NULL, NULL), ==, 1);

  /* the same key with another note, or on another lot: a different request */
  *strstr (other, "seen on video") = 'S';
  changed = decide (insp1, lot, other, "key-1");
  api_fixture_check (changed, 409, "conflict", "idempotency key reused with a different request");
  elsewhere = decide (insp1, lot_b, json, "key-1");
  api_fixture_check (elsewhere, 409, "conflict", "idempotency key reused");
  /* keys are per user (insp2's request supersedes the first, as a second
   * decision on a decided lot must) */
  g_free (other);
  other = g_strdup_printf ("%.*s, \"supersedes\": \"%s\"}", (int) strlen (json) - 1, json,
                           test_json_string (first, "id"));
  other_user = decide (insp2, lot, other, "key-1");
  api_fixture_check (other_user, 201, NULL, NULL);
  g_assert_cmpstr (test_json_string (other_user, "id"), !=, test_json_string (first, "id"));
  long_key = decide (insp1, lot, json, big);
  api_fixture_check (long_key, 400, "invalid_input", "Idempotency-Key");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions"
                                          " WHERE lot_id = $1::uuid", lot, NULL), ==, 2);
}

/* Concurrent tries: each thread posts @json to @lot with @key. */
typedef struct {
  const char *lot;
  const char *json;
  const char *key;
  TestResponse *r;
} Try;

static GMutex gate_lock;
static GCond gate_cond;
static gboolean gate_open;

static gpointer
try_thread (gpointer data)
{
  Try *t = data;
  g_autoptr (TestClient) c = api_fixture_client (fx, INSP1);

  g_mutex_lock (&gate_lock);
  while (!gate_open)
    g_cond_wait (&gate_cond, &gate_lock);
  g_mutex_unlock (&gate_lock);
  t->r = decide (c, t->lot, t->json, t->key);
  return NULL;
}

static void
run_tries (Try *tries, guint n)
{
  GThread *threads[8];

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (threads));
  gate_open = FALSE;
  for (guint i = 0; i < n; i++)
    threads[i] = g_thread_new ("try", try_thread, &tries[i]);
  g_usleep (100 * 1000);   /* every thread waits at the gate */
  g_mutex_lock (&gate_lock);
  gate_open = TRUE;
  g_cond_broadcast (&gate_cond);
  g_mutex_unlock (&gate_lock);
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
}

static void
test_idempotency_race (void)
{
  g_autofree char *json = body ("SAMPLE_HOLD", "[\"RISK_SYSTEM_ORDER\"]", NULL);

  for (int round = 0; round < 3; round++) {
    g_autofree char *lot_no = g_strdup_printf ("RACE-%d", round);
    g_autofree char *lot = make_lot (DECL_B, lot_no, NULL);
    g_autofree char *key = g_strdup_printf ("race-%d", round);
    Try tries[4];

    for (guint i = 0; i < G_N_ELEMENTS (tries); i++)
      tries[i] = (Try) { lot, json, key, NULL };
    run_tries (tries, G_N_ELEMENTS (tries));
    for (guint i = 0; i < G_N_ELEMENTS (tries); i++) {
      api_fixture_check (tries[i].r, 201, NULL, NULL);
      g_assert_cmpstr (test_json_string (tries[i].r, "id"), ==,
                       test_json_string (tries[0].r, "id"));
    }
    for (guint i = 0; i < G_N_ELEMENTS (tries); i++)
      test_response_free (tries[i].r);
    g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions"
                                            " WHERE idempotency_key = $1", key, NULL), ==, 1);
    g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions"
                                            " WHERE lot_id = $1::uuid", lot, NULL), ==, 1);
  }

  /* one key raced onto two lots: one decision, the other try refused */
  {
    g_autofree char *l1 = make_lot (DECL_B, "RACE-X1", NULL);
    g_autofree char *l2 = make_lot (DECL_B, "RACE-X2", NULL);
    Try tries[2] = { { l1, json, "race-x", NULL }, { l2, json, "race-x", NULL } };
    guint created = 0, refused = 0;

    run_tries (tries, 2);
    for (guint i = 0; i < 2; i++) {
      created += tries[i].r->status == 201;
      refused += tries[i].r->status == 409 && g_str_equal (test_error_code (tries[i].r),
                                                           "conflict");
      test_response_free (tries[i].r);
    }
    g_assert_cmpuint (created, ==, 1);
    g_assert_cmpuint (refused, ==, 1);
    g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions WHERE idempotency_key ="
                                            " 'race-x'", NULL, NULL), ==, 1);
  }
}

static void
expect_refused (TestClient *c, const char *lot, const char *json, guint status, const char *code,
                const char *text)
{
  g_autoptr (TestResponse) r = decide (c, lot, json, NULL);
  api_fixture_check (r, status, code, text);
  g_assert_null (strstr (r->body, "SQLSTATE"));
}

static void
test_validation (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSP1);
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  gint64 before = api_fixture_count (fx, "SELECT count(*) FROM decisions", NULL, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) later = g_date_time_add_minutes (now, 10);
  g_autofree char *future = g_date_time_format_iso8601 (later);
  g_autofree char *closed = make_lot (DECL_B, "CLOSED-1", NULL);
  struct {
    char *json;
    guint status;
    const char *code, *text;
  } cases[] = {
    { body ("NO_SUCH_CATEGORY", "[\"RANDOM_SELECTION\"]", NULL), 400, "invalid_input",
      "unknown category" },
    { body ("release", "[\"RANDOM_SELECTION\"]", NULL), 400, "invalid_input",
      "unknown category" },
    { body ("RELEASE_ONWARD", "[\"NOT_A_REASON\"]", NULL), 400, "invalid_input",
      "unknown reason code NOT_A_REASON" },
    { body ("RELEASE_ONWARD", "[\"bad reason\"]", NULL), 400, "invalid_input",
      "unknown reason code" },
    { body ("RELEASE_ONWARD", "[]", NULL), 400, "invalid_input", "reasons must not be empty" },
    { body ("RELEASE_ONWARD", "[1]", NULL), 400, "wrong_type", NULL },
    { body ("RELEASE_ONWARD", "[\"SPILLAGE\", \"SPILLAGE\"]", NULL), 400, "invalid_input",
      "twice" },
    { g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"SPILLAGE\"],"
                       " \"cameras\": [\"%s\"], \"from\": \"%s\", \"to\": \"%s\"}", camera,
                       win_to, win_to), 400, "invalid_input", "from must be before to" },
    { g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"SPILLAGE\"],"
                       " \"cameras\": [\"%s\"], \"from\": \"%s\", \"to\": \"%s\"}", camera,
                       win_to, win_from), 400, "invalid_input", "from must be before to" },
    { g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"SPILLAGE\"],"
                       " \"cameras\": [\"%s\"], \"from\": \"%s\", \"to\": \"%s\"}", camera,
                       win_from, future), 400, "invalid_input", "future" },
    { g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"SPILLAGE\"],"
                       " \"cameras\": [\"%s\"], \"from\": \"yesterday\", \"to\": \"%s\"}",
                       camera, win_to), 400, "invalid_input", "RFC 3339" },
    { g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"SPILLAGE\"],"
                       " \"cameras\": [\"" NO_SUCH_ID "\"], \"from\": \"%s\", \"to\": \"%s\"}",
                       win_from, win_to), 400, "invalid_input", "unknown camera " NO_SUCH_ID },
    { g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"SPILLAGE\"],"
                       " \"cameras\": [\"cam1\"], \"from\": \"%s\", \"to\": \"%s\"}", win_from,
                       win_to), 400, "invalid_input", "UUID" },
    { g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"SPILLAGE\"],"
                       " \"cameras\": [\"%s\"], \"from\": \"%s\"}", camera, win_from), 400,
      "missing_field", NULL },
    { body ("RELEASE_ONWARD", "[\"SPILLAGE\"]", ", \"colour\": \"grey\""), 400, "unknown_field",
      NULL },
    { body ("RELEASE_ONWARD", "[\"SPILLAGE\"]", ", \"supersedes\": \"x\""), 400, "invalid_input",
      NULL },
    { body ("RELEASE_ONWARD", "[\"SPILLAGE\"]", ", \"inspection_id\": \"" NO_SUCH_ID "\""), 400,
      "invalid_input", "inspection_id" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    expect_refused (insp, lot_a, cases[i].json, cases[i].status, cases[i].code, cases[i].text);
    g_free (cases[i].json);
  }
  {
    g_autofree char *ok = body ("RELEASE_ONWARD", "[\"SPILLAGE\"]", NULL);
    expect_refused (insp, NO_SUCH_ID, ok, 404, "not_found", "no such lot");
    expect_refused (aud, lot_a, ok, 403, "forbidden", NULL);
    g_free (api_fixture_value (fx, "UPDATE lots SET status = 'closed' WHERE id = $1::uuid"
                                   " RETURNING id", closed, NULL));
    expect_refused (insp, closed, ok, 409, "conflict", "closed");
  }
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions", NULL, NULL),
                   ==, before);
}

static void
test_supersede (void)
{
  g_autoptr (TestClient) insp1 = api_fixture_client (fx, INSP1);
  g_autoptr (TestClient) insp2 = api_fixture_client (fx, INSP2);
  g_autofree char *extra = g_strdup_printf (", \"supersedes\": \"%s\"", d_release);
  g_autofree char *fix = decide_ok (insp1, lot_a, "SAMPLE_HOLD", "[\"COLOUR_ANOMALY\"]", extra,
                                    "effective");
  g_autofree char *current = current_decision (lot_a);
  g_autofree char *again = body ("SAMPLE_RELEASE", "[\"COLOUR_ANOMALY\"]", extra);
  g_autofree char *list_path = g_strdup_printf ("/api/decisions?lot_id=%s&state=superseded",
                                                lot_a);
  g_autoptr (TestResponse) list = test_request (insp1, "GET", list_path, NULL, NULL);
  g_autoptr (TestResponse) late = NULL;
  JsonArray *items;
  JsonObject *old;

  g_assert_cmpstr (current, ==, fix);
  expect_refused (insp1, lot_a, again, 409, "conflict", "already superseded");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events"
                                          " WHERE action = 'decision_superseded'"
                                          " AND target_id = $1", d_release, NULL), ==, 1);
  api_fixture_check (list, 200, NULL, NULL);
  items = json_object_get_array_member (json_node_get_object (list->json), "decisions");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  old = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (old, "id"), ==, d_release);
  g_assert_cmpstr (json_object_get_string_member (old, "superseded_by"), ==, fix);

  /* a decision of another lot cannot be superseded here */
  {
    g_autofree char *lot_b_current = current_decision (lot_b);
    g_autofree char *foreign = g_strdup_printf (", \"supersedes\": \"%s\"", lot_b_current);
    g_autofree char *json = body ("SAMPLE_HOLD", "[\"COLOUR_ANOMALY\"]", foreign);
    g_autofree char *none = body ("SAMPLE_HOLD", "[\"COLOUR_ANOMALY\"]",
                                  ", \"supersedes\": \"" NO_SUCH_ID "\"");
    expect_refused (insp1, lot_a, json, 409, "conflict", "another lot");
    expect_refused (insp1, lot_a, none, 409, "conflict", "no decision");
  }

  /* a pending decision corrected before approval cannot be approved */
  {
    g_autofree char *lot = make_lot (DECL_B, "S-1", NULL);
    g_autofree char *hold = decide_ok (insp1, lot, "HOLD_RADIATION", "[\"RAD_ALARM\"]", NULL,
                                       "pending_approval");
    g_autofree char *sup = g_strdup_printf (", \"supersedes\": \"%s\"", hold);
    g_autofree char *rel = decide_ok (insp1, lot, "RELEASE_ONWARD", "[\"VIEW_OBSTRUCTED\"]", sup,
                                      "effective");
    g_autofree char *status = lot_status (lot);

    g_assert_cmpstr (status, ==, "decided");
    late = approve (insp2, hold, TRUE);
    api_fixture_check (late, 409, "conflict", "superseded");
    g_assert_nonnull (rel);
  }
}

static void
test_one_current (void)
{
  g_autoptr (TestClient) insp1 = api_fixture_client (fx, INSP1);
  g_autoptr (TestClient) insp2 = api_fixture_client (fx, INSP2);
  g_autofree char *lot = make_lot (DECL_B, "ONE-1", NULL);
  g_autofree char *first = decide_ok (insp1, lot, "SAMPLE_HOLD", "[\"COLOUR_ANOMALY\"]", NULL,
                                      "effective");
  g_autofree char *second = body ("RELEASE_ONWARD", "[\"RANDOM_SELECTION\"]", NULL);

  /* a decision that does not supersede the lot's current one is refused,
   * and the answer names the current one */
  expect_refused (insp2, lot, second, 409, "conflict", "current decision is SAMPLE_HOLD by insp1 at ");
  expect_refused (insp2, lot, second, 409, "conflict", first);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions"
                                          " WHERE lot_id = $1::uuid", lot, NULL), ==, 1);

  /* two inspectors deciding an undecided lot at the same moment: one
   * decision is stored, the other try is told to supersede it */
  for (int round = 0; round < 3; round++) {
    g_autofree char *lot_no = g_strdup_printf ("ONE-RACE-%d", round);
    g_autofree char *raced = make_lot (DECL_B, lot_no, NULL);
    g_autofree char *a = body ("SAMPLE_HOLD", "[\"COLOUR_ANOMALY\"]", NULL);
    Try tries[2] = { { raced, a, NULL, NULL }, { raced, second, NULL, NULL } };
    guint created = 0, refused = 0;

    run_tries (tries, 2);
    for (guint i = 0; i < 2; i++) {
      created += tries[i].r->status == 201;
      refused += tries[i].r->status == 409 && strstr (tries[i].r->body, "must supersede") != NULL;
      test_response_free (tries[i].r);
    }
    g_assert_cmpuint (created, ==, 1);
    g_assert_cmpuint (refused, ==, 1);
    g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM decisions"
                                            " WHERE lot_id = $1::uuid", raced, NULL), ==, 1);
  }
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "insp1", "inspector" }, { "insp2", "inspector" }, { "aud1", "auditor" },
  };
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GDateTime) t0 = NULL;
  g_autoptr (GDateTime) t1 = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (200);
  fx = api_fixture_new ("rvi-test-decisions");
  api_fixture_start (fx, users, N_USERS);
  camera = api_fixture_value (fx, "INSERT INTO cameras (name, url, recording) VALUES"
                                  " ('siding 3 overhead', 'rtsp://127.0.0.1:1/cam1', false)"
                                  " RETURNING id", NULL, NULL);
  lot_a = make_lot (DECL_A, "A-1", "218124712173");
  lot_b = make_lot (DECL_B, "B-1", "62345674");
  now = g_date_time_new_now_utc ();
  t0 = g_date_time_new_utc (g_date_time_get_year (now), g_date_time_get_month (now),
                            g_date_time_get_day_of_month (now), g_date_time_get_hour (now),
                            g_date_time_get_minute (now), 0);
  g_clear_pointer (&now, g_date_time_unref);
  now = g_date_time_add_minutes (t0, -10);
  t1 = g_date_time_add_minutes (t0, -5);
  win_from = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.250Z");
  win_to = g_date_time_format (t1, "%Y-%m-%dT%H:%M:%S.000Z");

  g_test_add_func ("/decisions/effective", test_effective);
  g_test_add_func ("/decisions/four-eyes", test_four_eyes);
  g_test_add_func ("/decisions/reject", test_reject);
  g_test_add_func ("/decisions/idempotency", test_idempotency);
  g_test_add_func ("/decisions/idempotency-race", test_idempotency_race);
  g_test_add_func ("/decisions/validation", test_validation);
  g_test_add_func ("/decisions/supersede", test_supersede);
  g_test_add_func ("/decisions/one-current", test_one_current);
  status = g_test_run ();

  api_fixture_free (fx);
  g_free (camera);
  g_free (lot_a);
  g_free (lot_b);
  g_free (d_release);
  g_free (win_from);
  g_free (win_to);
  return status;
}
