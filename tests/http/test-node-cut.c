/* test-node-cut: a recording another node holds is passed on as it
 * streams (server/http-stream.c); when that node breaks off half-way, the
 * client's connection is cut too, so it never takes a short body for the
 * whole file. The "other node" is a listener in this test that answers
 * 200 with a Content-Length of 1,000,000 bytes, sends 300 KiB (more than
 * one chunk of the stream) and closes. */
#include <gio/gio.h>
#include <glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "api-fixture.h"

#define PROMISED 1000000
#define SENT (300 * 1024)

enum { AUDITOR, N_USERS };
static const ApiFixtureUser users[N_USERS] = { { "aud", "auditor" } };

static ApiFixture *fx;

typedef struct {
  GSocketListener *listener;
  GThread *thread;
  char *request;   /* what it was asked: the request line and headers */
} Holder;

/* The holder's thread: one request, half an answer, then the socket closed. */
static gpointer
holder_run (gpointer data)
{
  Holder *h = data;
  g_autoptr (GSocketConnection) conn = g_socket_listener_accept (h->listener, NULL, NULL, NULL);
  g_autoptr (GString) in = g_string_new (NULL);
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\n"
                                           "Content-Length: %d\r\n\r\n", PROMISED);
  g_autofree char *body = g_malloc (SENT);
  char buf[4096];
  gssize n;

  g_assert_nonnull (conn);
  while (!strstr (in->str, "\r\n\r\n")
         && (n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
                                      sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (in, buf, n);
  h->request = g_strdup (in->str);
  memset (body, 'x', SENT);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), head,
                             strlen (head), NULL, NULL, NULL);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), body, SENT,
                             NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return NULL;
}

static void
test_cut_mid_body (void)
{
  Holder h = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *node_url = NULL, *camera = NULL, *segment = NULL, *url = NULL;
  g_autofree char *auth = g_strdup_printf ("Bearer %s", fx->tokens[AUDITOR]);
  g_autoptr (SoupSession) s = soup_session_new_with_options ("timeout", 30, NULL);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) stream = NULL;
  char buf[64 * 1024];
  gsize got = 0;
  gssize n;

  h.listener = g_socket_listener_new ();
  g_assert_true (g_socket_listener_add_address (h.listener, any, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  node_url = g_strdup_printf ("http://127.0.0.1:%u/",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  h.thread = g_thread_new ("holder", holder_run, &h);

  camera = api_fixture_value (fx, "INSERT INTO cameras (name, url) VALUES ('cut',"
                                  " 'rtsp://127.0.0.1:9/cut') RETURNING id", NULL, NULL);
  g_free (api_fixture_value (fx, "INSERT INTO nodes (name, started_at, last_seen, url) VALUES"
                                 " ('far', now(), now(), $1) RETURNING name", node_url, NULL));
  segment = api_fixture_value (fx, "INSERT INTO segments (camera_id, node, path, status,"
                                   " start_at, end_at, duration_us, bytes, sha256) VALUES"
                                   " ($1::uuid, 'far', 'cut/segment.mp4', 'closed',"
                                   " now() - interval '10 seconds', now(), 10000000, $2::bigint,"
                                   " repeat ('a', 64)) RETURNING id", camera, G_STRINGIFY (PROMISED));

  url = g_strdup_printf ("%sapi/cameras/%s/recording.mp4?segment=%s",
                         rvi_test_server_url (fx->server), camera, segment);   /* URL ends in / */
  msg = soup_message_new ("GET", url);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  stream = soup_session_send (s, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  while ((n = g_input_stream_read (stream, buf, sizeof buf, NULL, &error)) > 0)
    got += (gsize) n;
  g_test_message ("the client read %" G_GSIZE_FORMAT " of %d bytes, then: %s", got, PROMISED,
                  error ? error->message : "end of body");
  /* the body is cut, not ended: an error, not a clean end after a short body */
  g_assert_nonnull (error);
  g_assert_cmpuint (got, <, PROMISED);
  g_thread_join (h.thread);
  g_assert_nonnull (strstr (h.request, "GET /api/cameras/"));
  g_assert_nonnull (strstr (h.request, "\r\nX-Rvi-Forwarded-By: "));
  g_free (h.request);
  g_object_unref (h.listener);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* the server warns of the cut this test provokes */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (120);
  fx = api_fixture_new ("rvi-test-node-cut");
  api_fixture_start (fx, users, N_USERS);
  g_test_add_func ("/node-cut/mid-body", test_cut_mid_body);
  status = g_test_run ();
  api_fixture_free (fx);
  return status;
}
