/* live-session.h: RviLiveSession, one live video WebSocket (docs/live.md):
 * the hello, waiting for a picture, and the transport (WebRTC signalling,
 * fMP4 fragments for MSE, or key-frame JPEGs). Owned by RviLiveSessions
 * (live-sessions.c), which keeps the registry, the sweeps and the audit
 * events. Main loop only. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "live-feed.h"
#include "live-sessions.h"
#include "ws-upgrade.h"

G_BEGIN_DECLS

typedef struct _RviLiveSession RviLiveSession;

/* The socket closed (either side); the owner frees @session. */
typedef void (*RviLiveSessionClosed) (RviLiveSession *session, gpointer user_data);

/* Takes @ws and @socket (transfer full) and starts at once (hello). */
RviLiveSession *rvi_live_session_new (SoupWebsocketConnection *ws, GSocket *socket,
                                      const RviWsIdentity *who, RviLiveFeed *feed,
                                      RviLiveTransport transport, GMainContext *context,
                                      RviLiveSessionClosed closed, gpointer user_data);

/* Starts the closing handshake with @code; the closed callback follows. */
void rvi_live_session_close (RviLiveSession *session, gushort code, const char *reason);

/* Stops the transport and frees; no callback after it returns. */
void rvi_live_session_free (RviLiveSession *session);

const RviWsIdentity *rvi_live_session_get_identity (RviLiveSession *session);
const char *rvi_live_session_get_id (RviLiveSession *session);
RviLiveFeed *rvi_live_session_get_feed (RviLiveSession *session);
RviLiveTransport rvi_live_session_get_transport (RviLiveSession *session);
gint64 rvi_live_session_get_from_us (RviLiveSession *session);
gboolean rvi_live_session_is_closing (RviLiveSession *session);
guint64 rvi_live_session_get_bytes_sent (RviLiveSession *session);
/* The code the server closed with; 0 when the client closed first. */
gushort rvi_live_session_get_close_code (RviLiveSession *session);
/* Consecutive sweeps that found its outgoing queue stuck. */
guint rvi_live_session_sweep (RviLiveSession *session);

G_END_DECLS
