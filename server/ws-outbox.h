/* ws-outbox.h: RviWsOutbox, a bounded queue of messages in front of one
 * server WebSocket.
 *
 * libsoup queues whatever it is given, without limit, and does not say
 * how much it holds. So a message is handed to libsoup only while the
 * socket is writable (the kernel takes it at once); otherwise it waits
 * here, flushed by a G_IO_OUT source. The queue is bounded in messages
 * and bytes: a push beyond either is refused and the owner closes the
 * client. The socket's send buffer is fixed (no autotuning to megabytes),
 * so a client costs at most its queue plus that buffer. Main loop only. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _RviWsOutbox RviWsOutbox;

/* @ws and @socket are referenced. @sndbuf: the socket's send buffer in
 * bytes (0 leaves the kernel's). The G_IO_OUT source attaches to @context. */
RviWsOutbox *rvi_ws_outbox_new (SoupWebsocketConnection *ws, GSocket *socket,
                                GMainContext *context, guint max_messages, gsize max_bytes,
                                int sndbuf);
void rvi_ws_outbox_free (RviWsOutbox *box);

/* Queues @msg (a reference is taken) and flushes what the socket takes.
 * FALSE, queuing nothing, when the queue is full. */
gboolean rvi_ws_outbox_push (RviWsOutbox *box, SoupWebsocketDataType type, GBytes *msg);

/* Drops what waits (the client is closing). */
void rvi_ws_outbox_clear (RviWsOutbox *box);

/* Called on a periodic sweep: the number of consecutive sweeps that found
 * messages waiting (0 when the queue is empty). */
guint rvi_ws_outbox_sweep (RviWsOutbox *box);

guint rvi_ws_outbox_get_length (RviWsOutbox *box);
gsize rvi_ws_outbox_get_bytes (RviWsOutbox *box);
/* Messages handed to libsoup so far. */
guint64 rvi_ws_outbox_get_sent (RviWsOutbox *box);

G_END_DECLS
