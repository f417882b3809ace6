/* camera-leases.c: which node records each camera (camera-leases.h). */
#define G_LOG_DOMAIN "rvi-cameras"
#include "camera-leases.h"
#include "db.h"

#include <string.h>

void
rvi_lease_claim_free (gpointer data)
{
  RviLeaseClaim *c = data;

  g_free (c->camera_id);
  g_free (c->previous_node);
  g_free (c);
}

void
rvi_lease_tick_clear (RviLeaseTick *tick)
{
  g_clear_pointer (&tick->held, g_hash_table_unref);
  g_clear_pointer (&tick->claims, g_ptr_array_unref);
  g_clear_pointer (&tick->hand_over, g_free);
}

/* Heartbeat, a row per camera, release of what the node may not hold. */
static const char *const prepare_sql[] = {
  "UPDATE nodes SET last_seen = now() WHERE name = $1",
  "INSERT INTO camera_leases (camera_id) SELECT c.id FROM cameras c"
  " WHERE c.deleted_at IS NULL"
  " AND NOT EXISTS (SELECT 1 FROM camera_leases l WHERE l.camera_id = c.id)"
  " ON CONFLICT (camera_id) DO NOTHING",
  "UPDATE camera_leases l SET released = true, expires_at = now() FROM cameras c"
  " WHERE l.node = $1 AND NOT l.released AND c.id = l.camera_id"
  " AND (c.deleted_at IS NOT NULL OR NOT $1 = ANY (coalesce (c.pinned_nodes, ARRAY[$1])))",
};

#define RENEW_SQL                                                                          \
  "UPDATE camera_leases SET expires_at = now() + $2::int * interval '1 second'"           \
  " WHERE node = $1 AND NOT released RETURNING camera_id::text"

/* Cameras and live nodes (those that ticked within half a lease). */
#define COUNT_SQL                                                                          \
  "SELECT (SELECT count(*) FROM cameras WHERE deleted_at IS NULL),"                        \
  " (SELECT count(*) FROM nodes WHERE name = $1"                                           \
  "  OR last_seen > now() - $2::int * interval '500 milliseconds')"

/* Leases that ran out or were let go: every one pinned to this node, and
 * up to $3 others, the node's own first, then cameras never recorded, then
 * the oldest; locked, re-checked, taken. With each, the end of what is
 * available of its recording: its last closed segment or gap, or, when
 * another node left a segment open (on its disk: it died, or its close is
 * not written yet), the last time that node was seen, not before the
 * segment's start (it recorded at least until then; when it runs again
 * and closes the segment, index-writer.c moves the gap's start to the
 * segment's end). */
#define CLAIM_SQL                                                                          \
  "WITH free AS ("                                                                         \
  "  SELECT l.camera_id, l.node, l.released, c.pinned_nodes IS NOT NULL AS pinned,"        \
  "   row_number () OVER (PARTITION BY c.pinned_nodes IS NOT NULL"                         \
  "    ORDER BY l.node = $1 DESC, l.node = '' DESC, c.created_at) AS rank"                 \
  "  FROM camera_leases l JOIN cameras c ON c.id = l.camera_id"                            \
  "  WHERE c.deleted_at IS NULL AND $1 = ANY (coalesce (c.pinned_nodes, ARRAY[$1]))"      \
  "  AND l.expires_at < now()),"                                                           \
  " cand AS ("                                                                             \
  "  SELECT l.camera_id, l.node, l.released FROM camera_leases l"                          \
  "  JOIN free f ON f.camera_id = l.camera_id"                                             \
  "  WHERE l.expires_at < now() AND (f.pinned OR f.rank <= $3::int)"                       \
  "  FOR UPDATE OF l SKIP LOCKED),"                                                        \
  " taken AS ("                                                                            \
  "  UPDATE camera_leases l SET node = $1, released = false, claimed_at = now(),"          \
  "   expires_at = now() + $2::int * interval '1 second'"                                  \
  "  FROM cand WHERE l.camera_id = cand.camera_id"                                         \
  "  RETURNING l.camera_id, cand.node AS previous, cand.released)"                         \
  " SELECT t.camera_id::text, t.previous, t.released,"                                     \
  "  coalesce ((extract (epoch FROM greatest ("                                            \
  "   (SELECT s.end_at FROM segments s WHERE s.camera_id = t.camera_id"                    \
  "    AND s.status = 'closed' ORDER BY s.start_at DESC LIMIT 1),"                         \
  "   (SELECT g.end_at FROM gaps g WHERE g.camera_id = t.camera_id"                        \
  "    AND g.end_at IS NOT NULL ORDER BY g.start_at DESC LIMIT 1),"                        \
  "   (SELECT CASE WHEN t.previous = $1 THEN s.start_at"                                  \
  "     ELSE greatest (s.start_at, least (n.last_seen, now ())) END"                      \
  "    FROM segments s LEFT JOIN nodes n ON n.name = s.node WHERE s.camera_id = t.camera_id" \
  "    AND s.status = 'open' AND s.node = t.previous ORDER BY s.start_at DESC LIMIT 1)))"  \
  "   * 1000000)::bigint, 0)"                                                              \
  " FROM taken t"

