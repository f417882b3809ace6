/* node-fetch.h: a copy of a file another node holds, for work that needs
 * the file itself (an export's clips and stills).
 *
 * DESIGN. The file is fetched from its holder's API route, as any client
 * would, with an API token of the user the work is done for: the holder
 * checks the role and audits the access under that user's name. The
 * token is made when the first file is needed, lives at most
 * RVI_NODE_FETCH_TOKEN_S and is revoked when the fetcher is freed. A copy
 * whose SHA-256 differs from the one its row gives is refused: what
 * arrives is what was recorded. Blocking: for worker threads only. */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

#define RVI_NODE_FETCH_TOKEN_S 3600

typedef struct _RviNodeFetcher RviNodeFetcher;

/* @user_id: whose token to make; @label: the token's label (what for);
 * @cas: the CAs of the nodes' certificates (tls_ca), NULL for the system's. */
RviNodeFetcher *rvi_node_fetcher_new (const char *user_id, const char *label, GTlsDatabase *cas);

/* Copies what GET @path (e.g. "api/marks/ID/still.jpg") of @node answers
 * to @dest and checks it against @sha256 (hex). */
gboolean rvi_node_fetch (RviNodeFetcher *f, PGconn *conn, const char *node, const char *path,
                         const char *sha256, const char *dest, GCancellable *cancel,
                         GError **error);

/* rvi_node_fetch of segment @segment_id of @camera_id. */
gboolean rvi_node_fetch_segment (RviNodeFetcher *f, PGconn *conn, const char *camera_id,
                                 const char *segment_id, const char *node, const char *sha256,
                                 const char *dest, GCancellable *cancel, GError **error);

/* Revokes the token (on @conn) and frees @f; NULL is fine. */
void rvi_node_fetcher_free (RviNodeFetcher *f, PGconn *conn);

G_END_DECLS
