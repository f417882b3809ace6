/* camera-manager.c: the recording side of one node.
 *
 * DESIGN
 * Start-up (one database job, before any camera starts): repair the
 * segment index against the files (segment-repair.c), read this node's
 * previous heartbeat, close gaps left open by the previous process at that
 * heartbeat, register the node, and read every camera with the end of its
 * last recording. Then one RviCameraSupervisor per camera, each recording
 * a server_restart gap from its last recording to its first new segment.
 *
 * Afterwards: refresh() re-reads the cameras after an API change (and every
 * REFRESH_S, for changes made through another node); a heartbeat every
 * HEARTBEAT_S records that the node lives and its free disk; retention runs
 * every retention_interval and tells supervisors when only held data is
 * left on a full disk. All database and file work runs on the pool. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "camera-manager.h"
#include "audit-log.h"
#include "camera-supervisor.h"
#include "cameras.h"
#include "db.h"
#include "index-writer.h"
#include "retention.h"
#include "rvi-error.h"
#include "sample-recorder.h"
#include "segment-repair.h"

#define REFRESH_S 30
#define HEARTBEAT_S 5

struct _RviCameraManager {
  RviApp *app;
  char *node;
  char *media_dir;
  RviSupervisorContext ctx;
  RviIndexWriter *writer;
  RviSampleRecorder *samples;  /* NULL when sampling is off */
  GHashTable *supervisors;     /* camera id -> RviCameraSupervisor */
  gboolean started;
  gboolean refreshing;
  gboolean refresh_again;
  gboolean disk_full;
  guint refresh_id;
  guint heartbeat_id;
  guint retention_id;
  gint jobs;                   /* database jobs in flight that point at us */
  gint stopping;               /* supervisors still stopping */
  gboolean closed;
};

/* --- start-up --- */

typedef struct {
  RviCameraManager *m;
  GPtrArray *configs;
  GHashTable *last_end;        /* camera id -> gint64 * (us) */
  RviRepairReport repair;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_clear_pointer (&job->configs, g_ptr_array_unref);
  g_clear_pointer (&job->last_end, g_hash_table_unref);
  g_free (job);
}

static gboolean
read_last_end (PGconn *conn, LoadJob *job, GError **error)
{
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT camera_id, ((extract(epoch FROM max(t)) * 1000000)::bigint)::text FROM ("
      " SELECT camera_id, end_at AS t FROM segments WHERE status = 'closed'"
      " UNION ALL SELECT camera_id, end_at FROM gaps WHERE end_at IS NOT NULL) x"
      " GROUP BY camera_id", 0, NULL, error);

  if (!res)
    return FALSE;
  job->last_end = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 0; i < PQntuples (res); i++) {
    gint64 *v = g_new (gint64, 1);
    *v = g_ascii_strtoll (PQgetvalue (res, i, 1), NULL, 10);
    g_hash_table_insert (job->last_end, g_strdup (PQgetvalue (res, i, 0)), v);
  }
  return TRUE;
}

static gboolean
startup_work (PGconn *conn, gpointer data, GError **error)
{
  LoadJob *job = data;
  RviCameraManager *m = job->m;
  const char *params[] = { m->node };

  if (!rvi_segment_repair_run (conn, m->node, m->media_dir, &job->repair, error))
    return FALSE;
  /* gaps the previous process left open ended when it was last seen alive */
  if (!rvi_db_run (conn, "UPDATE gaps g SET end_at = greatest(g.start_at,"
                   " coalesce((SELECT last_seen FROM nodes WHERE name = $1), now()))"
                   " WHERE g.node = $1 AND g.end_at IS NULL", 1, params, error)
      || !rvi_db_run (conn, "INSERT INTO nodes (name, started_at, last_seen) VALUES ($1, now(), now())"
                      " ON CONFLICT (name) DO UPDATE SET started_at = now(), last_seen = now()",
                      1, params, error)
      || !read_last_end (conn, job, error))
    return FALSE;
  job->configs = rvi_cameras_configs (conn, error);
  return job->configs != NULL;
}

static void schedule_refresh (RviCameraManager *m, guint seconds);

