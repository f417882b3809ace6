/* camera-manager-leases.c: the camera manager's lease ticks
 * (camera-leases.h for the rules): start what was claimed, stop what was
 * lost, hand a camera over when over the share, release on the way out. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "camera-leases.h"
#include "camera-manager-private.h"

typedef struct {
  RviCameraManager *m;
  RviLeaseTick tick;
} TickJob;

static gboolean
tick_work (PGconn *conn, gpointer data, GError **error)
{
  TickJob *job = data;

  return rvi_camera_leases_tick (conn, job->m->node, (guint) job->m->app->config->lease_s,
                                 &job->tick, error);
}

/* Hands camera @id over to a node with fewer cameras. */
static void
hand_over (RviCameraManager *m, const char *id)
{
  if (!g_hash_table_contains (m->supervisors, id))
    return;
  g_message ("camera %s: handing it over to a node with fewer cameras", id);
  rvi_camera_manager_stop_camera (m, id, TRUE);
}

static gboolean
not_held (gpointer id, gpointer claim, gpointer held)
{
  return !g_hash_table_contains (held, id);
}

static gboolean
claims_unknown_camera (RviCameraManager *m)
{
  GHashTableIter it;
  gpointer id;

  g_hash_table_iter_init (&it, m->claims);
  while (g_hash_table_iter_next (&it, &id, NULL)) {
    gboolean known = FALSE;

    for (guint i = 0; !known && m->configs && i < m->configs->len; i++)
      known = g_str_equal (((RviCameraConfig *) m->configs->pdata[i])->id, id);
    if (!known)
      return TRUE;
  }
  return FALSE;
}

static void
tick_done (gpointer data, const GError *error)
{
  TickJob *job = data;
  RviCameraManager *m = job->m;

  m->jobs--;
  m->ticking = FALSE;
  if (!m->closed && error) {
    if (!m->lease_failing)   /* once per outage */
      g_warning ("camera leases not renewed (recording goes on): %s", error->message);
    m->lease_failing = TRUE;
  } else if (!m->closed) {
    gsize n = 0;
    g_autofree gpointer *claims = g_ptr_array_steal (job->tick.claims, &n);

    if (m->lease_failing)
      g_message ("camera leases renewed again");
    m->lease_failing = FALSE;
    for (gsize i = 0; i < n; i++) {
      RviLeaseClaim *c = claims[i];

      g_hash_table_replace (m->claims, g_strdup (c->camera_id), c);
    }
    g_hash_table_unref (m->held);
    m->held = g_steal_pointer (&job->tick.held);
    g_hash_table_foreach_remove (m->claims, not_held, m->held);
    rvi_camera_manager_reconcile (m);
    /* what was recorded before the start served the leases still valid then */
    g_hash_table_remove_all (m->startup_end);
    if (claims_unknown_camera (m))   /* linked through another node since the last read */
      rvi_camera_manager_refresh (m);
    if (job->tick.hand_over)
      hand_over (m, job->tick.hand_over);
  }
  rvi_lease_tick_clear (&job->tick);
  g_free (job);
  if (m->tick_again && !m->closed) {
    m->tick_again = FALSE;
    rvi_camera_manager_lease_tick (m);
  }
}

void
rvi_camera_manager_lease_tick (RviCameraManager *m)
{
  TickJob *job;

  if (m->closed || !m->started)
    return;
  if (m->ticking) {   /* the running tick may have read the cameras before a change */
    m->tick_again = TRUE;
    return;
  }
  m->ticking = TRUE;
  job = g_new0 (TickJob, 1);
  job->m = m;
  rvi_camera_manager_submit (m, tick_work, tick_done, job);
}

gboolean
rvi_camera_manager_lease_cb (gpointer data)
{
  rvi_camera_manager_lease_tick (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
release_work (PGconn *conn, gpointer data, GError **error)
{
  RviReleaseJob *job = data;
  const char *ids[] = { job->camera_id, NULL };

  return rvi_camera_leases_release (conn, job->m->node, ids, error);
}

static gboolean
release_all_work (PGconn *conn, gpointer data, GError **error)
{
  RviReleaseJob *job = data;

  return rvi_camera_leases_release (conn, job->m->node, NULL, error);
}

static void
release_done (gpointer data, const GError *error)
{
  RviReleaseJob *job = data;

  job->m->jobs--;
  if (error)   /* the lease runs out instead */
    g_warning ("camera %s: lease not released: %s", job->camera_id, error->message);
  g_hash_table_remove (job->m->releasing, job->camera_id);
  g_free (job->camera_id);
  g_free (job);
}

/* The camera's recording stopped (its last segment finished): let it go. */
void
rvi_camera_manager_release_stopped (gpointer data)
{
  RviReleaseJob *job = data;
  g_autoptr (GError) error = NULL;

  rvi_camera_supervisor_free (job->sup);
  job->sup = NULL;
  /* the job count taken in stop_camera() now stands for this job */
  if (!rvi_db_pool_submit (job->m->app->pool, release_work, release_done, job, &error))
    release_done (job, error);
}

void
rvi_camera_manager_release_all (RviCameraManager *m)
{
  RviReleaseJob *job = g_new0 (RviReleaseJob, 1);
  g_autoptr (GError) error = NULL;

  job->m = m;
  job->camera_id = g_strdup ("*");
  g_hash_table_add (m->releasing, g_strdup ("*"));
  m->jobs++;
  if (!rvi_db_pool_submit (m->app->pool, release_all_work, release_done, job, &error))
    release_done (job, error);
}
