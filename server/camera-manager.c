/* camera-manager.c: the recording side of one node.
 *
 * DESIGN
 * Start-up (one database job, before any camera starts): repair the
 * segment index against the files (segment-repair.c), read this node's
 * previous heartbeat, close gaps left open by the previous process at that
 * heartbeat, register the node, and read every camera with the end of its
 * last recording. Then the first lease tick (camera-leases.h): one
 * RviCameraSupervisor per camera this node holds, each recording a gap from
 * the camera's last recording to its first new segment: server_restart
 * when this node (or no node) recorded it last, node_failover when another
 * node did.
 *
 * Afterwards: a lease tick every lease / 4 starts the cameras claimed,
 * stops those lost (another node holds them; only after a tick that
 * reached the database: without it, recording goes on), and hands one
 * camera a tick over when this node holds more than its share (stopped,
 * then released). refresh() re-reads the cameras after an API change (and
 * every REFRESH_S, for changes made through another node); a heartbeat
 * every HEARTBEAT_S records that the node lives and its free disk;
 * retention runs every retention_interval and tells supervisors when only
 * held data is left on a full disk. Stopping releases every lease. All
 * database and file work runs on the pool. Each camera recorded here has
 * an RviCameraStats, and a disk watch reads the free space, for /metrics
 * (camera-manager-figures.c). */
#define G_LOG_DOMAIN "rvi-cameras"
#include "camera-manager-private.h"
#include "camera-leases.h"
#include "camera-supervisor.h"
#include "cameras.h"
#include "db.h"
#include "index-writer.h"
#include "loop-timer.h"
#include "rvi-error.h"
#include "sample-recorder.h"
#include "segment-repair.h"

#define REFRESH_S 30
#define HEARTBEAT_S 5
#define DISK_WATCH_S 10   /* free space for /metrics */

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

/* A supervisor for camera @c, held by this node, with the gap before it. */
static RviCameraSupervisor *
start_camera (RviCameraManager *m, const RviCameraConfig *c)
{
  RviLeaseClaim *claim = g_hash_table_lookup (m->claims, c->id);
  gint64 *end = g_hash_table_lookup (m->startup_end, c->id);
  g_autofree char *detail = NULL;
  const char *cause = NULL;
  gint64 last_end = 0;
  RviCameraSupervisor *sup;

  if (claim) {
    rvi_lease_claim_gap (claim, m->node, &cause, &detail);
    last_end = claim->last_end_us;
    if (g_str_equal (cause ? cause : "", "node_failover"))
      g_message ("camera %s: recording here now (%s)", c->id, detail);
  } else if (end) {   /* this node's own lease, still valid after a restart */
    cause = "server_restart";
    detail = g_strdup ("rvi was not running");
    last_end = *end;
  }
  sup = rvi_camera_supervisor_new (&m->ctx, c, last_end, cause, detail,
                                   rvi_camera_manager_stats (m, c->id));
  g_hash_table_remove (m->claims, c->id);
  g_hash_table_remove (m->startup_end, c->id);
  if (m->disk_full)
    rvi_camera_supervisor_set_disk_full (sup, TRUE);
  return sup;
}

void
rvi_camera_manager_stop_camera (RviCameraManager *m, const char *id, gboolean release)
{
  RviCameraSupervisor *sup = g_hash_table_lookup (m->supervisors, id);
  char *key = NULL;

  if (!sup || !g_hash_table_steal_extended (m->supervisors, id, (gpointer *) &key, NULL))
    return;
  if (release) {
    RviReleaseJob *job = g_new0 (RviReleaseJob, 1);

    job->m = m;
    job->camera_id = g_strdup (id);
    job->sup = sup;
    g_hash_table_add (m->releasing, g_strdup (id));
    m->jobs++;   /* held until the release job is done */
    rvi_camera_supervisor_stop (sup, rvi_camera_manager_release_stopped, job);
  } else {
    rvi_camera_supervisor_stop (sup, (RviSupervisorDone) rvi_camera_supervisor_free, sup);
  }
  g_free (key);
}

