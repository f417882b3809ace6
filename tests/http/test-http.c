/* test-http: the HTTP API end to end against an in-process server with a
 * real private PostgreSQL: sessions, CSRF, bad input, the permission walk
 * over the whole route table, users, throttling, audit and static files. */
#include <glib.h>
#include <string.h>

#include "api-fixture.h"
#include "audit-log.h"
#include "db.h"
#include "http-router.h"
#include "roles.h"
#include "secrets.h"
#include "sha256-hex.h"
#include "users.h"

static ApiFixture *fx;

/* The users of the permission walk: one a role, in the order of the role
 * bits (index = bit position). */
static const ApiFixtureUser walk_users[] = {
  { "walk-inspector", "inspector" }, { "walk-operator", "operator" },
  { "walk-auditor", "auditor" }, { "walk-admin", "admin" },
};

/* A user who logs in with @password. */
static void
add_user (const char *name, const char *role, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = rvi_password_hash (password);
  g_autoptr (PGresult) res = rvi_users_insert (fx->conn, name, name, role, hash, &error);

  g_assert_no_error (error);
}

static TestClient *
client (void)
{
  return test_client_new (rvi_test_server_url (fx->server));
}

static TestResponse *
login (TestClient *c, const char *user, const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"username\": \"%s\", \"password\": \"%s\"}", user,
                                           password);
  TestResponse *r = test_request (c, "POST", "/api/session", body, NULL);
  if (r->status == 200) {
    g_free (c->csrf);
    c->csrf = g_strdup (test_json_string (r, "csrf_token"));
  }
  return r;
}

/* The server trusts 127.0.0.1 as a proxy (trusted_proxies): a login
 * through it is the address X-Forwarded-For names, in the audit log and
 * the session; what a client put left of its proxy's entry is not
 * believed. */
static void
test_client_address (void)
{
  g_autoptr (TestClient) c = client ();
  g_autoptr (TestResponse) wrong = NULL;
  g_autoptr (TestResponse) ok = NULL;
  g_autofree char *failed_at = NULL, *login_at = NULL, *session_at = NULL;

  c->forwarded_for = g_strdup ("198.51.100.99");
  wrong = login (c, "olga", "not-her-password");
  g_assert_cmpuint (wrong->status, ==, 401);
  failed_at = api_fixture_value (fx, "SELECT address FROM audit_events WHERE action ="
                                     " 'login_failed' ORDER BY seq DESC LIMIT 1", NULL, NULL);
  g_assert_cmpstr (failed_at, ==, "198.51.100.99");
  g_free (c->forwarded_for);
  c->forwarded_for = g_strdup ("203.0.113.66, 198.51.100.23");
  ok = login (c, "olga", "operator-pass");
  g_assert_cmpuint (ok->status, ==, 200);
  login_at = api_fixture_value (fx, "SELECT address FROM audit_events WHERE action = 'login'"
                                    " ORDER BY seq DESC LIMIT 1", NULL, NULL);
  g_assert_cmpstr (login_at, ==, "198.51.100.23");
  session_at = api_fixture_value (fx, "SELECT s.address FROM sessions s JOIN users u ON"
                                      " u.id = s.user_id WHERE u.username = 'olga'"
                                      " ORDER BY s.created_at DESC LIMIT 1", NULL, NULL);
  g_assert_cmpstr (session_at, ==, "198.51.100.23");
}

static void
test_probes (void)
{
  g_autoptr (TestClient) c = client ();
  g_autoptr (TestResponse) h = test_request (c, "GET", "/healthz", NULL, NULL);
  g_autoptr (TestResponse) r = test_request (c, "GET", "/readyz", NULL, NULL);
  g_autoptr (TestResponse) m = test_request (c, "GET", "/metrics", NULL, NULL);

  g_assert_cmpuint (h->status, ==, 200);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (test_json_string (r, "status"), ==, "ready");
  g_assert_cmpuint (m->status, ==, 200);
  g_assert_nonnull (strstr (m->body, "rvi_http_requests_total{route=\"/readyz\",method=\"GET\","
                            "status=\"200\"} 1"));
  g_assert_nonnull (strstr (m->body, "rvi_http_request_duration_seconds_bucket{route=\"/healthz\""));
  g_assert_nonnull (strstr (m->body, "rvi_db_pool_size 4"));
  g_assert_nonnull (strstr (m->body, "rvi_db_jobs_total"));
}

