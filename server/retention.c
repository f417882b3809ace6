/* retention.c: age and disk-pressure deletion of segments. */
#define G_LOG_DOMAIN "rvi-retention"
#include "retention.h"
#include "db.h"
#include "rvi-error.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/statvfs.h>

#define BATCH "500"

/* Nobody is reading it (api-replay.c leases what it serves). Checked
 * again in the claim below: the claim and a reader's lease update the same
 * row, so whichever comes second sees the other. */
#define UNLEASED "(read_lease_until IS NULL OR read_lease_until < now())"

/* a closed segment of this node that no active hold touches, not leased */
#define UNHELD \
  "s.node = $1 AND s.status = 'closed' AND " UNLEASED " AND NOT EXISTS (SELECT 1 FROM holds h" \
  " WHERE h.camera_id = s.camera_id AND h.released_at IS NULL" \
  " AND h.start_at < s.end_at AND h.end_at > s.start_at)"

gboolean
rvi_disk_space (const char *path, guint64 *free_bytes, guint64 *total_bytes)
{
  struct statvfs st;

  if (statvfs (path, &st) != 0)
    return FALSE;
  *free_bytes = (guint64) st.f_bavail * st.f_frsize;
  *total_bytes = (guint64) st.f_blocks * st.f_frsize;
  return TRUE;
}

/* Sets @deleted and @freed when the row was deleted (it may have changed
 * since it was selected). */
static gboolean
delete_one (PGconn *conn, const char *media_dir, const char *id, gboolean *deleted,
            guint64 *freed, GError **error)
{
  const char *params[] = { id };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "UPDATE segments SET status = 'deleting' WHERE id = $1::bigint AND status = 'closed'"
      " AND " UNLEASED
      " RETURNING path, coalesce(bytes, 0)", 1, params, error);
  g_autofree char *full = NULL;

  *freed = 0;
  *deleted = FALSE;
  if (!res)
    return FALSE;
  if (PQntuples (res) == 0)
    return TRUE;
  full = g_build_filename (media_dir, PQgetvalue (res, 0, 0), NULL);
  if (g_unlink (full) != 0 && errno != ENOENT) {
    /* leave it 'deleting'; the next start-up repair retries */
    g_warning ("cannot remove %s: %s", full, g_strerror (errno));
    return TRUE;
  }
  *freed = (guint64) rvi_db_int64 (res, 0, 1);
  *deleted = TRUE;
  return rvi_db_run (conn, "DELETE FROM segments WHERE id = $1::bigint", 1, params, error);
}

static gboolean
delete_rows (PGconn *conn, const char *media_dir, PGresult *res, guint *count, guint64 *freed,
             guint64 stop_after, GError **error)
{
  for (int i = 0; i < PQntuples (res); i++) {
    guint64 n = 0;
    gboolean deleted = FALSE;

    if (stop_after && *freed >= stop_after)
      break;
    if (!delete_one (conn, media_dir, PQgetvalue (res, i, 0), &deleted, &n, error))
      return FALSE;
    if (deleted)
      (*count)++;
    *freed += n;
  }
  return TRUE;
}

static gboolean
by_age (PGconn *conn, const char *node, const char *media_dir, RviRetentionReport *r,
        GError **error)
{
  const char *params[] = { node };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT s.id FROM segments s JOIN cameras c ON c.id = s.camera_id WHERE " UNHELD
      " AND s.end_at < now() - make_interval(days => c.retention_days)"
      " ORDER BY s.start_at LIMIT " BATCH, 1, params, error);

  return res && delete_rows (conn, media_dir, res, &r->deleted_by_age, &r->freed_bytes, 0, error);
}

static gboolean
by_pressure (PGconn *conn, const char *node, const char *media_dir,
             const RviRetentionPolicy *policy, RviRetentionReport *r, GError **error)
{
  const char *params[] = { node };
  g_autoptr (PGresult) used_res = rvi_db_exec (conn, "SELECT coalesce(sum(bytes), 0) FROM segments"
                                               " WHERE node = $1", 1, params, error);
  guint64 used, need = 0, freed = 0;

  if (!used_res)
    return FALSE;
  used = (guint64) rvi_db_int64 (used_res, 0, 0);
  if (r->disk_free_bytes < policy->min_free_bytes)
    need = policy->min_free_bytes - r->disk_free_bytes;
  if (policy->quota_bytes && used > policy->quota_bytes)
    need = MAX (need, used - policy->quota_bytes);
  while (need > freed) {
    g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT s.id FROM segments s WHERE " UNHELD
                                            " ORDER BY s.start_at LIMIT " BATCH, 1, params, error);
    guint before = r->deleted_by_pressure;

    if (!res || !delete_rows (conn, media_dir, res, &r->deleted_by_pressure, &freed, need, error))
      return FALSE;
    if (r->deleted_by_pressure == before)
      break;   /* nothing unheld is left */
  }
  r->freed_bytes += freed;
  r->disk_full = need > freed;
  return TRUE;
}

gboolean
rvi_retention_run (PGconn *conn, const char *node, const char *media_dir,
                   const RviRetentionPolicy *policy, RviRetentionReport *report, GError **error)
{
  memset (report, 0, sizeof *report);
  if (!by_age (conn, node, media_dir, report, error))
    return FALSE;
  if (!rvi_disk_space (media_dir, &report->disk_free_bytes, &report->disk_total_bytes)) {
    g_warning ("cannot read free space of %s: %s", media_dir, g_strerror (errno));
    return TRUE;
  }
  return by_pressure (conn, node, media_dir, policy, report, error);
}