static void
reconcile (RviCameraManager *m, GPtrArray *configs, GHashTable *last_end, gboolean restart)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer key, value;

  for (guint i = 0; i < configs->len; i++) {
    RviCameraConfig *c = configs->pdata[i];
    RviCameraSupervisor *sup = g_hash_table_lookup (m->supervisors, c->id);
    gint64 *end = last_end ? g_hash_table_lookup (last_end, c->id) : NULL;

    g_hash_table_add (seen, c->id);
    if (sup) {
      rvi_camera_supervisor_update (sup, c);
    } else {
      sup = rvi_camera_supervisor_new (&m->ctx, c, end ? *end : 0, restart);
      if (m->disk_full)
        rvi_camera_supervisor_set_disk_full (sup, TRUE);
      g_hash_table_insert (m->supervisors, g_strdup (c->id), sup);
    }
  }
  /* cameras deleted since: stop and forget (no gap: the camera is gone) */
  g_hash_table_iter_init (&it, m->supervisors);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    if (g_hash_table_contains (seen, key))
      continue;
    g_message ("camera %s removed; stopping its recording", (char *) key);
    g_hash_table_iter_steal (&it);
    g_free (key);
    rvi_camera_supervisor_stop (value, (RviSupervisorDone) rvi_camera_supervisor_free, value);
  }
}

static void
startup_done (gpointer data, const GError *error)
{
  LoadJob *job = data;
  RviCameraManager *m = job->m;

  m->jobs--;
  m->refreshing = FALSE;
  if (m->closed) {
    load_job_free (job);
    return;
  }
  if (error) {
    g_warning ("camera start-up waits for the database: %s", error->message);
    load_job_free (job);
    schedule_refresh (m, 2);
    return;
  }
  if (job->repair.repaired || job->repair.dropped_rows || job->repair.indexed_files
      || job->repair.finished_deletes)
    g_message ("index repair: %u segments repaired, %u rows dropped, %u files indexed, "
               "%u files removed, %u deletions finished", job->repair.repaired,
               job->repair.dropped_rows, job->repair.indexed_files, job->repair.deleted_files,
               job->repair.finished_deletes);
  m->started = TRUE;
  reconcile (m, job->configs, job->last_end, TRUE);
  load_job_free (job);
  schedule_refresh (m, REFRESH_S);
}

/* --- refresh --- */

static gboolean
refresh_work (PGconn *conn, gpointer data, GError **error)
{
  LoadJob *job = data;
  job->configs = rvi_cameras_configs (conn, error);
  return job->configs != NULL;
}

static void
refresh_done (gpointer data, const GError *error)
{
  LoadJob *job = data;
  RviCameraManager *m = job->m;

  m->jobs--;
  m->refreshing = FALSE;
  if (!m->closed && !error)
    reconcile (m, job->configs, NULL, FALSE);
  load_job_free (job);
  if (!m->closed && m->refresh_again) {
    m->refresh_again = FALSE;
    rvi_camera_manager_refresh (m);
  }
}

static gboolean
refresh_cb (gpointer data)
{
  RviCameraManager *m = data;

  m->refresh_id = 0;
  rvi_camera_manager_refresh (m);
  schedule_refresh (m, REFRESH_S);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (RviCameraManager *m, guint seconds)
{
  if (m->refresh_id)
    g_source_remove (m->refresh_id);
  m->refresh_id = g_timeout_add_seconds (seconds, refresh_cb, m);
}

static void
submit (RviCameraManager *m, RviDbWorkFunc work, RviDbDoneFunc done, gpointer job)
{
  g_autoptr (GError) error = NULL;

  m->jobs++;   /* every done() below or from the pool takes it back */
  if (!rvi_db_pool_submit (m->app->pool, work, done, job, &error))
    done (job, error);   /* the pool is saturated: fail through done at once */
}

void
rvi_camera_manager_refresh (RviCameraManager *m)
{
  LoadJob *job;

  if (m->closed)
    return;
  if (!m->started) {
    job = g_new0 (LoadJob, 1);
    job->m = m;
    if (!m->refreshing) {
      m->refreshing = TRUE;
      submit (m, startup_work, startup_done, job);
    } else {
      g_free (job);
    }
    return;
  }
  if (m->refreshing) {
    m->refresh_again = TRUE;
    return;
  }
  m->refreshing = TRUE;
  job = g_new0 (LoadJob, 1);
  job->m = m;
  submit (m, refresh_work, refresh_done, job);
}

/* --- heartbeat and retention --- */

typedef struct {
  RviCameraManager *m;
  RviRetentionReport report;
  gboolean was_full;
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
    const char *params[] = { job->m->node, free_s, total_s };
    return rvi_db_run (conn, "INSERT INTO nodes (name, started_at, last_seen, disk_free_bytes,"
                       " disk_total_bytes) VALUES ($1, now(), now(), $2::bigint, $3::bigint)"
                       " ON CONFLICT (name) DO UPDATE SET last_seen = now(),"
                       " disk_free_bytes = $2::bigint, disk_total_bytes = $3::bigint",
                       3, params, error);
  }
}

static void
housekeeping_done (gpointer data, const GError *error)
{
  HousekeepingJob *job = data;
  job->m->jobs--;
  g_free (job);
}

