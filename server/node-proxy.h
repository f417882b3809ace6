/* node-proxy.h: answering for a file another node holds (docs/nodes.md).
 *
 * DESIGN. A route's database step finds which node holds what it serves
 * (rvi_node_holder()). When that is another node, it leaves the request
 * for that node: the main loop forwards it (method, path, query, Range,
 * the user's credentials) to the node's URL from its heartbeat and answers
 * with what comes back (status, body, the headers that describe the
 * body). The holder checks the credentials and audits the access itself:
 * sessions and tokens are in the shared database. A forwarded request
 * carries X-Rvi-Forwarded-By, and is never forwarded again, so two nodes
 * that disagree cannot bounce a request between them. The answer's body
 * is passed on as it arrives (http-stream.h), so a whole segment file or
 * an export package goes through without being held in memory. */
#pragma once

#include <libpq-fe.h>

#include "http-request.h"

G_BEGIN_DECLS

#define RVI_NODE_FORWARDED_BY "X-Rvi-Forwarded-By"

typedef enum {
  RVI_HOLDER_HERE,     /* serve it */
  RVI_HOLDER_FORWARD,  /* done: the main loop forwards the request */
  RVI_HOLDER_ERROR,    /* @error says why (the holder cannot be reached) */
} RviHolder;

/* Seconds since its last heartbeat within which a node counts as running
 * (its heartbeat comes every 5 s). */
#define RVI_NODE_RUNNING_S "30"

/* SQL, true for segment row @s left open by a node that stopped: it is not
 * running, or another node holds the camera now. Its file is on that
 * node's disk, cut where it stopped; the node closes the row when it runs
 * again (segment-repair.c). */
#define RVI_SEGMENT_INTERRUPTED_SQL(s)                                                    \
  "(" s ".status = 'open' AND (NOT EXISTS (SELECT 1 FROM nodes n WHERE n.name = " s       \
  ".node AND n.last_seen > now() - interval '" RVI_NODE_RUNNING_S " seconds')"            \
  " OR EXISTS (SELECT 1 FROM camera_leases l WHERE l.camera_id = " s ".camera_id"        \
  " AND l.node <> " s ".node)))"

/* Worker: @node's URL (transfer full), or NULL with @error when it is not
 * running (RVI_ERROR_NODE_UNAVAILABLE) or the database fails. */
char *rvi_node_running_url (PGconn *conn, const char *node, GError **error);

/* Worker: what to do with a request for something @node holds. */
RviHolder rvi_node_holder (RviRequest *req, PGconn *conn, const char *node, GError **error);

/* Main loop: @req as a request to req->forward_url: the same method, path
 * and query, the credentials and the headers the holder needs, with
 * X-Rvi-Forwarded-By and X-Forwarded-For. NULL (logged) when the node's
 * URL is unusable. (transfer full) */
SoupMessage *rvi_node_forward_message (RviRequest *req);

/* Main loop: forwards @req (deferred) to req->forward_url and finishes it. */
void rvi_node_proxy_start (RviRequest *req);

/* Main loop: the session requests to other nodes go through. (transfer none) */
SoupSession *rvi_node_http_client (RviApp *app);

/* The URL other nodes reach this node at: @advertise_url, else the URL it
 * listens on, with the host name for a wildcard address. (transfer full) */
char *rvi_node_url (const char *advertise_url, const char *listen_url);

G_END_DECLS
