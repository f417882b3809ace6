/* camera-manager-figures.c: what the camera manager tells /metrics about
 * its cameras and its node (rendered by metrics-cameras.c).
 *
 * DESIGN. Every figure is counted where its work happens and kept in
 * memory: the camera's RviCameraStats (its ingests, its supervisor, the
 * sample recorder's alert function below), the lease tick's set of held
 * leases, and the disk watch's thread (statvfs never runs on the main
 * loop, nor on a database worker, for this). So rendering reads no file
 * and asks no database: a scrape costs the same with PostgreSQL away, and
 * gap seconds are counted from the supervisor's own gap events instead of
 * a query over the growing gaps table. Figures of a camera are kept from
 * its first recording here until it is deleted, also while another node
 * holds it (its counters then stand still), so a camera handed over and
 * back does not start again at zero. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "camera-manager-private.h"

#include <string.h>

#define DISK_STALE_S 60   /* older disk figures are not shown (a stuck statvfs) */

RviCameraStats *
rvi_camera_manager_stats (RviCameraManager *m, const char *id)
{
  RviCameraStats *stats = g_hash_table_lookup (m->stats, id);

  if (!stats) {
    stats = rvi_camera_stats_new ();
    g_hash_table_insert (m->stats, g_strdup (id), stats);
  }
  return stats;
}

static gboolean
camera_gone (gpointer id, gpointer stats, gpointer data)
{
  GPtrArray *configs = data;

  for (guint i = 0; i < configs->len; i++)
    if (g_str_equal (((RviCameraConfig *) configs->pdata[i])->id, id))
      return FALSE;
  return TRUE;
}

void
rvi_camera_manager_forget_stats (RviCameraManager *m)
{
  if (m->configs)
    g_hash_table_foreach_remove (m->stats, camera_gone, m->configs);
}

void
rvi_camera_manager_alert_cb (const char *camera_id, RviAlertKind kind, gboolean raised,
                             gpointer data)
{
  RviCameraManager *m = data;
  RviCameraStats *stats = g_hash_table_lookup (m->stats, camera_id);

  if (stats)   /* none: the camera was deleted meanwhile */
    rvi_camera_stats_alert (stats, kind, raised);
}

static const RviCameraConfig *
find_config (RviCameraManager *m, const char *id)
{
  for (guint i = 0; m->configs && i < m->configs->len; i++) {
    const RviCameraConfig *c = m->configs->pdata[i];

    if (g_str_equal (c->id, id))
      return c;
  }
  return NULL;
}

static void
figures_free (gpointer data)
{
  RviCameraFigures *f = data;

  g_free (f->id);
  g_free (f->name);
  rvi_camera_stats_unref (f->stats);
  g_free (f);
}

static int
by_id (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(RviCameraFigures *const *) a)->id, (*(RviCameraFigures *const *) b)->id);
}

void
rvi_camera_manager_get_figures (RviCameraManager *m, RviNodeFigures *figures)
{
  GHashTableIter it;
  gpointer id, stats;
  gint64 read_at = 0;

  memset (figures, 0, sizeof *figures);
  figures->node = m->node;
  figures->leases_held = g_hash_table_size (m->held);
  figures->have_disk = rvi_disk_watch_get (m->disk, &figures->disk_free_bytes,
                                           &figures->disk_total_bytes, &read_at)
                       && g_get_real_time () - read_at < DISK_STALE_S * G_USEC_PER_SEC;
  figures->cameras = g_ptr_array_new_with_free_func (figures_free);
  g_hash_table_iter_init (&it, m->stats);
  while (g_hash_table_iter_next (&it, &id, &stats)) {
    const RviCameraConfig *c = find_config (m, id);
    RviCameraSupervisor *sup = g_hash_table_lookup (m->supervisors, id);
    RviCameraFigures *f;

    if (!c)
      continue;
    f = g_new0 (RviCameraFigures, 1);
    f->id = g_strdup (id);
    f->name = g_strdup (c->name);
    f->stats = rvi_camera_stats_ref (stats);
    f->alerts_known = m->samples != NULL;
    f->recording = sup != NULL && g_hash_table_contains (m->held, id);
    if (f->recording)
      rvi_camera_supervisor_get_live (sup, &f->live);
    g_ptr_array_add (figures->cameras, f);
  }
  g_ptr_array_sort (figures->cameras, by_id);
}

void
rvi_node_figures_clear (RviNodeFigures *figures)
{
  g_clear_pointer (&figures->cameras, g_ptr_array_unref);
}
