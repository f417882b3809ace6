/* live-relay.h: live video of a camera another node records, passed
 * through this node (docs/nodes.md, docs/live.md).
 *
 * DESIGN. A camera's live picture comes from the node that holds its
 * lease, the one running its ingest. When a browser asks another node,
 * that node opens the same WebSocket to the holder (the user's own
 * credentials, X-Rvi-Forwarded-By, the holder's own origin) and only when
 * the holder has accepted it (101) accepts the browser's; a refusal is
 * passed on as the holder's status. Then every message goes through
 * unchanged, both ways, and a close on one side closes the other with the
 * same code, so the web client reacts to the holder's codes (4404, 4415,
 * 4008, 4001) as if it spoke to the holder; the holder going away closes
 * the browser's socket with 1011 and the client reconnects, to the new
 * holder after a failover. Messages to the browser go through a bounded
 * outbox (ws-outbox.h): a browser that does not keep up is closed with
 * 4008. The holder authenticates and audits the session (its address is
 * the relaying node's). WebRTC signalling passes like the rest; the media
 * then flows between the browser and the holder directly (its ICE
 * candidates are the holder's). Main loop only. */
#pragma once

#include "http-request.h"

G_BEGIN_DECLS

typedef struct _RviLiveRelays RviLiveRelays;

RviLiveRelays *rvi_live_relays_new (RviApp *app);
/* Closes every relay (1001) and drops those still connecting. */
void rvi_live_relays_free (RviLiveRelays *relays);

/* Main step of a live request whose camera req->forward_node records:
 * connects to it and finishes @req (101 or the holder's refusal). */
void rvi_live_relay_start (RviLiveRelays *relays, RviRequest *req);

/* Relays open now, and opened since the start. */
guint rvi_live_relays_get_open (RviLiveRelays *relays);
guint64 rvi_live_relays_get_opened (RviLiveRelays *relays);

G_END_DECLS
