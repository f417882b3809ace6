/* segment-sink.c: the writer thread of the native cameras (see
 * segment-sink.h). */
#define G_LOG_DOMAIN "rvi-ingest"

#include "segment-sink.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdatomic.h>
#include <unistd.h>

typedef enum {
  RVI_SINK_OPEN,
  RVI_SINK_APPEND,
  RVI_SINK_CLOSE,
  RVI_SINK_END,
} RviSinkOpKind;

struct _RviSegmentSink {
  char *camera_id;
  RviRecordingCounters *counters;  /* may be NULL */
  const RviSegmentSinkFuncs *funcs;
  gpointer data;
  GDestroyNotify destroy;
  atomic_uint_fast64_t backlog;
  /* writer thread only */
  int fd;
  char *path;
  gboolean broken;   /* a write of the open file failed */
};

typedef struct {
  RviSinkOpKind kind;
  RviSegmentSink *sink;  /* reference */
  char *path;
  GByteArray *bytes;
} RviSinkOp;

static void
sink_free (gpointer data)
{
  RviSegmentSink *sink = data;

  g_free (sink->camera_id);
  g_free (sink->path);
  g_clear_pointer (&sink->counters, rvi_recording_counters_unref);
}

RviSegmentSink *
rvi_segment_sink_ref (RviSegmentSink *sink)
{
  return g_atomic_rc_box_acquire (sink);
}

void
rvi_segment_sink_unref (RviSegmentSink *sink)
{
  g_atomic_rc_box_release_full (sink, sink_free);
}

static gboolean
write_all (RviSegmentSink *sink, const guint8 *data, gsize size, int *saved)
{
  while (size > 0) {
    gssize done = write (sink->fd, data, size);

    if (done < 0 && errno == EINTR)
      continue;
    if (done <= 0) {
      *saved = done < 0 ? errno : ENOSPC;
      return FALSE;
    }
    rvi_recording_counters_add_written (sink->counters, (gsize) done);
    data += done;
    size -= (gsize) done;
  }
  return TRUE;
}

static void
fail (RviSegmentSink *sink, const char *what, int saved)
{
  g_autofree char *message = NULL;

  if (sink->broken)
    return;
  sink->broken = TRUE;
  message = g_strdup_printf ("cannot %s %s: %s", what, sink->path, g_strerror (saved));
  g_warning ("camera %s: %s", sink->camera_id, message);
  sink->funcs->failed (sink->data, message);
}

static void
do_close (RviSegmentSink *sink)
{
  if (sink->path == NULL)
    return;
  if (sink->fd >= 0 && close (sink->fd) != 0)
    fail (sink, "close", errno);
  sink->fd = -1;
  sink->funcs->closed (sink->data, sink->path, sink->broken);
  g_clear_pointer (&sink->path, g_free);
  sink->broken = FALSE;
}

static void
do_open (RviSegmentSink *sink, char *path, GByteArray *init)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int saved;

  do_close (sink);
  sink->path = path;
  sink->broken = FALSE;
  if (g_mkdir_with_parents (dir, 0750) != 0) {
    fail (sink, "create the directory of", errno);
    g_clear_pointer (&sink->path, g_free);  /* nothing on disk to index */
    return;
  }
  sink->fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (sink->fd < 0) {
    fail (sink, "create", errno);
    g_clear_pointer (&sink->path, g_free);  /* nothing on disk to index */
    return;
  }
  sink->funcs->opened (sink->data, path);
  if (!write_all (sink, init->data, init->len, &saved))
    fail (sink, "write", saved);
}

static void
run_op (gpointer data, gpointer unused)
{
  RviSinkOp *op = data;
  RviSegmentSink *sink = op->sink;
  int saved;

  switch (op->kind) {
    case RVI_SINK_OPEN:
      do_open (sink, g_steal_pointer (&op->path), op->bytes);
      break;
    case RVI_SINK_APPEND:
      if (sink->fd >= 0 && !sink->broken
          && !write_all (sink, op->bytes->data, op->bytes->len, &saved))
        fail (sink, "write", saved);
      break;
    case RVI_SINK_CLOSE:
      do_close (sink);
      break;
    case RVI_SINK_END:
      do_close (sink);
      sink->funcs->ended (sink->data);
      if (sink->destroy != NULL)
        sink->destroy (sink->data);
      sink->data = NULL;
      break;
  }
  if (op->bytes != NULL) {
    atomic_fetch_sub (&sink->backlog, op->bytes->len);
    g_byte_array_unref (op->bytes);
  }
  g_free (op->path);
  rvi_segment_sink_unref (sink);
  g_free (op);
}

static GThreadPool *
writer_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool)) {
    /* one thread: operations run in the order they were queued */
    GThreadPool *p = g_thread_pool_new (run_op, NULL, 1, TRUE, NULL);

    g_once_init_leave (&pool, p);
  }
  return pool;
}

static void
queue_op (RviSegmentSink *sink, RviSinkOpKind kind, char *path, GByteArray *bytes)
{
  RviSinkOp *op = g_new0 (RviSinkOp, 1);

  op->kind = kind;
  op->sink = rvi_segment_sink_ref (sink);
  op->path = path;
  op->bytes = bytes;
  if (bytes != NULL)
    atomic_fetch_add (&sink->backlog, bytes->len);
  g_thread_pool_push (writer_pool (), op, NULL);
}

RviSegmentSink *
rvi_segment_sink_new (const char *camera_id, RviRecordingCounters *counters,
                      const RviSegmentSinkFuncs *funcs, gpointer data, GDestroyNotify destroy)
{
  RviSegmentSink *sink = g_atomic_rc_box_new0 (RviSegmentSink);

  sink->camera_id = g_strdup (camera_id);
  sink->counters = counters ? rvi_recording_counters_ref (counters) : NULL;
  sink->funcs = funcs;
  sink->data = data;
  sink->destroy = destroy;
  sink->fd = -1;
  return sink;
}

void
rvi_segment_sink_open (RviSegmentSink *sink, const char *path, GByteArray *init)
{
  queue_op (sink, RVI_SINK_OPEN, g_strdup (path), init);
}

void
rvi_segment_sink_append (RviSegmentSink *sink, GByteArray *bytes)
{
  queue_op (sink, RVI_SINK_APPEND, NULL, bytes);
}

void
rvi_segment_sink_close (RviSegmentSink *sink)
{
  queue_op (sink, RVI_SINK_CLOSE, NULL, NULL);
}

void
rvi_segment_sink_end (RviSegmentSink *sink)
{
  queue_op (sink, RVI_SINK_END, NULL, NULL);
}

guint64
rvi_segment_sink_backlog (RviSegmentSink *sink)
{
  return atomic_load (&sink->backlog);
}
