/* camera-leases.h: which node records each camera (camera_leases rows,
 * sql/011_camera_leases.sql). Database work only: call on a pool worker.
 *
 * DESIGN. One transaction per tick (every lease / 4): the node's heartbeat,
 * a lease row for every camera, release of leases the node may no longer
 * hold (camera deleted, pinned to other nodes), renewal of the others,
 * then claims of leases that ran out or were released: all those pinned
 * to the node, others up to its fair share: ceil(cameras / live nodes), a
 * node being live when it ticked within half a lease. Candidates are locked with SKIP LOCKED and re-checked
 * under the lock, so two nodes claiming at once never take the same camera.
 * A node holding more than its share (a node joined) hands one camera not
 * pinned to it over per tick: stops its recording, then releases it
 * (caller's work).
 * Renewal needs no lock beyond the row: a lease another node claimed is
 * no longer this node's, and the tick says so. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* A camera this tick claimed. */
typedef struct {
  char *camera_id;
  char *previous_node;    /* "" when no node recorded it before */
  gboolean released;      /* the previous node let it go (else its lease ran out) */
  gint64 last_end_us;     /* end of its last recording or gap; 0: none */
} RviLeaseClaim;

typedef struct {
  GHashTable *held;       /* camera id (char *) set: held by this node after the tick */
  GPtrArray *claims;      /* RviLeaseClaim *: claimed in this tick (also in held) */
  char *hand_over;        /* above its fair share: the camera to hand over (none pinned
                           * here), or NULL */
} RviLeaseTick;

void rvi_lease_claim_free (gpointer claim);
void rvi_lease_tick_clear (RviLeaseTick *tick);

gboolean rvi_camera_leases_tick (PGconn *conn, const char *node, guint lease_s,
                                 RviLeaseTick *tick, GError **error);

/* Lets @camera_ids go (NULL-terminated; NULL: all of @node's), for another
 * node to claim at its next tick. */
gboolean rvi_camera_leases_release (PGconn *conn, const char *node, const char *const *camera_ids,
                                    GError **error);

/* The gap cause and detail for the hole before @node records a camera it
 * claimed (NULL cause: no gap, the camera was never recorded). */
void rvi_lease_claim_gap (const RviLeaseClaim *claim, const char *node, const char **cause,
                          char **detail);

G_END_DECLS
