/* test-https: rvi serving HTTPS itself (tls_certificate, tls_key) and
 * verifying other nodes with tls_ca, against an in-process server whose
 * certificate (for 127.0.0.1 only) a throw-away CA signed at test time:
 *
 * - the URL is https://; /healthz answers a client that trusts the CA;
 * - every answer (API, error, UI file, and libsoup's own 400 for a
 *   request it cannot parse) carries Strict-Transport-Security;
 * - the session cookie of a login (and of its logout) is Secure;
 * - plain HTTP to the port gets no answer; a client trusting only the
 *   system's CAs, or another CA, fails the handshake;
 * - the event feed works over wss://, a cookie session's https:// Origin
 *   is accepted and an http:// one (another origin) refused, on the live
 *   video route too;
 * - a request forwarded to another node (node-proxy.c) reaches it over
 *   HTTPS trusting tls_ca, and is refused when that node's certificate
 *   does not name the host it is reached at. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "api-fixture.h"
#include "db.h"
#include "feed-client.h"
#include "rvi-test-certs.h"
#include "secrets.h"
#include "sessions.h"
#include "users.h"

#define DECL "070020261000000401"
#define HSTS "max-age=31536000"

enum { ADMIN, AUDITOR, N_USERS };

static ApiFixture *fx;
static char *certs;              /* the throw-away CAs and certificates */
static GTlsDatabase *trust;      /* the CA that signed the server's certificate */
static char *base;               /* https://127.0.0.1:PORT, no trailing slash */
static char *camera;             /* a camera nobody records */

/* A client that trusts the test CA. (transfer full) */
static TestClient *
trusting_client (void)
{
  TestClient *c = test_client_new (base);

  soup_session_set_tls_database (c->session, trust);
  return c;
}

/* Sends GET @url with @session; returns the error (the request must fail). */
static GError *
expect_failure (SoupSession *session, const char *url)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GBytes) body = NULL;
  GError *error = NULL;

  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_null (body);
  g_assert_nonnull (error);
  g_test_message ("GET %s: %s", url, error->message);
  return error;
}

static void
test_healthz (void)
{
  g_autoptr (TestClient) c = trusting_client ();
  g_autoptr (TestResponse) h = test_request (c, "GET", "/healthz", NULL, NULL);
  g_autoptr (TestResponse) missing = test_request (c, "GET", "/api/no-such-thing", NULL, NULL);
  g_autoptr (TestResponse) page = test_request (c, "GET", "/", NULL, NULL);

  g_assert_true (g_str_has_prefix (rvi_test_server_url (fx->server), "https://127.0.0.1:"));
  g_assert_cmpuint (h->status, ==, 200);
  g_assert_cmpstr (test_json_string (h, "status"), ==, "alive");
  g_assert_cmpstr (soup_message_headers_get_one (h->headers, "Strict-Transport-Security"), ==,
                   HSTS);
  g_assert_cmpuint (missing->status, ==, 404);
  g_assert_cmpstr (soup_message_headers_get_one (missing->headers, "Strict-Transport-Security"),
                   ==, HSTS);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (page->headers, "Strict-Transport-Security"), ==,
                   HSTS);
}

/* A request libsoup cannot parse: its own 400 answer carries HSTS too.
 * Sent over a TLS connection made by hand. (A bad request line: a bad
 * header after a good request line makes libsoup 3.2 leak the path it
 * parsed.) */