static void
test_login_logout (void)
{
  g_autoptr (TestClient) c = client ();
  g_autoptr (TestResponse) wrong = login (c, "ivan", "not-his-password");
  g_autoptr (TestResponse) nobody = login (c, "no-such-user", "not-his-password");
  g_autoptr (TestResponse) ok = NULL;
  g_autoptr (TestResponse) me = NULL;
  g_autoptr (TestResponse) out_nocsrf = NULL;
  g_autoptr (TestResponse) out = NULL;
  g_autoptr (TestResponse) after = NULL;
  const char *cookie;

  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpstr (test_error_code (wrong), ==, "invalid_credentials");
  /* an unknown user is answered exactly like a wrong password */
  g_assert_cmpuint (nobody->status, ==, 401);
  g_assert_cmpstr (nobody->body, ==, wrong->body);

  ok = login (c, "IVAN", "inspector-pass");       /* user names are case-insensitive */
  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpstr (test_json_string (ok, "user.role"), ==, "inspector");
  g_assert_cmpstr (test_json_string (ok, "user.username"), ==, "ivan");
  g_assert_cmpstr (test_json_string (ok, "settings.display_timezone"), ==, "Asia/Shanghai");
  cookie = soup_message_headers_get_one (ok->headers, "Set-Cookie");
  g_assert_nonnull (strstr (cookie, "rvi_session="));
  g_assert_nonnull (strstr (cookie, "HttpOnly"));
  g_assert_nonnull (strstr (cookie, "SameSite=Strict"));
  g_assert_null (strstr (ok->body, "rvi_session"));

  me = test_request (c, "GET", "/api/session", NULL, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (test_json_string (me, "csrf_token"), ==, c->csrf);

  /* a mutating cookie request needs the CSRF token */
  {
    g_autofree char *csrf = g_steal_pointer (&c->csrf);
    out_nocsrf = test_request (c, "DELETE", "/api/session", NULL, NULL);
    c->csrf = g_strdup ("wrong");
    test_response_free (test_request (c, "DELETE", "/api/session", NULL, NULL));
    g_free (c->csrf);
    c->csrf = g_steal_pointer (&csrf);
  }
  g_assert_cmpuint (out_nocsrf->status, ==, 403);
  g_assert_cmpstr (test_error_code (out_nocsrf), ==, "csrf_failed");

  out = test_request (c, "DELETE", "/api/session", NULL, NULL);
  g_assert_cmpuint (out->status, ==, 204);
  after = test_request (c, "GET", "/api/session", NULL, NULL);
  g_assert_cmpuint (after->status, ==, 401);
  g_assert_cmpstr (test_error_code (after), ==, "unauthenticated");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events"
                                          " WHERE action = 'logout'", NULL, NULL), >=, 1);
}

static void
expect_error (TestClient *c, const char *method, const char *path, const char *body,
              const char *type, guint status, const char *code)
{
  g_autoptr (TestResponse) r = test_request (c, method, path, body, type);

  if (r->status != status || g_strcmp0 (test_error_code (r), code) != 0)
    g_error ("%s %s: expected %u %s, got %u %s", method, path, status, code, r->status, r->body);
}