static gboolean
heartbeat_cb (gpointer data)
{
  RviCameraManager *m = data;
  HousekeepingJob *job = g_new0 (HousekeepingJob, 1);

  job->m = m;
  submit (m, heartbeat_work, housekeeping_done, job);
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

static gboolean
retention_cb (gpointer data)
{
  RviCameraManager *m = data;
  HousekeepingJob *job = g_new0 (HousekeepingJob, 1);

  job->m = m;
  job->was_full = m->disk_full;
  submit (m, retention_work, retention_done, job);
  return G_SOURCE_CONTINUE;
}

/* --- lifecycle --- */

RviCameraManager *
rvi_camera_manager_new (RviApp *app, const char *media_dir)
{
  const RviConfig *config = app->config;
  RviCameraManager *m = g_new0 (RviCameraManager, 1);

  m->app = app;
  m->node = g_strdup (config->node);
  m->media_dir = g_canonicalize_filename (media_dir, NULL);
  g_mkdir_with_parents (m->media_dir, 0700);
  m->writer = rvi_index_writer_new (app->pool, m->node, m->media_dir,
                                    (guint) config->index_queue_max);
  m->ctx.node = m->node;
  m->ctx.media_dir = m->media_dir;
  m->ctx.writer = m->writer;
  m->ctx.credentials = app->credentials;
  m->ctx.backoff_cap_s = (guint) config->backoff_cap_s;
  m->ctx.auth_backoff_cap_s = (guint) config->auth_backoff_cap_s;
  m->ctx.stall_timeout_ms = (guint) config->stall_timeout_ms;
  m->ctx.connect_timeout_ms = (guint) config->connect_timeout_ms;
  m->ctx.fragment_ms = (guint) config->fragment_ms;
  m->ctx.live = app->live_hub;
  if (config->sample_interval_ms > 0) {
    m->samples = rvi_sample_recorder_new (app->pool, config, m->node, m->media_dir);
    m->ctx.sampler = rvi_sample_recorder_get_sampler (m->samples);
  }
  m->supervisors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) rvi_camera_supervisor_free);
  m->heartbeat_id = g_timeout_add_seconds (HEARTBEAT_S, heartbeat_cb, m);
  m->retention_id = g_timeout_add_seconds ((guint) config->retention_interval_s, retention_cb, m);
  rvi_camera_manager_refresh (m);
  return m;
}

const char *
rvi_camera_manager_get_media_dir (RviCameraManager *m)
{
  return m->media_dir;
}

gboolean
rvi_camera_manager_get_sample_stats (RviCameraManager *m, RviSampleRecorderStats *stats)
{
  if (!m->samples)
    return FALSE;
  rvi_sample_recorder_get_stats (m->samples, stats);
  return TRUE;
}

gboolean
rvi_camera_manager_accept_view (RviCameraManager *m, const char *camera_id)
{
  if (!m->samples)
    return FALSE;
  rvi_sample_recorder_accept_view (m->samples, camera_id);
  return TRUE;
}

void
rvi_camera_manager_run_retention (RviCameraManager *m)
{
  retention_cb (m);
}

static void
supervisor_stopped (gpointer data)
{
  RviCameraManager *m = data;
  m->stopping--;
}

void
rvi_camera_manager_free (RviCameraManager *m, guint timeout_ms)
{
  GMainContext *ctx = g_main_context_get_thread_default ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GHashTableIter it;
  gpointer sup;

  if (!m)
    return;
  m->closed = TRUE;
  g_clear_handle_id (&m->refresh_id, g_source_remove);
  g_clear_handle_id (&m->heartbeat_id, g_source_remove);
  g_clear_handle_id (&m->retention_id, g_source_remove);
  /* finish every open segment so it is indexed, not repaired next time */
  g_hash_table_iter_init (&it, m->supervisors);
  while (g_hash_table_iter_next (&it, NULL, &sup)) {
    m->stopping++;
    rvi_camera_supervisor_stop (sup, supervisor_stopped, m);
  }
  while ((m->stopping > 0 || m->jobs > 0) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (ctx, TRUE);
  if (m->stopping > 0)
    g_warning ("%d cameras did not stop in time; their segments are repaired at the next start",
               m->stopping);
  g_hash_table_unref (m->supervisors);
  while (m->jobs > 0)   /* jobs hold pointers to us */
    g_main_context_iteration (ctx, TRUE);
  rvi_sample_recorder_free (m->samples, timeout_ms);
  rvi_index_writer_free (m->writer, timeout_ms);
  g_free (m->node);
  g_free (m->media_dir);
  g_free (m);
}
