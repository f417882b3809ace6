/* live-sessions.h: RviLiveSessions, the node's live video WebSockets
 * (GET /api/cameras/{id}/live, docs/live.md).
 *
 * http-server.c authenticates the upgrade like any request and checks the
 * camera exists; rvi_live_sessions_accept() answers 101 and, once it is
 * written, the connection becomes a live session of the camera's feed
 * (RviLiveFeed, from the node's RviLiveHub) with the transport asked for:
 * WebRTC (live-webrtc.c), fMP4 for Media Source Extensions (live-fmp4.c)
 * or key-frame JPEGs (live-jpeg.c). Sessions are closed with 4001 when
 * their credential ends (the event feed tells) or a session check is due,
 * 4404 when the camera is removed, 4008 when the client does not keep up,
 * 1001 at shutdown. Each session writes live_session_started and
 * live_session_ended audit events. Main loop only. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "app.h"
#include "live-feed.h"
#include "ws-upgrade.h"

G_BEGIN_DECLS

#define RVI_LIVE_CLOSE_SESSION 4001
#define RVI_LIVE_CLOSE_TOO_SLOW 4008
#define RVI_LIVE_CLOSE_GONE 4404
#define RVI_LIVE_CLOSE_CODEC 4415

typedef enum {
  RVI_LIVE_WEBRTC,
  RVI_LIVE_MSE,
  RVI_LIVE_JPEG,
  RVI_LIVE_TRANSPORTS
} RviLiveTransport;

/* "webrtc" -> RVI_LIVE_WEBRTC ...; FALSE for anything else. */
gboolean rvi_live_transport_parse (const char *name, RviLiveTransport *transport);
const char *rvi_live_transport_to_string (RviLiveTransport transport);

typedef struct _RviLiveSessions RviLiveSessions;

typedef struct {
  guint open[RVI_LIVE_TRANSPORTS];   /* sessions open now, by transport */
  guint64 started;
  guint64 too_slow;                  /* closed with 4008 */
  guint64 bytes_sent;                /* mse and jpeg messages */
} RviLiveSessionsStats;

/* @hub (borrowed, outlives the sessions) gives the feeds; audit events go
 * through @app's pool. */
RviLiveSessions *rvi_live_sessions_new (RviApp *app, RviLiveHub *hub);

/* Answers @msg (paused, checked, its user authenticated as @who) with 101
 * for a session of @camera_id with @transport. FALSE with @error when the
 * handshake is refused. */
gboolean rvi_live_sessions_accept (RviLiveSessions *sessions, SoupServerMessage *msg,
                                   const RviWsIdentity *who, const char *camera_id,
                                   RviLiveTransport transport, GError **error);

/* Closes the sessions of the credential (hex SHA-256) or user named. */
void rvi_live_sessions_close_for (RviLiveSessions *sessions, const char *credential,
                                  const char *user_id);

void rvi_live_sessions_get_stats (RviLiveSessions *sessions, RviLiveSessionsStats *stats);

/* Closes every session (1001) and frees @sessions. NULL is ignored. */
void rvi_live_sessions_free (RviLiveSessions *sessions);

G_END_DECLS