static void
test_bad_input (void)
{
  g_autoptr (TestClient) admin = api_fixture_client (fx, 3);
  g_autoptr (TestClient) anon = client ();
  g_autofree char *big = NULL;
  gint64 users_before = api_fixture_count (fx, "SELECT count(*) FROM users", NULL, NULL);
  gint64 audit_before = api_fixture_count (fx, "SELECT count(*) FROM audit_events", NULL, NULL);

  expect_error (admin, "POST", "/api/users", "{\"username\": ", NULL, 400, "invalid_json");
  expect_error (admin, "POST", "/api/users", "[]", NULL, 400, "invalid_json");
  expect_error (admin, "POST", "/api/users", "", NULL, 400, "invalid_json");
  expect_error (admin, "POST", "/api/users", "{\"username\": \"x\", \"password\": \"12345678\","
                " \"role\": \"admin\", \"is_root\": true}", NULL, 400, "unknown_field");
  expect_error (admin, "POST", "/api/users", "{\"username\": \"x\", \"password\": 12345678,"
                " \"role\": \"admin\"}", NULL, 400, "wrong_type");
  expect_error (admin, "POST", "/api/users", "{\"username\": \"x\", \"role\": \"admin\"}", NULL,
                400, "missing_field");
  expect_error (admin, "POST", "/api/users", "{\"username\": \"x\", \"password\": \"12345678\","
                " \"role\": \"king\"}", NULL, 400, "invalid_input");
  expect_error (admin, "POST", "/api/users", "{\"username\": \"a b\", \"password\": \"12345678\","
                " \"role\": \"admin\"}", NULL, 400, "invalid_input");
  expect_error (admin, "POST", "/api/users", "{\"username\": \"shorty\", \"password\": \"1234\","
                " \"role\": \"admin\"}", NULL, 400, "invalid_input");
  expect_error (admin, "POST", "/api/users", "username=x", "application/x-www-form-urlencoded",
                415, "unsupported_media_type");
  big = g_strnfill (2 * 1024 * 1024, 'a');
  expect_error (anon, "POST", "/api/session", big, NULL, 413, "body_too_large");
  expect_error (anon, "PUT", "/api/session", NULL, NULL, 405, "method_not_allowed");
  expect_error (anon, "GET", "/api/nothing-here", NULL, NULL, 404, "not_found");
  expect_error (admin, "PATCH", "/api/users/not-a-uuid", "{}", NULL, 404, "not_found");
  expect_error (admin, "PATCH", "/api/users/00000000-0000-0000-0000-000000000000",
                "{\"display_name\": \"x\"}", NULL, 404, "not_found");
  expect_error (anon, "GET", "/api/audit?from=yesterday", NULL, NULL, 401, "unauthenticated");
  {
    g_autoptr (TestClient) auditor = api_fixture_client (fx, 2);
    expect_error (auditor, "GET", "/api/audit?from=yesterday", NULL, NULL, 400, "invalid_input");
    expect_error (auditor, "GET", "/api/audit?limit=0", NULL, NULL, 400, "invalid_input");
  }
  /* a malformed Authorization header never falls back to anything */
  admin->bearer[3] = 'X';
  expect_error (admin, "GET", "/api/users", NULL, NULL, 401, "unauthenticated");
  {
    g_autoptr (TestResponse) r = test_request (anon, "PUT", "/api/session", NULL, NULL);
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Allow"), ==, "POST, GET, DELETE");
  }
  /* nothing of a rejected request was written */
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM users", NULL, NULL),
                   ==, users_before);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events", NULL, NULL),
                   ==, audit_before);
}

