/* test-events: the live event feed (GET /api/events, a WebSocket) against
 * an in-process server and a PostgreSQL the test owns, so it can restart it
 * under the server: refused upgrades, an event within 2 s of the change,
 * the operator filter, the Origin check for cookie sessions, resync after
 * a PostgreSQL restart, and a client that never reads being dropped. */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api-fixture.h"
#include "feed-client.h"
#include "db.h"
#include "embedded-postgres.h"
#include "event-feed.h"
#include "sessions.h"

#define DECL "070020261000000301"

enum { INSPECTOR, OPERATOR, AUDITOR, N_USERS };

static ApiFixture *fx;           /* its server uses pg, which a test restarts */
static char *pg_dir;
static RviEmbeddedPg *pg;
static char *base;                /* http://127.0.0.1:PORT */
static char *camera;
static int lot_counter;
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
  if (level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;   /* libsoup logs every frame */
  return g_log_writer_default (level, fields, n, data);
}

static void
ignore_log (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

static gboolean
log_has_since (gsize from, const char *text)
{
  gboolean found;

  g_mutex_lock (&log_lock);
  found = from <= log_text->len && strstr (log_text->str + from, text) != NULL;
  g_mutex_unlock (&log_lock);
  return found;
}

static gsize
log_mark (void)
{
  gsize len;

  g_mutex_lock (&log_lock);
  len = log_text->len;
  g_mutex_unlock (&log_lock);
  return len;
}

/* A lot inserted with SQL; returns its id (transfer full). */
static char *
make_lot (void)
{
  g_autofree char *lot_no = g_strdup_printf ("EV-%d", ++lot_counter);

  return api_fixture_value (fx, "INSERT INTO lots (declaration_id, lot_no, created_by)"
                                " SELECT id, $2, created_by FROM declarations WHERE number = $1"
                                " RETURNING id", DECL, lot_no);
}

/* Waits until the server's LISTEN connection is up. */
static void
wait_listening (void)
{
  for (int i = 0; i < 200; i++) {
    g_autofree char *n = api_fixture_value (fx, "SELECT count(*) FROM pg_stat_activity"
                                                " WHERE application_name = 'rvi-events'"
                                                " AND state = 'idle'"
                                                " AND query = 'LISTEN rvi_events'", NULL, NULL);
    if (g_str_equal (n, "1"))
      return;
    g_usleep (50000);
  }
  g_error ("the event feed never listened");
}

/* A plain (not upgraded) request to /api/events with optional token and
 * WebSocket headers. */
static TestResponse *
plain_request (const char *method, const char *token, gboolean websocket_headers)
{
  g_autofree char *url = g_strconcat (base, RVI_EVENT_FEED_PATH, NULL);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  TestResponse *r = g_new0 (TestResponse, 1);

  if (token) {
    g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (h, "Authorization", auth);
  }
  if (websocket_headers) {
    soup_message_headers_replace (h, "Connection", "Upgrade");
    soup_message_headers_replace (h, "Upgrade", "websocket");
    soup_message_headers_replace (h, "Sec-WebSocket-Version", "13");
    soup_message_headers_replace (h, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  }
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->body = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  r->json = *r->body ? json_from_string (r->body, NULL) : NULL;
  return r;
}

/* ---- tests -------------------------------------------------------------- */

static void
test_refused (void)
{
  g_autoptr (TestFeed) anon = test_feed_open (base, NULL, NULL, NULL);
  g_autoptr (TestFeed) bad = test_feed_open (base, "not-a-token", NULL, NULL);
  g_autoptr (TestResponse) r = plain_request ("GET", NULL, TRUE);
  g_autoptr (TestResponse) wrong_token = plain_request ("GET", "not-a-token", TRUE);
  g_autoptr (TestResponse) not_ws = plain_request ("GET", fx->tokens[INSPECTOR], FALSE);
  g_autoptr (TestResponse) post = plain_request ("POST", fx->tokens[INSPECTOR], FALSE);

  g_assert_null (anon->ws);
  g_assert_cmpuint (anon->status, ==, 401);
  g_assert_null (bad->ws);                       /* refused on the worker */
  g_assert_cmpuint (bad->status, ==, 401);
  g_assert_cmpuint (r->status, ==, 401);
  g_assert_cmpstr (test_error_code (r), ==, "unauthenticated");
  g_assert_cmpuint (wrong_token->status, ==, 401);
  g_assert_cmpstr (test_error_code (wrong_token), ==, "unauthenticated");
  g_assert_cmpuint (not_ws->status, ==, 400);
  g_assert_cmpstr (test_error_code (not_ws), ==, "invalid_input");
  g_assert_cmpuint (post->status, ==, 405);
}

/* An inspector sees a lot created through the API within 2 s, and its wagon. */
static void
test_lot_event (void)
{
  g_autoptr (TestFeed) f = NULL;
  g_autoptr (TestClient) insp = test_client_new (base);
  g_autoptr (TestResponse) r = NULL;
  JsonObject *hello, *ev, *wagon;
  const char *lot;
  gint64 hello_seq;

  wait_listening ();
  f = test_feed_open (base, fx->tokens[INSPECTOR], NULL, NULL);
  g_assert_nonnull (f->ws);
  g_assert_cmpuint (f->status, ==, 101);
  hello = test_feed_wait (f, "hello", NULL, 2000);
  g_assert_nonnull (hello);
  g_assert_true (json_object_has_member (hello, "seq"));
  hello_seq = json_object_get_int_member (hello, "seq");

  insp->bearer = g_strdup (fx->tokens[INSPECTOR]);
  r = test_request (insp, "POST", "/api/lots", "{\"declaration_no\": \"070020261000000302\","
                    " \"waybill_no\": \"EV-API-1\", \"wagons\": [{\"number\": \"4012345\"}]}",
                    NULL);
  g_assert_cmpuint (r->status, ==, 201);
  lot = test_json_string (r, "lot.id");
  g_assert_nonnull (lot);
  ev = test_feed_wait (f, "lot", lot, 2000);
  g_assert_nonnull (ev);
  g_assert_cmpstr (json_object_get_string_member (ev, "lot_id"), ==, lot);
  g_assert_cmpint (json_object_get_int_member (ev, "seq"), >, hello_seq);
  g_assert_cmpuint (json_object_get_size (ev), ==, 4);   /* seq, kind, id, lot_id */
  wagon = test_feed_wait (f, "wagon", NULL, 2000);
  g_assert_nonnull (wagon);
  g_assert_cmpstr (json_object_get_string_member (wagon, "lot_id"), ==, lot);
  g_assert_cmpint (json_object_get_int_member (wagon, "seq"), >,
                   json_object_get_int_member (ev, "seq"));

  /* /metrics shows the feed: listening, this client, the events it got */
  {
    g_autoptr (TestResponse) m = test_request (insp, "GET", "/metrics", NULL, NULL);

    g_assert_cmpuint (m->status, ==, 200);
    g_assert_nonnull (strstr (m->body, "\nrvi_events_listening 1\n"));
    g_assert_null (strstr (m->body, "\nrvi_events_clients 0\n"));
    g_assert_nonnull (strstr (m->body, "\nrvi_events_clients "));
    g_assert_null (strstr (m->body, "\nrvi_events_received_total 0\n"));
    g_assert_nonnull (strstr (m->body, "\nrvi_events_messages_total "));
  }
}

/* Operators get lots but no decisions; inspectors get both. */
static void
test_operator_filter (void)
{
  g_autoptr (TestFeed) op = NULL;
  g_autoptr (TestFeed) insp = NULL;
  g_autoptr (TestClient) c = test_client_new (base);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) t0 = g_date_time_add_minutes (now, -10);
  g_autoptr (GDateTime) t1 = g_date_time_add_minutes (now, -5);
  g_autofree char *from = g_date_time_format (t0, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *to = g_date_time_format (t1, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *lot = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *marker = NULL;
  g_autoptr (TestResponse) r = NULL;
  const char *decision;

  wait_listening ();
  op = test_feed_open_hello (base, fx->tokens[OPERATOR]);
  insp = test_feed_open_hello (base, fx->tokens[INSPECTOR]);
  lot = make_lot ();
  g_assert_nonnull (test_feed_wait (op, "lot", lot, 2000));
  g_assert_nonnull (test_feed_wait (insp, "lot", lot, 2000));

  c->bearer = g_strdup (fx->tokens[INSPECTOR]);
  path = g_strdup_printf ("/api/lots/%s/decisions", lot);
  body = g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"RANDOM_SELECTION\"],"
                          " \"note\": \"seen on video\", \"cameras\": [\"%s\"], \"from\": \"%s\","
                          " \"to\": \"%s\"}", camera, from, to);
  r = test_request (c, "POST", path, body, NULL);
  if (r->status != 201)
    g_error ("decision: %u %s", r->status, r->body);
  decision = test_json_string (r, "id");
  g_assert_nonnull (test_feed_wait (insp, "decision", decision, 2000));

  /* a lot created after the decision: once the operator has it, a
   * decision event would have come before it (one connection, in order) */
  marker = make_lot ();
  g_assert_nonnull (test_feed_wait (op, "lot", marker, 2000));
  g_assert_cmpuint (test_feed_count (op, "decision"), ==, 0);
  for (guint i = 0; i < op->messages->len; i++) {
    const char *kind = test_feed_kind (op->messages->pdata[i]);
    if (!g_strv_contains ((const char *const[]) { "hello", "resync", "lot", "lot_status", "wagon",
                                                  NULL }, kind))
      g_error ("an operator got a %s event", kind);
  }
  g_assert_cmpuint (test_feed_count (insp, "decision"), ==, 1);
}

/* A cookie session must come from the server's own origin (http:// or,
 * through a proxy that ends TLS, https://); a token may not. */
static void
test_cookie_origin (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *session = NULL;
  g_autofree char *csrf = NULL;
  g_autoptr (TestFeed) same = NULL;
  g_autoptr (TestFeed) foreign = NULL;
  g_autoptr (TestFeed) bearer_foreign = NULL;
  g_autoptr (TestFeed) proxied = NULL;
  g_autofree char *https_origin = g_strconcat ("https", base + strlen ("http"), NULL);

  g_assert_true (rvi_sessions_create (fx->conn, fx->user_ids[AUDITOR], 3600, "127.0.0.1", "test",
                                      &session, &csrf, &error));
  g_assert_no_error (error);
  same = test_feed_open (base, NULL, session, base);
  g_assert_nonnull (same->ws);
  g_assert_nonnull (test_feed_wait (same, "hello", NULL, 2000));
  /* the page was https://, TLS ended by a proxy in front: the same origin */
  proxied = test_feed_open (base, NULL, session, https_origin);
  g_assert_nonnull (proxied->ws);
  foreign = test_feed_open (base, NULL, session, "http://evil.example");
  g_assert_null (foreign->ws);
  g_assert_cmpuint (foreign->status, ==, 403);
  bearer_foreign = test_feed_open (base, fx->tokens[AUDITOR], NULL, "http://evil.example");
  g_assert_nonnull (bearer_foreign->ws);
}

/* PostgreSQL restarts under the running server: the client stays, gets a
 * resync, and later events arrive. */
static void
test_postgres_restart (void)
{
  g_autoptr (TestFeed) f = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *lot = NULL;
  JsonObject *hello, *resync, *ev;

  wait_listening ();
  f = test_feed_open_hello (base, fx->tokens[AUDITOR]);
  hello = f->messages->pdata[0];
  g_assert_cmpuint (test_feed_count (f, "resync"), ==, 0);

  g_clear_pointer (&fx->conn, PQfinish);
  rvi_embedded_pg_stop (pg);
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  fx->conn = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  g_assert_no_error (error);

  resync = test_feed_wait (f, "resync", NULL, 45000);   /* back-off: 1, 2, 4 ... s */
  g_assert_nonnull (resync);
  g_assert_false (f->closed);
  g_assert_cmpint (json_object_get_int_member (resync, "seq"), >,
                   json_object_get_int_member (hello, "seq"));
  lot = make_lot ();
  ev = test_feed_wait (f, "lot", lot, 2000);
  g_assert_nonnull (ev);
  g_assert_cmpint (json_object_get_int_member (ev, "seq"), >,
                   json_object_get_int_member (resync, "seq"));
}

/* A raw WebSocket connection authenticated as the inspector, with a small
 * receive buffer; returns the socket once the 101 was read, or -1 with
 * @status set to the refusal's first line. */
static int
raw_upgrade (char **status)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  struct timeval tv = { .tv_sec = 15 };
  g_autoptr (GUri) uri = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  g_autofree char *request = g_strdup_printf (
      "GET " RVI_EVENT_FEED_PATH " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: Upgrade\r\n"
      "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer %s\r\n\r\n",
      g_uri_get_port (uri), fx->tokens[INSPECTOR]);
  g_autoptr (GString) head = g_string_new (NULL);
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  int small = 4096;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), ==, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), ==, 0);
  addr.sin_port = htons ((guint16) g_uri_get_port (uri));
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (write (fd, request, strlen (request)), ==, (gssize) strlen (request));
  while (!g_str_has_suffix (head->str, "\r\n\r\n")) {
    char ch;
    g_assert_cmpint (read (fd, &ch, 1), ==, 1);
    g_string_append_c (head, ch);
  }
  if (g_str_has_prefix (head->str, "HTTP/1.1 101 "))
    return fd;
  *status = g_strndup (head->str, strcspn (head->str, "\r"));
  close (fd);
  return -1;
}

