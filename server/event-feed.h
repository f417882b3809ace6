/* event-feed.h: RviEventFeed, live change events for the UI over a
 * WebSocket (GET /api/events).
 *
 * PostgreSQL triggers NOTIFY rvi_events on every change of the inspection
 * workflow (sql/003); the feed listens on one dedicated connection and
 * sends each event to the connected clients that may see it. Main loop
 * only. Messages (one JSON object per text frame):
 *
 *   {"kind": "hello", "seq": N}                  first, N = the last seq sent
 *   {"seq": N, "kind": K, "id": ID, "lot_id": LOT}   K one of lot, lot_status,
 *       wagon, inspection, inspection_signed, mark, decision,
 *       decision_approval, lab_result, camera_alert (ID: the camera); LOT
 *       may be null
 *   {"seq": N, "kind": "resync"}                 events may have been lost
 *                                                (database reconnected): refetch
 *
 * seq increases by one per broadcast message of this process (a client may
 * skip numbers: it does not see every kind). Operators get only lot,
 * lot_status, wagon and camera_alert; inspectors, auditors and admins
 * everything. A client that falls behind is closed with RVI_EVENT_FEED_CLOSE_TOO_SLOW; one
 * whose session ends with RVI_EVENT_FEED_CLOSE_SESSION; at shutdown clients
 * are closed with 1001 (going away). */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "roles.h"
#include "ws-upgrade.h"

G_BEGIN_DECLS

#define RVI_EVENT_FEED_PATH "/api/events"

/* WebSocket close code for a client whose queue overflowed. */
#define RVI_EVENT_FEED_CLOSE_TOO_SLOW 4008
/* WebSocket close code for a client whose session or token ended, whose
 * user changed (role, disabled, deleted), or whose session is due for a
 * check (after session_idle seconds): it asks GET /api/session and, when
 * that still answers, reconnects. */
#define RVI_EVENT_FEED_CLOSE_SESSION 4001

typedef struct _RviEventFeed RviEventFeed;

typedef struct {
  gboolean listening;        /* the LISTEN connection is up */
  guint clients;             /* open WebSockets */
  guint64 events;            /* notifications received */
  guint64 messages;          /* messages handed to clients */
  guint64 dropped;           /* clients closed for falling behind */
  guint64 session_closes;    /* clients closed: session ended, changed or due a check */
  guint64 connects;          /* LISTEN connections made */
} RviEventFeedStats;

/* Returns (transfer full) a feed bound to the thread-default main context.
 * It starts connecting to @conninfo at once, on a worker thread, and
 * reconnects whenever the connection is lost. */
RviEventFeed *rvi_event_feed_new (const char *conninfo, int connect_timeout_s);

/* Answers @msg (paused, checked, its user authenticated as @who) with
 * 101; once libsoup has written it, the connection becomes a client of
 * @feed, closed with RVI_EVENT_FEED_CLOSE_SESSION when its credential
 * ends. The caller unpauses @msg. Returns FALSE with @error when the
 * handshake is refused. */
gboolean rvi_event_feed_accept (RviEventFeed *feed, SoupServerMessage *msg,
                                const RviWsIdentity *who, GError **error);

/* Told when a credential ended (@credential: hex SHA-256 of the token) or
 * a user changed (@user_id); one of them is NULL. Main loop. */
typedef void (*RviEventFeedCredentialFunc) (const char *credential, const char *user_id,
                                            gpointer user_data);

/* One watcher (the live video sessions); NULL @func removes it. */
void rvi_event_feed_set_credential_watcher (RviEventFeed *feed, RviEventFeedCredentialFunc func,
                                            gpointer user_data);

void rvi_event_feed_get_stats (RviEventFeed *feed, RviEventFeedStats *stats);

/* Closes every client (1001), waits up to 2 s for their closing
 * handshakes and for a connection attempt in flight, closes the LISTEN
 * connection and frees @feed. NULL is ignored. */
void rvi_event_feed_free (RviEventFeed *feed);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviEventFeed, rvi_event_feed_free)

G_END_DECLS