/* Every route, with no credentials and with each role: 401 / 403 / allowed. */
static void
test_permission_walk (void)
{
  GArray *routes = rvi_server_get_routes (rvi_test_server_get (fx->server));
  guint checked = 0;

  for (guint i = 0; i < routes->len; i++) {
    const RviRoute *route = &g_array_index (routes, RviRoute, i);
    g_autoptr (GString) path = g_string_new (route->pattern);
    g_autoptr (TestClient) anon = client ();
    g_autoptr (TestResponse) r = NULL;

    g_string_replace (path, "{id}", "5b0c3c0e-2f4e-4a8e-9a53-3b1f1e0c9d11", 0);
    r = test_request (anon, route->method, path->str, NULL, NULL);
    if (route->roles == RVI_ROLES_PUBLIC)
      g_assert_cmpuint (r->status, !=, 401);
    else if (r->status != 401)
      g_error ("%s %s without credentials answered %u", route->method, route->pattern, r->status);
    for (int role = 0; role < 4; role++) {
      g_autoptr (TestClient) c = api_fixture_client (fx, role);
      g_autoptr (TestResponse) rr = test_request (c, route->method, path->str, NULL, NULL);
      gboolean allowed = route->roles == RVI_ROLES_PUBLIC || (route->roles & (1u << role));

      if (allowed && (rr->status == 401 || rr->status == 403))
        g_error ("%s %s as %s: %u, expected to be allowed", route->method, route->pattern,
                 walk_users[role].role, rr->status);
      if (!allowed && rr->status != 403)
        g_error ("%s %s as %s: %u, expected 403", route->method, route->pattern,
                 walk_users[role].role, rr->status);
      if (!allowed)
        g_assert_cmpstr (test_error_code (rr), ==, "forbidden");
      checked++;
    }
  }
  g_assert_cmpuint (checked, ==, routes->len * 4);
}

static void
test_users_crud (void)
{
  g_autoptr (TestClient) admin = client ();
  g_autoptr (TestClient) nina = client ();
  g_autoptr (TestResponse) r = NULL;
  g_autofree char *nina_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *admin_path = NULL;

  r = login (admin, "ada", "admin-pass-1");
  g_assert_cmpuint (r->status, ==, 200);
  admin_path = g_strdup_printf ("/api/users/%s", test_json_string (r, "user.id"));
  g_clear_pointer (&r, test_response_free);

  r = test_request (admin, "POST", "/api/users", "{\"username\": \"nina\", \"password\":"
                    " \"nina-pass-1\", \"role\": \"operator\", \"display_name\": \"\u5b81\u5a1c\"}",
                    NULL);
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_cmpstr (test_json_string (r, "user.display_name"), ==, "\u5b81\u5a1c");
  g_assert_null (strstr (r->body, "password"));
  nina_id = g_strdup (test_json_string (r, "user.id"));
  path = g_strdup_printf ("/api/users/%s", nina_id);
  g_clear_pointer (&r, test_response_free);
  expect_error (admin, "POST", "/api/users", "{\"username\": \"NINA\", \"password\":"
                " \"nina-pass-1\", \"role\": \"operator\"}", NULL, 409, "conflict");

  r = test_request (admin, "GET", "/api/users", NULL, NULL);
  g_assert_nonnull (strstr (r->body, "\"nina\""));
  g_assert_null (strstr (r->body, "argon2"));
  g_clear_pointer (&r, test_response_free);

  /* nina logs in; a password change by the admin ends her session */
  r = login (nina, "nina", "nina-pass-1");
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, test_response_free);
  r = test_request (admin, "PATCH", path, "{\"password\": \"nina-pass-2\", \"role\": \"auditor\"}",
                    NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (test_json_string (r, "user.role"), ==, "auditor");
  g_clear_pointer (&r, test_response_free);
  expect_error (nina, "GET", "/api/session", NULL, NULL, 401, "unauthenticated");
  r = login (nina, "nina", "nina-pass-2");
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, test_response_free);

  /* disabled: sessions end and logins fail like a wrong password */
  r = test_request (admin, "PATCH", path, "{\"disabled\": true}", NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, test_response_free);
  expect_error (nina, "GET", "/api/session", NULL, NULL, 401, "unauthenticated");
  r = login (nina, "nina", "nina-pass-2");
  g_assert_cmpuint (r->status, ==, 401);
  g_assert_cmpstr (test_error_code (r), ==, "invalid_credentials");
  g_clear_pointer (&r, test_response_free);

  /* an admin cannot lock themselves out */
  expect_error (admin, "PATCH", admin_path, "{\"role\": \"inspector\"}", NULL, 409, "conflict");
  expect_error (admin, "PATCH", admin_path, "{\"disabled\": true}", NULL, 409, "conflict");
  expect_error (admin, "DELETE", admin_path, NULL, NULL, 409, "conflict");

  r = test_request (admin, "DELETE", path, NULL, NULL);
  g_assert_cmpuint (r->status, ==, 204);
  g_clear_pointer (&r, test_response_free);
  expect_error (admin, "DELETE", path, NULL, NULL, 404, "not_found");
  r = test_request (admin, "GET", "/api/users", NULL, NULL);
  g_assert_null (strstr (r->body, "\"nina\""));

  /* every change is in the audit chain, and the chain holds */
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events WHERE target_id IN"
                                          " (SELECT id::text FROM users WHERE username = 'nina')"
                                          " AND action IN ('user_created', 'user_updated',"
                                          " 'user_deleted')", NULL, NULL), ==, 4);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events"
                                          " WHERE detail::text LIKE '%nina-pass%'", NULL, NULL),
                   ==, 0);
  {
    g_autoptr (GError) error = NULL;
    RviAuditVerifyResult v;
    g_assert_true (rvi_audit_verify (fx->conn, &v, &error));
    g_assert_cmpint (v.broken_seq, ==, 0);
    rvi_audit_verify_result_clear (&v);
  }
}