/* A raw WebSocket client that never reads: the server drops it (close code
 * 4008) instead of buffering without end, and keeps serving others. */
static void
test_slow_client (void)
{
  g_autoptr (GByteArray) in = g_byte_array_new ();
  g_autoptr (TestFeed) after = NULL;
  gsize mark = log_mark ();
  guint produced = 0, lots = 0;
  int close_code = -1;
  gboolean eof = FALSE, dropped = FALSE;
  gsize pos = 0;
  char buf[16384];
  int fd = -1;

  wait_listening ();
  /* after the restart above, each pool worker fails one job (503) */
  for (int i = 0; i < 10 && fd < 0; i++) {
    g_autofree char *status = NULL;
    fd = raw_upgrade (&status);
    if (fd < 0)
      g_test_message ("upgrade refused: %s", status);
  }
  g_assert_cmpint (fd, >=, 0);

  /* flood: 1000 lots a statement, until the server gives up on the client */
  for (int batch = 0; batch < 200 && !dropped; batch++) {
    g_autofree char *prefix = g_strdup_printf ("FLOOD-%d-", batch);
    g_free (api_fixture_value (fx, "WITH n AS (INSERT INTO lots"
                                   " (declaration_id, lot_no, created_by)"
                                   " SELECT d.id, $2 || g, d.created_by FROM declarations d,"
                                   " generate_series (1, 1000) g WHERE d.number = $1 RETURNING 1)"
                                   " SELECT count(*) FROM n", DECL, prefix));
    produced += 1000;
    for (int i = 0; i < 20 && !dropped; i++) {
      dropped = log_has_since (mark, "fell behind (queue full");
      if (!dropped)
        g_usleep (10000);
    }
  }
  g_assert_true (dropped);

  /* now read what the kernel held, up to the close frame; answer it as a
   * client does, then the server ends the connection */
  while (!eof) {
    ssize_t n = read (fd, buf, sizeof buf);

    if (n < 0)
      g_error ("no end of the dropped connection: %s", g_strerror (errno));
    eof = n == 0;
    g_byte_array_append (in, (guint8 *) buf, (guint) n);
    while (close_code < 0 && pos + 2 <= in->len) {
      guint8 opcode = in->data[pos] & 0x0f;
      gsize len = in->data[pos + 1] & 0x7f;
      gsize head = 2;

      g_assert_cmpuint (in->data[pos + 1] & 0x80, ==, 0);   /* servers do not mask */
      g_assert_cmpuint (len, <, 127);
      if (len == 126) {
        if (pos + 4 > in->len)
          break;
        len = (gsize) in->data[pos + 2] << 8 | in->data[pos + 3];
        head = 4;
      }
      if (pos + head + len > in->len)
        break;
      if (opcode == 0x1 && g_strstr_len ((const char *) in->data + pos + head, (gssize) len,
                                         "\"kind\":\"lot\""))
        lots++;
      if (opcode == 0x8) {
        static const guint8 reply[] = { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8 };  /* masked 1000 */

        g_assert_cmpuint (len, >=, 2);
        close_code = in->data[pos + head] << 8 | in->data[pos + head + 1];
        g_assert_cmpint (write (fd, reply, sizeof reply), ==, sizeof reply);
      }
      pos += head + len;
    }
  }
  close (fd);
  g_test_message ("%u events produced, %u received before the close", produced, lots);
  g_assert_cmpint (close_code, ==, RVI_EVENT_FEED_CLOSE_TOO_SLOW);
  g_assert_cmpuint (lots, <, produced);

  /* the server still serves others (once it has drained the flood's
   * notifications, which takes a while in the sanitizer build) */
  after = test_feed_open_hello (base, fx->tokens[INSPECTOR]);
  {
    g_autofree char *lot = make_lot ();
    g_assert_nonnull (test_feed_wait (after, "lot", lot, 15000));
  }
}

