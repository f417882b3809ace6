/* camera-housekeeping.c: the camera manager's heartbeat (the node lives,
 * its free disk) and retention runs, which tell the supervisors when only
 * held recordings are left on a full disk. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "audit-log.h"
#include "camera-manager-private.h"
#include "retention.h"

typedef struct {
  RviCameraManager *m;
  RviRetentionReport report;
  gboolean was_full;
  char *url;                   /* heartbeat: where other nodes reach this one */
} HousekeepingJob;

static gboolean
heartbeat_work (PGconn *conn, gpointer data, GError **error)
{
  HousekeepingJob *job = data;
  guint64 free_b = 0, total_b = 0;
  g_autofree char *free_s = NULL;
  g_autofree char *total_s = NULL;

  if (rvi_disk_space (job->m->media_dir, &free_b, &total_b)) {
    free_s = g_strdup_printf ("%" G_GUINT64_FORMAT, free_b);
    total_s = g_strdup_printf ("%" G_GUINT64_FORMAT, total_b);
  }
  {
    const char *params[] = { job->m->node, free_s, total_s, job->url };
    return rvi_db_run (conn, "INSERT INTO nodes (name, started_at, last_seen, disk_free_bytes,"
                       " disk_total_bytes, url) VALUES ($1, now(), now(), $2::bigint, $3::bigint,"
                       " $4) ON CONFLICT (name) DO UPDATE SET last_seen = now(),"
                       " disk_free_bytes = $2::bigint, disk_total_bytes = $3::bigint,"
                       " url = coalesce ($4, nodes.url)", 4, params, error);
  }
}

static void
housekeeping_done (gpointer data, const GError *error)
{
  HousekeepingJob *job = data;
  job->m->jobs--;
  g_free (job->url);
  g_free (job);
}

gboolean
rvi_camera_manager_heartbeat_cb (gpointer data)
{
  RviCameraManager *m = data;
  HousekeepingJob *job = g_new0 (HousekeepingJob, 1);

  job->m = m;
  job->url = g_strdup (m->app->node_url);
  rvi_camera_manager_submit (m, heartbeat_work, housekeeping_done, job);
  return G_SOURCE_CONTINUE;
}

static gboolean
retention_work (PGconn *conn, gpointer data, GError **error)
{
  HousekeepingJob *job = data;
  RviCameraManager *m = job->m;
  const RviConfig *config = m->app->config;
  RviRetentionPolicy policy = {
    .min_free_bytes = (guint64) config->min_free_mb * 1024 * 1024,
    .quota_bytes = (guint64) config->media_quota_mb * 1024 * 1024,
  };

  if (!rvi_retention_run (conn, m->node, m->media_dir, &policy, &job->report, error))
    return FALSE;
  if (job->report.disk_full != job->was_full) {
    g_autofree char *detail = g_strdup_printf ("{\"node\": \"%s\", \"disk_free_bytes\": %"
                                               G_GUINT64_FORMAT "}", m->node,
                                               job->report.disk_free_bytes);
    RviAuditEntry e = { .actor_name = "system", .target_type = "node", .target_id = m->node,
                        .detail_json = detail,
                        .action = job->report.disk_full ? "disk_full" : "disk_full_cleared" };
    return rvi_audit_append (conn, &e, error);
  }
  return TRUE;
}

static void
retention_done (gpointer data, const GError *error)
{
  HousekeepingJob *job = data;
  RviCameraManager *m = job->m;
  RviRetentionReport *r = &job->report;

  m->jobs--;
  if (!error && !m->closed) {
    if (r->deleted_by_age || r->deleted_by_pressure)
      g_message ("retention: %u segments past their age, %u for disk space, %.1f MiB freed",
                 r->deleted_by_age, r->deleted_by_pressure, r->freed_bytes / 1048576.0);
    if (r->disk_full != m->disk_full) {
      GHashTableIter it;
      gpointer sup;

      if (r->disk_full)
        g_warning ("disk full and only held recordings are left: recording stops");
      else
        g_message ("disk space is back: recording resumes");
      m->disk_full = r->disk_full;
      g_hash_table_iter_init (&it, m->supervisors);
      while (g_hash_table_iter_next (&it, NULL, &sup))
        rvi_camera_supervisor_set_disk_full (sup, m->disk_full);
    }
  }
  g_free (job);
}

gboolean
rvi_camera_manager_retention_cb (gpointer data)
{
  RviCameraManager *m = data;
  HousekeepingJob *job = g_new0 (HousekeepingJob, 1);

  job->m = m;
  job->was_full = m->disk_full;
  rvi_camera_manager_submit (m, retention_work, retention_done, job);
  return G_SOURCE_CONTINUE;
}