static void
test_throttle (void)
{
  g_autoptr (TestClient) c = client ();
  g_autoptr (TestResponse) r = NULL;
  gint64 retry;

  g_assert_cmpint (api_fixture_count (fx, "WITH d AS (DELETE FROM login_failures RETURNING 1)"
                                          " SELECT count(*) FROM d", NULL, NULL), >=, 0);
  for (int i = 0; i < fx->config.login_free_attempts; i++) {
    g_autoptr (TestResponse) f = login (c, "olga", "wrong-password");
    g_assert_cmpuint (f->status, ==, 401);
  }
  /* now even the right password must wait */
  r = login (c, "olga", "operator-pass");
  g_assert_cmpuint (r->status, ==, 429);
  g_assert_cmpstr (test_error_code (r), ==, "too_many_attempts");
  retry = g_ascii_strtoll (soup_message_headers_get_one (r->headers, "Retry-After"), NULL, 10);
  g_assert_cmpint (retry, >=, 1);
  g_assert_cmpint (retry, <=, fx->config.login_max_delay_s);
  g_clear_pointer (&r, test_response_free);
  g_usleep ((gulong) (retry + 1) * G_USEC_PER_SEC);
  r = login (c, "olga", "operator-pass");
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events"
                                          " WHERE action = 'login_failed'"
                                          " AND detail->>'reason' = 'throttled'", NULL, NULL),
                   >=, 1);
}

static void
test_audit_api (void)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, 2);
  g_autoptr (TestResponse) r = test_request (c, "GET", "/api/audit?action=login&limit=2", NULL,
                                             NULL);
  JsonArray *events;

  g_assert_cmpuint (r->status, ==, 200);
  events = json_object_get_array_member (json_node_get_object (r->json), "events");
  g_assert_cmpuint (json_array_get_length (events), ==, 2);
  for (guint i = 0; i < 2; i++) {
    JsonObject *e = json_array_get_object_element (events, i);
    g_assert_cmpstr (json_object_get_string_member (e, "action"), ==, "login");
    g_assert_true (g_str_has_suffix (json_object_get_string_member (e, "at"), "Z"));
  }
  /* newest first, and before_seq pages on */
  {
    gint64 first = json_object_get_int_member (json_array_get_object_element (events, 0), "seq");
    gint64 second = json_object_get_int_member (json_array_get_object_element (events, 1), "seq");
    g_autofree char *next = g_strdup_printf ("/api/audit?action=login&before_seq=%" G_GINT64_FORMAT,
                                             second);
    g_autoptr (TestResponse) page = test_request (c, "GET", next, NULL, NULL);
    JsonArray *more = json_object_get_array_member (json_node_get_object (page->json), "events");
    g_assert_cmpint (first, >, second);
    for (guint i = 0; i < json_array_get_length (more); i++)
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (more, i), "seq"),
                       <, second);
  }
}

