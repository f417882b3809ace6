/* feed-client.c: a blocking client of the live event feed for the HTTP
 * tests (feed-client.h). */
#include "feed-client.h"
#include "event-feed.h"

#include <string.h>

static void
on_ws_message (SoupWebsocketConnection *ws, SoupWebsocketDataType type, GBytes *data,
               gpointer user_data)
{
  TestFeed *f = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *text = g_bytes_get_data (data, &len);

  if (type == SOUP_WEBSOCKET_DATA_BINARY && f->binary) {
    gint64 now = g_get_monotonic_time ();

    g_ptr_array_add (f->binary, g_bytes_ref (data));
    g_array_append_val (f->binary_at, now);
    return;
  }
  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (parser, text, (gssize) len, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_ptr_array_add (f->messages, json_object_ref (json_node_get_object (
      json_parser_get_root (parser))));
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  TestFeed *f = user_data;

  f->closed = TRUE;
  f->close_code = soup_websocket_connection_get_close_code (ws);
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TestFeed *f = user_data;

  f->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &f->error);
  if (f->ws) {
    g_signal_connect (f->ws, "message", G_CALLBACK (on_ws_message), f);
    g_signal_connect (f->ws, "closed", G_CALLBACK (on_ws_closed), f);
  }
  f->done = TRUE;
}

TestFeed *
test_feed_open (const char *base, const char *token, const char *cookie, const char *origin)
{
  return test_feed_open_path (base, RVI_EVENT_FEED_PATH, token, cookie, origin, FALSE);
}

TestFeed *
test_feed_open_path (const char *base, const char *path, const char *token, const char *cookie,
                     const char *origin, gboolean binary)
{
  return test_feed_open_tls (base, path, token, cookie, origin, binary, NULL);
}

TestFeed *
test_feed_open_tls (const char *base, const char *path, const char *token, const char *cookie,
                    const char *origin, gboolean binary, GTlsDatabase *tls_database)
{
  TestFeed *f = g_new0 (TestFeed, 1);
  gsize n = strlen (base);
  g_autofree char *url = NULL;

  while (n > 0 && base[n - 1] == '/')
    n--;   /* the server's URL ends with one */
  url = g_strdup_printf ("%.*s%s", (int) n, base, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);

  f->session = soup_session_new ();
  if (tls_database)
    soup_session_set_tls_database (f->session, tls_database);
  f->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  f->opened_at = g_get_monotonic_time ();
  if (binary) {
    f->binary = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    f->binary_at = g_array_new (FALSE, FALSE, sizeof (gint64));
  }
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

gboolean
test_flag_expire (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_spin (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, test_flag_expire, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

const char *
test_feed_kind (JsonObject *o)
{
  if (json_object_has_member (o, "kind"))
    return json_object_get_string_member_with_default (o, "kind", "");
  return json_object_get_string_member_with_default (o, "type", "");
}

JsonObject *
test_feed_wait (TestFeed *f, const char *kind, const char *id, guint ms)
{
  gboolean expired = FALSE;
  guint timer = g_timeout_add (ms, test_flag_expire, &expired);
  JsonObject *found = NULL;

  for (;;) {
    for (; f->cursor < f->messages->len && !found; f->cursor++) {
      JsonObject *o = f->messages->pdata[f->cursor];
      if (g_str_equal (test_feed_kind (o), kind)
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

guint
test_feed_count (TestFeed *f, const char *kind)
{
  guint n = 0;

  for (guint i = 0; i < f->messages->len; i++)
    n += g_str_equal (test_feed_kind (f->messages->pdata[i]), kind);
  return n;
}

void
test_feed_close (TestFeed *f)
{
  if (f->ws) {
    gboolean expired = FALSE;
    guint timer = g_timeout_add (5000, test_flag_expire, &expired);

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
  if (f->binary) {
    g_ptr_array_unref (f->binary);
    g_array_unref (f->binary_at);
  }
  g_object_unref (f->session);
  g_free (f);
}

TestFeed *
test_feed_open_hello (const char *base, const char *token)
{
  TestFeed *f = test_feed_open (base, token, NULL, NULL);

  g_assert_no_error (f->error);
  g_assert_nonnull (f->ws);
  g_assert_cmpuint (f->status, ==, 101);
  g_assert_nonnull (test_feed_wait (f, "hello", NULL, 2000));
  return f;
}
