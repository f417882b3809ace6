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

#include "db.h"
#include "embedded-postgres.h"
#include "event-feed.h"
#include "http-client.h"
#include "rvi-test.h"
#include "secrets.h"
#include "sessions.h"
#include "users.h"

#define DECL "070020261000000301"

enum { INSPECTOR, OPERATOR, AUDITOR, N_USERS };

static char *tmpdir;
static char *pg_dir;
static RviEmbeddedPg *pg;
static RviConfig config;
static RviTestServer *ts;
static PGconn *conn;
static char *base;                /* http://127.0.0.1:PORT */
static char *tokens[N_USERS];
static char *user_ids[N_USERS];
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

/* The first cell of @sql with up to two parameters (transfer full). */
static char *
db_value (const char *sql, const char *p1, const char *p2)
{
  const char *params[] = { p1, p2 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) res = rvi_db_exec (conn, sql, p2 ? 2 : p1 ? 1 : 0, params, &error);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return rvi_db_dup (res, 0, 0);
}

/* A lot inserted with SQL; returns its id (transfer full). */
static char *
make_lot (void)
{
  g_autofree char *lot_no = g_strdup_printf ("EV-%d", ++lot_counter);

  return db_value ("INSERT INTO lots (declaration_id, lot_no, created_by)"
                   " SELECT id, $2, created_by FROM declarations WHERE number = $1 RETURNING id",
                   DECL, lot_no);
}

/* Waits until the server's LISTEN connection is up. */
static void
wait_listening (void)
{
  for (int i = 0; i < 200; i++) {
    g_autofree char *n = db_value ("SELECT count(*) FROM pg_stat_activity WHERE"
                                   " application_name = 'rvi-events' AND state = 'idle'"
                                   " AND query = 'LISTEN rvi_events'", NULL, NULL);
    if (g_str_equal (n, "1"))
      return;
    g_usleep (50000);
  }
  g_error ("the event feed never listened");
}

/* ---- a WebSocket client ------------------------------------------------- */

typedef struct {
  SoupSession *session;
  SoupWebsocketConnection *ws;   /* NULL when the upgrade was refused */
  guint status;                  /* the handshake's answer */
  GPtrArray *messages;           /* JsonObject *, in order of arrival */
  guint cursor;                  /* messages before it were consumed by feed_wait */
  gboolean closed;
  gushort close_code;
  gboolean done;
  GError *error;
} Feed;

static void
on_ws_message (SoupWebsocketConnection *ws, SoupWebsocketDataType type, GBytes *data,
               gpointer user_data)
{
  Feed *f = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *text = g_bytes_get_data (data, &len);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (parser, text, (gssize) len, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_ptr_array_add (f->messages, json_object_ref (json_node_get_object (
      json_parser_get_root (parser))));
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  Feed *f = user_data;

  f->closed = TRUE;
  f->close_code = soup_websocket_connection_get_close_code (ws);
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Feed *f = user_data;

  f->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &f->error);
  if (f->ws) {
    g_signal_connect (f->ws, "message", G_CALLBACK (on_ws_message), f);
    g_signal_connect (f->ws, "closed", G_CALLBACK (on_ws_closed), f);
  }
  f->done = TRUE;
}

/* Opens the feed with a bearer @token or a session @cookie (either may be
 * NULL), sending @origin (may be NULL). Refused: ws is NULL, status set. */
static Feed *
feed_open (const char *token, const char *cookie, const char *origin)
{
  Feed *f = g_new0 (Feed, 1);
  g_autofree char *url = g_strconcat (base, RVI_EVENT_FEED_PATH, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);

  f->session = soup_session_new ();
  f->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  if (token) {
    g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (h, "Authorization", auth);
  }
  if (cookie) {
    g_autofree char *value = g_strconcat ("rvi_session=", cookie, NULL);
    soup_message_headers_replace (h, "Cookie", value);
  }
  soup_session_websocket_connect_async (f->session, msg, origin, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_ws_connected, f);
  while (!f->done)
    g_main_context_iteration (NULL, TRUE);
  f->status = soup_message_get_status (msg);
  return f;
}