static void
test_static (void)
{
  g_autoptr (TestClient) c = client ();
  g_autoptr (TestResponse) index = test_request (c, "GET", "/", NULL, NULL);
  g_autoptr (TestResponse) up = test_request (c, "GET", "/../meson.build", NULL, NULL);
  g_autoptr (TestResponse) dot = test_request (c, "GET", "/.hidden", NULL, NULL);
  g_autoptr (TestResponse) post = test_request (c, "POST", "/index.html", "{}", NULL);

  g_assert_cmpuint (index->status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (index->headers, NULL),
                                   "text/html"));
  g_assert_nonnull (strstr (soup_message_headers_get_one (index->headers,
                                                          "Content-Security-Policy"),
                            "default-src 'self'"));
  g_assert_cmpuint (up->status, ==, 404);
  g_assert_cmpuint (dot->status, ==, 404);
  g_assert_cmpuint (post->status, ==, 405);
}

/* The evidence signing key: made at start in DATA-DIR/keys (0600), its
 * public half the same through the API (any role) and the CLI. */
static void
test_evidence_public_key (void)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, 2);   /* auditor */
  g_autoptr (TestResponse) r = test_request (c, "GET", "/api/evidence/public-key", NULL, NULL);
  g_autofree char *key_path = g_build_filename (fx->tmpdir, "keys", "signing.key", NULL);
  g_autofree char *line = g_strdup_printf ("%s evidence public-key --data-dir %s",
                                           g_getenv ("RVI_BIN"), fx->tmpdir);
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autofree guint8 *raw = NULL;
  char digest[65];
  gsize len = 0;
  int status;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (test_json_string (r, "algorithm"), ==, "ed25519");
  raw = g_base64_decode (test_json_string (r, "public_key"), &len);
  g_assert_cmpuint (len, ==, 32);
  rvi_sha256_hex (raw, len, digest);
  digest[16] = '\0';
  g_assert_cmpstr (test_json_string (r, "key_id"), ==, digest);
  g_assert_true (g_file_test (key_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_spawn_command_line_sync (line, &out, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  expected = g_strdup_printf ("ed25519 %s key_id %s\n", test_json_string (r, "public_key"),
                              digest);
  g_assert_cmpstr (out, ==, expected);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (300);
  fx = api_fixture_new ("rvi-test-http");
  g_free (fx->config.web_dir);
  fx->config.web_dir = g_build_filename (g_getenv ("RVI_SOURCE_ROOT"), "web", NULL);
  fx->config.login_free_attempts = 3;
  fx->config.login_max_delay_s = 4;
  fx->config.recording = TRUE;   /* as `rvi serve` runs: a camera manager behind the routes */
  fx->config.trusted_proxies = g_strdup ("127.0.0.1");   /* /http/client-address */
  api_fixture_start (fx, walk_users, G_N_ELEMENTS (walk_users));
  add_user ("ivan", "inspector", "inspector-pass");
  add_user ("ada", "admin", "admin-pass-1");
  add_user ("olga", "operator", "operator-pass");

  g_test_add_func ("/http/probes", test_probes);
  g_test_add_func ("/http/login-logout", test_login_logout);
  g_test_add_func ("/http/bad-input", test_bad_input);
  g_test_add_func ("/http/permission-walk", test_permission_walk);
  g_test_add_func ("/http/users", test_users_crud);
  g_test_add_func ("/http/login-throttle", test_throttle);
  g_test_add_func ("/http/audit-api", test_audit_api);
  g_test_add_func ("/http/static", test_static);
  g_test_add_func ("/http/evidence-public-key", test_evidence_public_key);
  g_test_add_func ("/http/client-address", test_client_address);
  status = g_test_run ();

  api_fixture_free (fx);
  return status;
}