static gpointer
stop_server (gpointer data)
{
  rvi_test_server_stop (data);
  return NULL;
}

/* Stopping the server closes its clients with 1001 (going away). Runs
 * last: the server is gone afterwards. */
static void
test_shutdown (void)
{
  g_autoptr (TestFeed) f = test_feed_open_hello (base, fx->tokens[OPERATOR]);
  GThread *stopper = g_thread_new ("stop", stop_server, g_steal_pointer (&fx->server));
  gboolean expired = FALSE;
  guint timer = g_timeout_add (10000, test_flag_expire, &expired);

  while (!f->closed && !expired)   /* the server waits for this side's answer */
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (stopper);
  if (!expired)
    g_source_remove (timer);
  g_assert_true (f->closed);
  g_assert_cmpuint (f->close_code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "insp", "inspector" }, { "oper", "operator" }, { "aud", "auditor" },
  };
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_log, NULL, NULL);
  g_log_set_handler ("libsoup", G_LOG_LEVEL_DEBUG, ignore_log, NULL);   /* one line a frame */
  rvi_test_watchdog (240);
  fx = api_fixture_new ("rvi-test-events");
  pg_dir = g_build_filename (fx->tmpdir, "own-pg", NULL);
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  fx->config.database_url = g_strdup (rvi_embedded_pg_get_conninfo (pg));
  api_fixture_start (fx, users, N_USERS);
  base = g_strdup (rvi_test_server_url (fx->server));
  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  camera = api_fixture_value (fx, "INSERT INTO cameras (name, url, recording)"
                                  " VALUES ('siding 5', 'rtsp://127.0.0.1:1/cam5', false)"
                                  " RETURNING id", NULL, NULL);
  g_free (api_fixture_value (fx, "INSERT INTO declarations (number, customs_code, import,"
                                 " created_by) VALUES ($1::text, substr ($1::text, 1, 4), true,"
                                 " $2::uuid) RETURNING id", DECL, fx->user_ids[INSPECTOR]));

  g_test_add_func ("/events/refused", test_refused);
  g_test_add_func ("/events/lot-event", test_lot_event);
  g_test_add_func ("/events/operator-filter", test_operator_filter);
  g_test_add_func ("/events/cookie-origin", test_cookie_origin);
  g_test_add_func ("/events/postgres-restart", test_postgres_restart);
  g_test_add_func ("/events/slow-client", test_slow_client);
  g_test_add_func ("/events/shutdown", test_shutdown);
  status = g_test_run ();

  /* the server and this connection go before their PostgreSQL */
  g_clear_pointer (&fx->conn, PQfinish);
  g_clear_pointer (&fx->server, rvi_test_server_stop);   /* NULL when /events/shutdown ran */
  rvi_embedded_pg_stop (pg);
  api_fixture_free (fx);
  g_free (camera);
  g_free (base);
  g_free (pg_dir);
  g_string_free (log_text, TRUE);
  return status;
}