void
rvi_camera_manager_reconcile (RviCameraManager *m)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) lost = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer key, value;

  if (!m->configs)
    return;
  for (guint i = 0; i < m->configs->len; i++) {
    RviCameraConfig *c = m->configs->pdata[i];
    RviCameraSupervisor *sup = g_hash_table_lookup (m->supervisors, c->id);

    g_hash_table_add (known, c->id);
    if (!g_hash_table_contains (m->held, c->id) || g_hash_table_contains (m->releasing, c->id))
      continue;
    g_hash_table_add (seen, c->id);
    if (sup)
      rvi_camera_supervisor_update (sup, c);
    else
      g_hash_table_insert (m->supervisors, g_strdup (c->id), start_camera (m, c));
  }
  /* cameras deleted or no longer held: stop (no gap: the camera is gone, or
   * the node that holds it now records its own gap) */
  g_hash_table_iter_init (&it, m->supervisors);
  while (g_hash_table_iter_next (&it, &key, &value))
    if (!g_hash_table_contains (seen, key))
      g_ptr_array_add (lost, g_strdup (key));
  for (guint i = 0; i < lost->len; i++) {
    const char *id = lost->pdata[i];

    if (!g_hash_table_contains (known, id))
      g_message ("camera %s removed; stopping its recording", id);
    else
      g_message ("camera %s: another node holds it now; stopping its recording here", id);
    rvi_camera_manager_stop_camera (m, id, FALSE);
  }
  rvi_camera_manager_forget_stats (m);
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
  g_clear_pointer (&m->configs, g_ptr_array_unref);
  m->configs = g_steal_pointer (&job->configs);
  g_hash_table_unref (m->startup_end);
  m->startup_end = g_steal_pointer (&job->last_end);
  load_job_free (job);
  rvi_camera_manager_lease_tick (m);
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
  if (!m->closed && !error) {
    g_clear_pointer (&m->configs, g_ptr_array_unref);
    m->configs = g_steal_pointer (&job->configs);
    rvi_camera_manager_reconcile (m);
    rvi_camera_manager_lease_tick (m);   /* a camera linked here is claimed now */
  }
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

  rvi_timer_drop (&m->refresh_timer);   /* this one: it runs once */
  rvi_camera_manager_refresh (m);
  schedule_refresh (m, REFRESH_S);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (RviCameraManager *m, guint seconds)
{
  rvi_timer_drop (&m->refresh_timer);
  m->refresh_timer = rvi_timer_new (seconds * 1000, refresh_cb, m);
}

void
rvi_camera_manager_submit (RviCameraManager *m, RviDbWorkFunc work, RviDbDoneFunc done,
                           gpointer job)
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
      rvi_camera_manager_submit (m, startup_work, startup_done, job);
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
  rvi_camera_manager_submit (m, refresh_work, refresh_done, job);
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
    rvi_sample_recorder_set_alert_func (m->samples, rvi_camera_manager_alert_cb, m);
  }
  m->supervisors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) rvi_camera_supervisor_free);
  m->stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) rvi_camera_stats_unref);
  m->disk = rvi_disk_watch_new (m->media_dir, DISK_WATCH_S);
  m->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  m->claims = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, rvi_lease_claim_free);
  m->startup_end = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m->releasing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  m->lease_timer = rvi_timer_new ((guint) config->lease_s * 1000 / 4,
                                  rvi_camera_manager_lease_cb, m);
  m->heartbeat_timer = rvi_timer_new (HEARTBEAT_S * 1000, rvi_camera_manager_heartbeat_cb, m);
  m->retention_timer = rvi_timer_new ((guint) config->retention_interval_s * 1000,
                                      rvi_camera_manager_retention_cb, m);
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
  rvi_camera_manager_retention_cb (m);
}

void
rvi_camera_manager_heartbeat (RviCameraManager *m)
{
  rvi_camera_manager_heartbeat_cb (m);
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
  rvi_timer_drop (&m->refresh_timer);
  rvi_timer_drop (&m->heartbeat_timer);
  rvi_timer_drop (&m->retention_timer);
  rvi_timer_drop (&m->lease_timer);
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
  /* their last segments are indexed: let other nodes take the cameras now
   * rather than when the leases run out */
  if (m->started)
    rvi_camera_manager_release_all (m);
  while (m->jobs > 0)   /* jobs hold pointers to us */
    g_main_context_iteration (ctx, TRUE);
  g_clear_pointer (&m->configs, g_ptr_array_unref);
  g_hash_table_unref (m->held);
  g_hash_table_unref (m->claims);
  g_hash_table_unref (m->startup_end);
  g_hash_table_unref (m->releasing);
  rvi_sample_recorder_free (m->samples, timeout_ms);   /* may still report alerts */
  g_hash_table_unref (m->stats);
  rvi_disk_watch_free (m->disk);
  rvi_index_writer_free (m->writer, timeout_ms);
  g_free (m->node);
  g_free (m->media_dir);
  g_free (m);
}
