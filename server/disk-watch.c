/* disk-watch.c: the file system's free space, read off the main loop (see
 * disk-watch.h).
 *
 * DESIGN. One thread per watch loops: statvfs(), store the figures under
 * the lock, wait @interval_s on a condition (or until stopped). The state
 * is shared by reference (g_atomic_rc_box) between the owner and the
 * thread, so rvi_disk_watch_free() never joins: a thread stuck in the
 * kernel keeps its reference and leaves when the call returns. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "disk-watch.h"
#include "retention.h"

typedef struct {
  GMutex lock;
  GCond cond;
  char *path;
  guint interval_s;
  gboolean stop;
  gboolean have;
  guint64 free_bytes;
  guint64 total_bytes;
  gint64 read_at_us;
} Shared;

struct _RviDiskWatch {
  Shared *shared;
};

static void
shared_clear (gpointer data)
{
  Shared *s = data;

  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s->path);
}

static gpointer
watch_thread (gpointer data)
{
  Shared *s = data;
  gboolean warned = FALSE;

  g_mutex_lock (&s->lock);
  while (!s->stop) {
    guint64 free_b = 0, total_b = 0;
    gboolean ok;
    gint64 deadline;

    g_mutex_unlock (&s->lock);
    ok = rvi_disk_space (s->path, &free_b, &total_b);   /* may block: the lock is not held */
    if (!ok && !warned)
      g_warning ("cannot read the free space of %s", s->path);
    warned = !ok;
    g_mutex_lock (&s->lock);
    if (ok) {
      s->have = TRUE;
      s->free_bytes = free_b;
      s->total_bytes = total_b;
      s->read_at_us = g_get_real_time ();
    }
    deadline = g_get_monotonic_time () + (gint64) s->interval_s * G_USEC_PER_SEC;
    while (!s->stop && g_cond_wait_until (&s->cond, &s->lock, deadline))
      ;
  }
  g_mutex_unlock (&s->lock);
  g_atomic_rc_box_release_full (s, shared_clear);
  return NULL;
}

RviDiskWatch *
rvi_disk_watch_new (const char *path, guint interval_s)
{
  RviDiskWatch *w = g_new0 (RviDiskWatch, 1);
  Shared *s = g_atomic_rc_box_new0 (Shared);

  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->path = g_strdup (path);
  s->interval_s = MAX (interval_s, 1u);
  w->shared = s;
  g_thread_unref (g_thread_new ("rvi-disk-watch", watch_thread, g_atomic_rc_box_acquire (s)));
  return w;
}

gboolean
rvi_disk_watch_get (RviDiskWatch *w, guint64 *free_bytes, guint64 *total_bytes,
                    gint64 *read_at_us)
{
  Shared *s = w->shared;
  gboolean have;

  g_mutex_lock (&s->lock);
  have = s->have;
  *free_bytes = s->free_bytes;
  *total_bytes = s->total_bytes;
  *read_at_us = s->read_at_us;
  g_mutex_unlock (&s->lock);
  return have;
}

void
rvi_disk_watch_free (RviDiskWatch *w)
{
  if (w == NULL)
    return;
  g_mutex_lock (&w->shared->lock);
  w->shared->stop = TRUE;
  g_cond_signal (&w->shared->cond);
  g_mutex_unlock (&w->shared->lock);
  g_atomic_rc_box_release_full (w->shared, shared_clear);
  g_free (w);
}
