/* ws-outbox.c: see ws-outbox.h. */
#define G_LOG_DOMAIN "rvi-http"
#include "ws-outbox.h"

#include <sys/socket.h>

typedef struct {
  SoupWebsocketDataType type;
  GBytes *msg;
} Item;

struct _RviWsOutbox {
  SoupWebsocketConnection *ws;
  GSocket *socket;
  GMainContext *context;
  guint max_messages;
  gsize max_bytes;
  GQueue queue;            /* Item *, not yet handed to libsoup */
  gsize bytes;
  GSource *writable;       /* G_IO_OUT while the queue is not empty */
  guint stalled;
  guint64 sent;
};

static void
item_free (Item *item)
{
  g_bytes_unref (item->msg);
  g_free (item);
}

RviWsOutbox *
rvi_ws_outbox_new (SoupWebsocketConnection *ws, GSocket *socket, GMainContext *context,
                   guint max_messages, gsize max_bytes, int sndbuf)
{
  RviWsOutbox *box = g_new0 (RviWsOutbox, 1);
  g_autoptr (GError) error = NULL;

  box->ws = g_object_ref (ws);
  box->socket = g_object_ref (socket);
  box->context = g_main_context_ref (context);
  box->max_messages = max_messages;
  box->max_bytes = max_bytes;
  g_queue_init (&box->queue);
  if (sndbuf > 0 && !g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, sndbuf, &error))
    g_debug ("cannot size the send buffer: %s", error->message);
  return box;
}

void
rvi_ws_outbox_clear (RviWsOutbox *box)
{
  g_queue_clear_full (&box->queue, (GDestroyNotify) item_free);
  box->bytes = 0;
  box->stalled = 0;
  if (box->writable) {
    g_source_destroy (box->writable);
    g_clear_pointer (&box->writable, g_source_unref);
  }
}

void
rvi_ws_outbox_free (RviWsOutbox *box)
{
  if (!box)
    return;
  rvi_ws_outbox_clear (box);
  g_object_unref (box->ws);
  g_object_unref (box->socket);
  g_main_context_unref (box->context);
  g_free (box);
}

static void flush (RviWsOutbox *box);

static gboolean
on_writable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  RviWsOutbox *box = user_data;

  g_clear_pointer (&box->writable, g_source_unref);  /* removed by returning */
  if (condition & (G_IO_ERR | G_IO_HUP))
    rvi_ws_outbox_clear (box);                       /* libsoup sees the end itself */
  else
    flush (box);
  return G_SOURCE_REMOVE;
}

static void
flush (RviWsOutbox *box)
{
  if (soup_websocket_connection_get_state (box->ws) != SOUP_WEBSOCKET_STATE_OPEN) {
    rvi_ws_outbox_clear (box);
    return;
  }
  while (!g_queue_is_empty (&box->queue)
         && (g_socket_condition_check (box->socket, G_IO_OUT) & G_IO_OUT)) {
    Item *item = g_queue_pop_head (&box->queue);

    box->bytes -= g_bytes_get_size (item->msg);
    soup_websocket_connection_send_message (box->ws, item->type, item->msg);
    box->sent++;
    item_free (item);
  }
  if (g_queue_is_empty (&box->queue)) {
    box->stalled = 0;
  } else if (!box->writable) {
    box->writable = g_socket_create_source (box->socket, G_IO_OUT, NULL);
    g_source_set_callback (box->writable, G_SOURCE_FUNC (on_writable), box, NULL);
    g_source_attach (box->writable, box->context);
  }
}

gboolean
rvi_ws_outbox_push (RviWsOutbox *box, SoupWebsocketDataType type, GBytes *msg)
{
  gsize size = g_bytes_get_size (msg);
  Item *item;

  if (box->queue.length >= box->max_messages || box->bytes + size > box->max_bytes)
    return FALSE;
  item = g_new (Item, 1);
  item->type = type;
  item->msg = g_bytes_ref (msg);
  g_queue_push_tail (&box->queue, item);
  box->bytes += size;
  flush (box);
  return TRUE;
}

guint
rvi_ws_outbox_sweep (RviWsOutbox *box)
{
  if (g_queue_is_empty (&box->queue))
    box->stalled = 0;
  else
    box->stalled++;
  return box->stalled;
}

guint
rvi_ws_outbox_get_length (RviWsOutbox *box)
{
  return box->queue.length;
}

gsize
rvi_ws_outbox_get_bytes (RviWsOutbox *box)
{
  return box->bytes;
}

guint64
rvi_ws_outbox_get_sent (RviWsOutbox *box)
{
  return box->sent;
}