static void
test_unparsable (void)
{
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) tcp = NULL;
  g_autoptr (GIOStream) tls = NULL;
  g_autoptr (GSocketConnectable) id = NULL;
  g_autoptr (GString) answer = g_string_new (NULL);
  const char *request = "NOT A REQUEST LINE\r\n\r\n";
  char buf[4096];
  gssize n;

  tcp = g_socket_client_connect_to_uri (sc, base, 443, NULL, &error);
  g_assert_no_error (error);
  id = g_network_address_parse_uri (base, 443, &error);
  g_assert_no_error (error);
  tls = g_tls_client_connection_new (G_IO_STREAM (tcp), id, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), trust);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (tls), request,
                                            strlen (request), NULL, NULL, &error));
  g_assert_no_error (error);
  while (!strstr (answer->str, "\r\n\r\n")
         && (n = g_input_stream_read (g_io_stream_get_input_stream (tls), buf, sizeof buf,
                                      NULL, NULL)) > 0)
    g_string_append_len (answer, buf, n);
  g_test_message ("%s", answer->str);
  g_assert_true (g_str_has_prefix (answer->str, "HTTP/1.0 400 ")
                 || g_str_has_prefix (answer->str, "HTTP/1.1 400 "));
  g_assert_nonnull (strstr (answer->str, "\r\nStrict-Transport-Security: " HSTS "\r\n"));
  g_assert_nonnull (strstr (answer->str, "\r\nX-Content-Type-Options: nosniff\r\n"));
}