static gboolean
on_expire (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static const char *
kind_of (JsonObject *o)
{
  return json_object_get_string_member_with_default (o, "kind", "");
}

/* The first message from the cursor on of @kind (and @id when not NULL),
 * waiting up to @ms; moves the cursor past it. NULL on timeout or close.
 * (transfer none) */
static JsonObject *
feed_wait (Feed *f, const char *kind, const char *id, guint ms)
{
  gboolean expired = FALSE;
  guint timer = g_timeout_add (ms, on_expire, &expired);
  JsonObject *found = NULL;

  for (;;) {
    for (; f->cursor < f->messages->len && !found; f->cursor++) {
      JsonObject *o = f->messages->pdata[f->cursor];
      if (g_str_equal (kind_of (o), kind)
          && (!id || g_strcmp0 (json_object_get_string_member_with_default (o, "id", ""),
                                id) == 0))
        found = o;
    }
    if (found || expired || f->closed)
      break;
    g_main_context_iteration (NULL, TRUE);
  }
  if (!expired)
    g_source_remove (timer);
  return found;
}

static guint
feed_count (Feed *f, const char *kind)
{
  guint n = 0;

  for (guint i = 0; i < f->messages->len; i++)
    n += g_str_equal (kind_of (f->messages->pdata[i]), kind);
  return n;
}

static void
feed_close (Feed *f)
{
  if (f->ws) {
    gboolean expired = FALSE;
    guint timer = g_timeout_add (5000, on_expire, &expired);

    if (soup_websocket_connection_get_state (f->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (f->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    while (!f->closed && !expired)
      g_main_context_iteration (NULL, TRUE);
    if (!expired)
      g_source_remove (timer);
    g_object_unref (f->ws);
  }
  g_clear_error (&f->error);
  g_ptr_array_unref (f->messages);
  g_object_unref (f->session);
  g_free (f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Feed, feed_close)

static Feed *
feed_open_hello (const char *token)
{
  Feed *f = feed_open (token, NULL, NULL);

  g_assert_no_error (f->error);
  g_assert_nonnull (f->ws);
  g_assert_cmpuint (f->status, ==, 101);
  g_assert_nonnull (feed_wait (f, "hello", NULL, 2000));
  return f;
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
  g_autoptr (Feed) anon = feed_open (NULL, NULL, NULL);
  g_autoptr (Feed) bad = feed_open ("not-a-token", NULL, NULL);
  g_autoptr (TestResponse) r = plain_request ("GET", NULL, TRUE);
  g_autoptr (TestResponse) wrong_token = plain_request ("GET", "not-a-token", TRUE);
  g_autoptr (TestResponse) not_ws = plain_request ("GET", tokens[INSPECTOR], FALSE);
  g_autoptr (TestResponse) post = plain_request ("POST", tokens[INSPECTOR], FALSE);

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
  g_autoptr (Feed) f = NULL;
  g_autoptr (TestClient) insp = test_client_new (base);
  g_autoptr (TestResponse) r = NULL;
  JsonObject *hello, *ev, *wagon;
  const char *lot;
  gint64 hello_seq;

  wait_listening ();
  f = feed_open (tokens[INSPECTOR], NULL, NULL);
  g_assert_nonnull (f->ws);
  g_assert_cmpuint (f->status, ==, 101);
  hello = feed_wait (f, "hello", NULL, 2000);
  g_assert_nonnull (hello);
  g_assert_true (json_object_has_member (hello, "seq"));
  hello_seq = json_object_get_int_member (hello, "seq");

  insp->bearer = g_strdup (tokens[INSPECTOR]);
  r = test_request (insp, "POST", "/api/lots", "{\"declaration_no\": \"070020261000000302\","
                    " \"waybill_no\": \"EV-API-1\", \"wagons\": [{\"number\": \"4012345\"}]}",
                    NULL);
  g_assert_cmpuint (r->status, ==, 201);
  lot = test_json_string (r, "lot.id");
  g_assert_nonnull (lot);
  ev = feed_wait (f, "lot", lot, 2000);
  g_assert_nonnull (ev);
  g_assert_cmpstr (json_object_get_string_member (ev, "lot_id"), ==, lot);
  g_assert_cmpint (json_object_get_int_member (ev, "seq"), >, hello_seq);
  g_assert_cmpuint (json_object_get_size (ev), ==, 4);   /* seq, kind, id, lot_id */
  wagon = feed_wait (f, "wagon", NULL, 2000);
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
  g_autoptr (Feed) op = NULL;
  g_autoptr (Feed) insp = NULL;
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
  op = feed_open_hello (tokens[OPERATOR]);
  insp = feed_open_hello (tokens[INSPECTOR]);
  lot = make_lot ();
  g_assert_nonnull (feed_wait (op, "lot", lot, 2000));
  g_assert_nonnull (feed_wait (insp, "lot", lot, 2000));

  c->bearer = g_strdup (tokens[INSPECTOR]);
  path = g_strdup_printf ("/api/lots/%s/decisions", lot);
  body = g_strdup_printf ("{\"category\": \"RELEASE_ONWARD\", \"reasons\": [\"RANDOM_SELECTION\"],"
                          " \"note\": \"seen on video\", \"cameras\": [\"%s\"], \"from\": \"%s\","
                          " \"to\": \"%s\"}", camera, from, to);
  r = test_request (c, "POST", path, body, NULL);
  if (r->status != 201)
    g_error ("decision: %u %s", r->status, r->body);
  decision = test_json_string (r, "id");
  g_assert_nonnull (feed_wait (insp, "decision", decision, 2000));

  /* a lot created after the decision: once the operator has it, a
   * decision event would have come before it (one connection, in order) */
  marker = make_lot ();
  g_assert_nonnull (feed_wait (op, "lot", marker, 2000));
  g_assert_cmpuint (feed_count (op, "decision"), ==, 0);
  for (guint i = 0; i < op->messages->len; i++) {
    const char *kind = kind_of (op->messages->pdata[i]);
    if (!g_strv_contains ((const char *const[]) { "hello", "resync", "lot", "lot_status", "wagon",
                                                  NULL }, kind))
      g_error ("an operator got a %s event", kind);
  }
  g_assert_cmpuint (feed_count (insp, "decision"), ==, 1);
}

/* A cookie session must come from the server's own origin; a token may not. */
static void
test_cookie_origin (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *session = NULL;
  g_autofree char *csrf = NULL;
  g_autoptr (Feed) same = NULL;
  g_autoptr (Feed) foreign = NULL;
  g_autoptr (Feed) bearer_foreign = NULL;

  g_assert_true (rvi_sessions_create (conn, user_ids[AUDITOR], 3600, "127.0.0.1", "test",
                                      &session, &csrf, &error));
  g_assert_no_error (error);
  same = feed_open (NULL, session, base);
  g_assert_nonnull (same->ws);
  g_assert_nonnull (feed_wait (same, "hello", NULL, 2000));
  foreign = feed_open (NULL, session, "http://evil.example");
  g_assert_null (foreign->ws);
  g_assert_cmpuint (foreign->status, ==, 403);
  bearer_foreign = feed_open (tokens[AUDITOR], NULL, "http://evil.example");
  g_assert_nonnull (bearer_foreign->ws);
}

/* PostgreSQL restarts under the running server: the client stays, gets a
 * resync, and later events arrive. */
static void
test_postgres_restart (void)
{
  g_autoptr (Feed) f = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *lot = NULL;
  JsonObject *hello, *resync, *ev;

  wait_listening ();
  f = feed_open_hello (tokens[AUDITOR]);
  hello = f->messages->pdata[0];
  g_assert_cmpuint (feed_count (f, "resync"), ==, 0);

  g_clear_pointer (&conn, PQfinish);
  rvi_embedded_pg_stop (pg);
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  conn = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  g_assert_no_error (error);

  resync = feed_wait (f, "resync", NULL, 45000);   /* back-off: 1, 2, 4 ... s */
  g_assert_nonnull (resync);
  g_assert_false (f->closed);
  g_assert_cmpint (json_object_get_int_member (resync, "seq"), >,
                   json_object_get_int_member (hello, "seq"));
  lot = make_lot ();
  ev = feed_wait (f, "lot", lot, 2000);
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
      g_uri_get_port (uri), tokens[INSPECTOR]);
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
  g_autoptr (Feed) after = NULL;
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
    g_free (db_value ("WITH n AS (INSERT INTO lots (declaration_id, lot_no, created_by)"
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
  after = feed_open_hello (tokens[INSPECTOR]);
  {
    g_autofree char *lot = make_lot ();
    g_assert_nonnull (feed_wait (after, "lot", lot, 15000));
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
  g_autoptr (Feed) f = feed_open_hello (tokens[OPERATOR]);
  GThread *stopper = g_thread_new ("stop", stop_server, g_steal_pointer (&ts));
  gboolean expired = FALSE;
  guint timer = g_timeout_add (10000, on_expire, &expired);

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
  static const char *names[] = { "insp", "oper", "aud" };
  static const char *roles[] = { "inspector", "operator", "auditor" };
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_log, NULL, NULL);
  g_log_set_handler ("libsoup", G_LOG_LEVEL_DEBUG, ignore_log, NULL);   /* one line a frame */
  rvi_test_watchdog (240);
  g_assert_true (rvi_secrets_init (NULL));
  tmpdir = rvi_test_make_tmpdir ("rvi-test-events");
  pg_dir = g_build_filename (tmpdir, "own-pg", NULL);
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  rvi_config_init (&config);
  g_free (config.data_dir);
  config.data_dir = g_strdup (tmpdir);
  g_free (config.listen);
  config.listen = g_strdup ("127.0.0.1:0");
  config.database_url = g_strdup (rvi_embedded_pg_get_conninfo (pg));
  config.recording = FALSE;
  ts = rvi_test_server_start (&config);
  base = g_strdup (rvi_test_server_url (ts));
  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  conn = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  g_assert_no_error (error);
  for (int i = 0; i < N_USERS; i++) {
    g_autoptr (PGresult) u = rvi_users_insert (conn, names[i], names[i], roles[i], "x", &error);
    g_assert_no_error (error);
    user_ids[i] = g_strdup (PQgetvalue (u, 0, 0));
    tokens[i] = rvi_api_tokens_create (conn, user_ids[i], "test", &error);
    g_assert_no_error (error);
  }
  camera = db_value ("INSERT INTO cameras (name, url, recording) VALUES ('siding 5',"
                     " 'rtsp://127.0.0.1:1/cam5', false) RETURNING id", NULL, NULL);
  g_free (db_value ("INSERT INTO declarations (number, customs_code, import, created_by)"
                    " VALUES ($1::text, substr ($1::text, 1, 4), true, $2::uuid) RETURNING id",
                    DECL, user_ids[INSPECTOR]));

  g_test_add_func ("/events/refused", test_refused);
  g_test_add_func ("/events/lot-event", test_lot_event);
  g_test_add_func ("/events/operator-filter", test_operator_filter);
  g_test_add_func ("/events/cookie-origin", test_cookie_origin);
  g_test_add_func ("/events/postgres-restart", test_postgres_restart);
  g_test_add_func ("/events/slow-client", test_slow_client);
  g_test_add_func ("/events/shutdown", test_shutdown);
  status = g_test_run ();

  g_clear_pointer (&conn, PQfinish);
  rvi_test_server_stop (ts);   /* NULL when /events/shutdown ran */
  rvi_embedded_pg_stop (pg);
  for (int i = 0; i < N_USERS; i++) {
    g_free (tokens[i]);
    g_free (user_ids[i]);
  }
  g_free (camera);
  g_free (base);
  rvi_config_clear (&config);
  rvi_test_rmtree (tmpdir);
  g_free (tmpdir);
  g_free (pg_dir);
  g_string_free (log_text, TRUE);
  return status;
}