#define SPARE_SQL                                                                          \
  "SELECT l.camera_id::text FROM camera_leases l JOIN cameras c ON c.id = l.camera_id"     \
  " WHERE l.node = $1 AND NOT l.released AND c.pinned_nodes IS NULL"                      \
  " ORDER BY l.claimed_at DESC LIMIT 1"

static gboolean
tick_work (PGconn *conn, const char *node, guint lease_s, RviLeaseTick *tick, GError **error)
{
  g_autofree char *lease = g_strdup_printf ("%u", lease_s);
  g_autoptr (PGresult) renewed = NULL;
  g_autoptr (PGresult) counts = NULL;
  const char *params[] = { node, lease, NULL };
  gint64 cameras, share, live_nodes;
  guint held;

  for (guint i = 0; i < G_N_ELEMENTS (prepare_sql); i++)
    if (!rvi_db_run (conn, prepare_sql[i], strstr (prepare_sql[i], "$1") ? 1 : 0, params, error))
      return FALSE;
  renewed = rvi_db_exec (conn, RENEW_SQL, 2, params, error);
  counts = renewed ? rvi_db_exec (conn, COUNT_SQL, 2, params, error) : NULL;
  if (!counts)
    return FALSE;
  for (int i = 0; i < PQntuples (renewed); i++)
    g_hash_table_add (tick->held, g_strdup (PQgetvalue (renewed, i, 0)));
  cameras = rvi_db_int64 (counts, 0, 0);
  live_nodes = MAX (rvi_db_int64 (counts, 0, 1), 1);
  share = (cameras + live_nodes - 1) / live_nodes;
  held = g_hash_table_size (tick->held);
  {
    g_autofree char *room = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (share - held, 0));
    const char *claim_params[] = { node, lease, room };
    g_autoptr (PGresult) taken = rvi_db_exec (conn, CLAIM_SQL, 3, claim_params, error);

    if (!taken)
      return FALSE;
    for (int i = 0; i < PQntuples (taken); i++) {
      RviLeaseClaim *c = g_new0 (RviLeaseClaim, 1);

      c->camera_id = g_strdup (PQgetvalue (taken, i, 0));
      c->previous_node = g_strdup (PQgetvalue (taken, i, 1));
      c->released = rvi_db_bool (taken, i, 2);
      c->last_end_us = rvi_db_int64 (taken, i, 3);
      g_hash_table_add (tick->held, g_strdup (c->camera_id));
      g_ptr_array_add (tick->claims, c);
    }
  }
  held = g_hash_table_size (tick->held);
  if (held > share && live_nodes > 1) {
    /* the one to hand over: not pinned here, the last claimed */
    g_autoptr (PGresult) spare = rvi_db_exec (conn, SPARE_SQL, 1, params, error);

    if (!spare)
      return FALSE;
    if (PQntuples (spare) == 1)
      tick->hand_over = g_strdup (PQgetvalue (spare, 0, 0));
  }
  return TRUE;
}

gboolean
rvi_camera_leases_tick (PGconn *conn, const char *node, guint lease_s, RviLeaseTick *tick,
                        GError **error)
{
  tick->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tick->claims = g_ptr_array_new_with_free_func (rvi_lease_claim_free);
  if (!rvi_db_begin (conn, error))
    return FALSE;
  if (!tick_work (conn, node, lease_s, tick, error)) {
    rvi_db_rollback (conn);
    g_hash_table_remove_all (tick->held);
    g_ptr_array_set_size (tick->claims, 0);
    return FALSE;
  }
  return rvi_db_commit (conn, error);
}

gboolean
rvi_camera_leases_release (PGconn *conn, const char *node, const char *const *camera_ids,
                           GError **error)
{
  g_autoptr (GString) ids = g_string_new ("{");
  const char *params[] = { node, NULL };

  if (camera_ids == NULL)
    return rvi_db_run (conn, "UPDATE camera_leases SET released = true, expires_at = now()"
                       " WHERE node = $1 AND NOT released", 1, params, error);
  for (guint i = 0; camera_ids[i]; i++)
    g_string_append_printf (ids, "%s%s", i ? "," : "", camera_ids[i]);
  g_string_append_c (ids, '}');
  params[1] = ids->str;
  return rvi_db_run (conn, "UPDATE camera_leases SET released = true, expires_at = now()"
                     " WHERE node = $1 AND NOT released AND camera_id = ANY ($2::uuid[])", 2,
                     params, error);
}

void
rvi_lease_claim_gap (const RviLeaseClaim *claim, const char *node, const char **cause,
                     char **detail)
{
  *cause = NULL;
  *detail = NULL;
  if (claim->previous_node[0] == '\0' || g_str_equal (claim->previous_node, node)) {
    if (claim->last_end_us == 0)
      return;
    *cause = "server_restart";
    *detail = g_strdup ("rvi was not running");
  } else {
    *cause = "node_failover";
    *detail = g_strdup_printf (claim->released ? "node %s handed the camera over to node %s"
                                               : "node %s stopped renewing its lease; node %s"
                                                 " took the camera over",
                               claim->previous_node, node);
  }
}