static void
test_secure_cookie (void)
{
  g_autoptr (TestClient) c = trusting_client ();
  g_autoptr (TestResponse) in = NULL;
  g_autoptr (TestResponse) me = NULL;
  g_autoptr (TestResponse) out = NULL;
  const char *cookie;

  in = test_request (c, "POST", "/api/session",
                     "{\"username\": \"tina\", \"password\": \"tina-pass-1\"}", NULL);
  g_assert_cmpuint (in->status, ==, 200);
  cookie = soup_message_headers_get_one (in->headers, "Set-Cookie");
  g_assert_nonnull (cookie);
  g_assert_true (g_str_has_prefix (cookie, "rvi_session="));
  g_assert_nonnull (strstr (cookie, "; HttpOnly"));
  g_assert_nonnull (strstr (cookie, "; SameSite=Strict"));
  g_assert_nonnull (strstr (cookie, "; Secure"));
  g_assert_cmpstr (soup_message_headers_get_one (in->headers, "Strict-Transport-Security"), ==,
                   HSTS);

  /* the client's cookie jar sends a Secure cookie back over https */
  c->csrf = g_strdup (test_json_string (in, "csrf_token"));
  me = test_request (c, "GET", "/api/session", NULL, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (test_json_string (me, "user.username"), ==, "tina");
  out = test_request (c, "DELETE", "/api/session", NULL, NULL);
  g_assert_cmpuint (out->status, ==, 204);
  cookie = soup_message_headers_get_one (out->headers, "Set-Cookie");
  g_assert_nonnull (cookie);
  g_assert_nonnull (strstr (cookie, "Max-Age=0"));
  g_assert_nonnull (strstr (cookie, "; Secure"));
}

static void
test_refused (void)
{
  g_autoptr (SoupSession) plain = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr (SoupSession) system_cas = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr (SoupSession) other = soup_session_new_with_options ("timeout", 10, NULL);
  g_autofree char *other_ca = rvi_test_certs_path (certs, "other-ca", "pem");
  g_autoptr (GTlsDatabase) other_db = g_tls_file_database_new (other_ca, NULL);
  g_autofree char *http_url = g_strconcat ("http", base + strlen ("https"), "/healthz", NULL);
  g_autofree char *https_url = g_strconcat (base, "/healthz", NULL);
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;

  /* plain HTTP to the TLS port: the handshake fails, nothing is answered */
  e1 = expect_failure (plain, http_url);
  /* the default database is the system's CAs, which never signed ours */
  e2 = expect_failure (system_cas, https_url);
  g_assert_error (e2, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (other_db);
  soup_session_set_tls_database (other, other_db);
  e3 = expect_failure (other, https_url);
  g_assert_error (e3, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

/* Waits until the server's LISTEN connection is up. */
static void
wait_listening (void)
{
  for (int i = 0; i < 200; i++) {
    if (api_fixture_count (fx, "SELECT count(*) FROM pg_stat_activity"
                               " WHERE application_name = 'rvi-events'"
                               " AND query = 'LISTEN rvi_events'", NULL, NULL) == 1)
      return;
    g_usleep (50000);
  }
  g_error ("the event feed never listened");
}

static void
test_wss (void)
{
  g_autoptr (TestFeed) f = NULL;
  g_autoptr (TestFeed) same = NULL;
  g_autoptr (TestFeed) plain_origin = NULL;
  g_autoptr (TestFeed) untrusting = NULL;
  g_autoptr (TestFeed) live = NULL;
  g_autoptr (TestFeed) live_plain_origin = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *live_path = g_strdup_printf ("/api/cameras/%s/live?transport=mse", camera);
  g_autofree char *session = NULL;
  g_autofree char *csrf = NULL;
  g_autofree char *http_origin = g_strconcat ("http", base + strlen ("https"), NULL);
  g_autofree char *lot = NULL;

  wait_listening ();
  f = test_feed_open_tls (base, "/api/events", fx->tokens[AUDITOR], NULL, NULL, FALSE, trust);
  g_assert_no_error (f->error);
  g_assert_nonnull (f->ws);
  g_assert_cmpuint (f->status, ==, 101);
  g_assert_nonnull (test_feed_wait (f, "hello", NULL, 5000));
  /* a change reaches the client over wss:// */
  lot = api_fixture_value (fx, "INSERT INTO lots (declaration_id, lot_no, created_by)"
                               " SELECT id, 'TLS-1', created_by FROM declarations"
                               " WHERE number = $1 RETURNING id", DECL, NULL);
  g_assert_nonnull (test_feed_wait (f, "lot", lot, 5000));

  /* a browser session: its page's origin is https://HOST:PORT */
  g_assert_true (rvi_sessions_create (fx->conn, fx->user_ids[AUDITOR], 3600, "127.0.0.1", "test",
                                      &session, &csrf, &error));
  g_assert_no_error (error);
  same = test_feed_open_tls (base, "/api/events", NULL, session, base, FALSE, trust);
  g_assert_nonnull (same->ws);
  g_assert_nonnull (test_feed_wait (same, "hello", NULL, 5000));
  plain_origin = test_feed_open_tls (base, "/api/events", NULL, session, http_origin, FALSE,
                                     trust);
  g_assert_null (plain_origin->ws);
  g_assert_cmpuint (plain_origin->status, ==, 403);
  /* the live route takes the same checks: past them, this node (which
   * records nothing) answers 503; the upgrade itself is ws-upgrade.c's,
   * shared with the feed */
  live = test_feed_open_tls (base, live_path, NULL, session, base, TRUE, trust);
  g_assert_null (live->ws);
  g_assert_cmpuint (live->status, ==, 503);
  live_plain_origin = test_feed_open_tls (base, live_path, NULL, session, http_origin, TRUE, trust);
  g_assert_cmpuint (live_plain_origin->status, ==, 403);

  untrusting = test_feed_open_tls (base, "/api/events", fx->tokens[AUDITOR], NULL, NULL, FALSE,
                                   NULL);
  g_assert_null (untrusting->ws);
  g_assert_error (untrusting->error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

/* A segment of the camera held by node @node (reached at @url); returns
 * the path to ask for it. (transfer full) */
static char *
remote_segment (const char *node, const char *url)
{
  g_autofree char *id = NULL;

  g_free (api_fixture_value (fx, "INSERT INTO nodes (name, started_at, last_seen, url)"
                                 " VALUES ($1, now(), now(), $2) RETURNING name", node, url));
  id = api_fixture_value (fx, "INSERT INTO segments (camera_id, node, path, status, start_at,"
                              " end_at) VALUES ($1::uuid, $2, $1 || '/' || $2 || '.mp4', 'closed',"
                              " now() - interval '1 minute', now()) RETURNING id",
                          camera, node);
  return g_strdup_printf ("/api/cameras/%s/recording.mp4?segment=%s", camera, id);
}

/* node-proxy.c's client trusts tls_ca and checks the name it asks for. */
static void
test_node_proxy (void)
{
  g_autoptr (TestClient) c = trusting_client ();
  g_autofree char *self = g_strconcat (base, "/", NULL);
  g_autofree char *by_name = g_strdup_printf ("https://localhost:%s/", strrchr (base, ':') + 1);
  g_autofree char *trusted = remote_segment ("yard-tls", self);
  g_autofree char *misnamed = remote_segment ("yard-misnamed", by_name);
  g_autoptr (TestResponse) r1 = NULL;
  g_autoptr (TestResponse) r2 = NULL;

  c->bearer = g_strdup (fx->tokens[AUDITOR]);
  /* "yard-tls" is this very server: the forwarded request reaches it over
   * HTTPS (its certificate checked against tls_ca) and is answered by it as
   * the holder would, refusing to forward a second time */
  r1 = test_request (c, "GET", trusted, NULL, NULL);
  api_fixture_check (r1, 404, "not_found", "node yard-tls holds it, not node");
  /* "yard-misnamed" is reached as localhost, a name its certificate lacks */
  r2 = test_request (c, "GET", misnamed, NULL, NULL);
  api_fixture_check (r2, 503, "node_unavailable", "node yard-misnamed holds it and did not answer");
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = { { "tls-admin", "admin" },
                                                 { "tls-auditor", "auditor" } };
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autoptr (PGresult) user = NULL;
  g_autofree char *ca = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);   /* a refused node warns */
  g_log_writer_default_set_use_stderr (TRUE);   /* stdout carries TAP */
  rvi_test_watchdog (120);
  fx = api_fixture_new ("rvi-test-https");
  certs = g_build_filename (fx->tmpdir, "certs", NULL);
  g_assert_cmpint (g_mkdir (certs, 0700), ==, 0);
  rvi_test_certs_make_ca (certs, "ca");
  rvi_test_certs_make_ca (certs, "other-ca");
  rvi_test_certs_make_server (certs, "ca", "server", "IP:127.0.0.1");
  ca = rvi_test_certs_path (certs, "ca", "pem");
  fx->config.tls_certificate = rvi_test_certs_path (certs, "server", "pem");
  fx->config.tls_key = rvi_test_certs_path (certs, "server", "key");
  fx->config.tls_ca = g_strdup (ca);
  trust = g_tls_file_database_new (ca, &error);
  g_assert_no_error (error);
  api_fixture_start (fx, users, N_USERS);
  base = g_strdup (rvi_test_server_url (fx->server));
  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  hash = rvi_password_hash ("tina-pass-1");
  user = rvi_users_insert (fx->conn, "tina", "Tina", "inspector", hash, &error);
  g_assert_no_error (error);
  camera = api_fixture_value (fx, "INSERT INTO cameras (name, url, recording)"
                                 " VALUES ('tls siding', 'rtsp://127.0.0.1:1/x', false)"
                                 " RETURNING id", NULL, NULL);
  g_free (api_fixture_value (fx, "INSERT INTO declarations (number, customs_code, import,"
                                 " created_by) VALUES ($1::text, substr ($1::text, 1, 4), true,"
                                 " $2::uuid) RETURNING id", DECL, fx->user_ids[ADMIN]));

  g_test_add_func ("/https/healthz", test_healthz);
  g_test_add_func ("/https/unparsable", test_unparsable);
  g_test_add_func ("/https/secure-cookie", test_secure_cookie);
  g_test_add_func ("/https/refused", test_refused);
  g_test_add_func ("/https/wss", test_wss);
  g_test_add_func ("/https/node-proxy", test_node_proxy);
  status = g_test_run ();

  g_clear_object (&trust);
  g_free (camera);
  g_free (base);
  g_free (certs);
  api_fixture_free (fx);
  return status;
}
