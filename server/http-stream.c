/* http-stream.c: an answer body passed on as it is read (http-stream.h). */
#define G_LOG_DOMAIN "rvi-http"
#include "http-stream.h"

typedef struct {
  SoupServerMessage *msg;
  GInputStream *in;
  GObject *keep;
  GCancellable *cancel;
  gulong wrote_id, finished_id;
  gboolean reading;     /* a read is in flight */
  gboolean finished;    /* libsoup is done with the message */
  gboolean ended;       /* end of stream (or failure) seen */
} Pump;

static void
pump_free_if_done (Pump *p)
{
  if (p->reading || !p->finished)
    return;
  g_signal_handler_disconnect (p->msg, p->wrote_id);
  g_signal_handler_disconnect (p->msg, p->finished_id);
  g_input_stream_close_async (p->in, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_object_unref (p->in);
  g_clear_object (&p->keep);
  g_object_unref (p->cancel);
  g_object_unref (p->msg);
  g_free (p);
}

/* Shuts the connection: the client sees the body end short. */
static void
abort_connection (Pump *p)
{
  GSocket *socket = soup_server_message_get_socket (p->msg);

  if (socket)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  soup_server_message_unpause (p->msg);
}

static void read_next (Pump *p);

static void
got_chunk (GObject *source, GAsyncResult *result, gpointer data)
{
  Pump *p = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                               &error);

  p->reading = FALSE;
  if (p->finished) {
    pump_free_if_done (p);
    return;
  }
  if (!chunk) {
    g_warning ("%s %s: the body broke off: %s", soup_server_message_get_method (p->msg),
               g_uri_get_path (soup_server_message_get_uri (p->msg)), error->message);
    p->ended = TRUE;
    abort_connection (p);
    return;
  }
  if (g_bytes_get_size (chunk) == 0) {
    p->ended = TRUE;
    soup_message_body_complete (soup_server_message_get_response_body (p->msg));
  } else {
    soup_message_body_append_bytes (soup_server_message_get_response_body (p->msg), chunk);
  }
  soup_server_message_unpause (p->msg);
}

static void
read_next (Pump *p)
{
  p->reading = TRUE;
  g_input_stream_read_bytes_async (p->in, RVI_HTTP_STREAM_CHUNK, G_PRIORITY_DEFAULT, p->cancel,
                                   got_chunk, p);
}

static void
on_wrote_chunk (SoupServerMessage *msg, gpointer data)
{
  Pump *p = data;

  if (!p->ended && !p->reading)
    read_next (p);
}

static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  Pump *p = data;

  p->finished = TRUE;
  g_cancellable_cancel (p->cancel);
  pump_free_if_done (p);
}

void
rvi_http_stream_start (SoupServerMessage *msg, GInputStream *in, goffset length, GObject *keep)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  Pump *p = g_new0 (Pump, 1);

  p->msg = g_object_ref (msg);
  p->in = g_object_ref (in);
  p->keep = keep ? g_object_ref (keep) : NULL;
  p->cancel = g_cancellable_new ();
  if (length >= 0)
    soup_message_headers_set_content_length (h, length);
  else
    soup_message_headers_set_encoding (h, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  p->wrote_id = g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk), p);
  p->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_finished), p);
  read_next (p);
}
