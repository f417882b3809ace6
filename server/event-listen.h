/* event-listen.h: RviEventListen, the dedicated PostgreSQL connection that
 * LISTENs on the rvi_events channel.
 *
 * It connects on a worker thread, watches its socket from the main loop,
 * hands every notification's payload to a callback and reconnects after a
 * back-off whenever the connection is lost. Main loop only: the callbacks
 * run on the thread-default main context of rvi_event_listen_new(). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RviEventListen RviEventListen;

typedef struct {
  gboolean listening; /* the LISTEN connection is up */
  guint64 connects;   /* LISTEN connections made */
  guint64 events;     /* notifications received */
} RviEventListenStats;

/* One notification; @payload (transfer none) is its text, unchecked. */
typedef void (*RviEventListenNotifyFunc) (const char *payload, gpointer user_data);

/* LISTEN is established: @reconnected is FALSE the first time, TRUE when
 * it was re-established (notifications may have been lost meanwhile).
 * Notifications that arrived with the LISTEN answer follow this call. */
typedef void (*RviEventListenConnectedFunc) (gboolean reconnected, gpointer user_data);

/* Returns (transfer full) a listener bound to the thread-default main
 * context. It starts connecting to @conninfo at once (each attempt bounded
 * by @connect_timeout_s), and reconnects whenever the connection is lost.
 * @notification and @connected (either may be NULL) get @user_data. */
RviEventListen *rvi_event_listen_new (const char *conninfo, int connect_timeout_s,
                                      RviEventListenNotifyFunc notification,
                                      RviEventListenConnectedFunc connected, gpointer user_data);

void rvi_event_listen_get_stats (RviEventListen *listener, RviEventListenStats *stats);

/* Closes the connection and stops reconnecting: no callback runs after
 * this. A connection attempt in flight is left to finish; its result is
 * discarded. Idempotent. */
void rvi_event_listen_stop (RviEventListen *listener);

/* Stops @listener, waits (iterating its main context, bounded by the connect
 * timeout) for a connection attempt in flight and frees @listener. NULL is
 * ignored. */
void rvi_event_listen_free (RviEventListen *listener);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviEventListen, rvi_event_listen_free)

G_END_DECLS
