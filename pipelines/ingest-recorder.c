/* ingest-recorder.c: the recording branch of an ingest:
 *
 *   tee ! queue (not leaky, bounded) ! splitmuxsink muxer="mp4mux fragment-duration=F"
 *
 * DESIGN. splitmuxsink cuts at the first key frame at or before
 * max-size-time (so segments are at most that long: with a 2 s GOP and 10 s,
 * 8 or 10 s) and asks upstream for key frames at that point. The first
 * segment is cut first_segment_seconds after its first frame, to stagger
 * rotation across cameras: when it opens, split-at-running-time is asked
 * for the first key frame at or after that running time (the running time
 * of the first frame is noted in format-location-full).
 *
 * File names. format-location-full runs on the streaming thread with the
 * new file's first sample: its running time gives its wall clock
 * (ingest-clock.c) and the name is SEGMENT_DIR/YYYY-MM-DD/
 * YYYYMMDDTHHMMSS.uuuuuuZ.mp4 in UTC, directories made as needed. The name
 * is the record of the start: the main loop reads it back from the
 * fragment-opened message (rvi_fmp4_start_from_name), and after a crash it
 * is all there is.
 *
 * Closing. On splitmuxsink-fragment-closed the file is complete on disk
 * but not durable. A job on a small shared thread pool (RVI_INDEX_THREADS
 * threads for all cameras; at most one job per camera per segment length)
 * fsyncs it and its directory, indexes and hashes it (fmp4-index.c) and
 * posts the result to the ingest's main context, which reports
 * segment_closed. So a segment is never reported before fsync, and the
 * main loop never reads a file. An ingest has one job running at a time
 * and the others wait in its own queue, so segments are reported in the
 * order they were written even when a short one follows a long one.
 *
 * Counting. A probe on filesink's pad adds the bytes going into segment
 * files to the camera's RviRecordingCounters (an atomic add on the
 * streaming thread); a segment counts when its index job reports.
 *
 * Disk stall. The queue does not drop: it holds up to RVI_RECORDER_QUEUE_S
 * seconds (or RVI_RECORDER_QUEUE_BYTES). When writes block longer, the
 * queue fills, the tee blocks, and so do the parser and rtspsrc: over TCP
 * the camera's sends are then held back by TCP flow control, over UDP the
 * kernel drops packets. No frame is lost inside rvi until then. The
 * ingest's stall check sees no frame for stall_timeout_ms, finds this queue
 * full and fails with RVI_INGEST_FAILURE_DISK; the teardown runs off the
 * main loop, so a write stuck in the kernel blocks a GStreamer thread, not
 * the server. A file the EOS could not finalize is repaired like after a
 * crash (rvi_ingest_recorder_salvage).
 *
 * Teardown race. splitmuxsink (1.22, and upstream as of this writing)
 * opens its first file on the streaming thread of its internal queue,
 * inside a pad probe that holds that queue's stream lock. At the end it
 * drops its lock once (to post async-done, only for the first file), then
 * sets its output state to "awaiting command" unconditionally. A state
 * change to READY that lands in that gap sets "stopped", which is then
 * overwritten: the thread waits forever for a command, and the state
 * change waits forever for the stream lock to stop the queue's task. It
 * hung rvi_ingest_free() (the main loop) when a camera was freed just
 * after its first frame. So a gate sits between the recorder's queue and
 * splitmuxsink: rvi_ingest_recorder_settle() closes it before any state
 * change down and, when a buffer already went through, waits for the first
 * splitmuxsink-fragment-opened (seen by a bus sync handler on the
 * streaming thread, just before the overwrite and under the same lock),
 * after which that race cannot happen. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "ingest-private.h"
#include "fmp4-boxes.h"
#include "fmp4-index.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define RVI_RECORDER_QUEUE_S 10
#define RVI_RECORDER_QUEUE_BYTES (64 * 1024 * 1024)
#define RVI_INDEX_THREADS 2
#define RVI_RECORDER_SETTLE_MS 2000   /* opening a file takes milliseconds */
#define RVI_RECORDER_GATE "rvi-recorder-gate"

/* See "Teardown race" above. One per pipeline (g_rc_box): the pipeline,
 * the probe and the bus sync handler each hold a reference. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean closed;   /* settle() ran: no buffer enters splitmuxsink any more */
  gboolean entered;  /* a buffer went into splitmuxsink */
  gboolean opened;   /* splitmuxsink posted its first fragment-opened */
} RviRecorderGate;

typedef struct {
  RviIngestLink *link;     /* g_rc_box reference */
  GMainContext *context;
  char *camera_id;
  char *path;
  gboolean repair;
  gint64 clock_offset_us;
  gboolean camera_clock;
  RviSegmentInfo *result;
  GError *error;
} RviIndexJob;

static void
job_free (gpointer data)
{
  RviIndexJob *job = data;

  g_rc_box_release (job->link);
  g_main_context_unref (job->context);
  g_free (job->camera_id);
  g_free (job->path);
  g_clear_pointer (&job->result, rvi_segment_info_free);
  g_clear_error (&job->error);
  g_free (job);
}

static gboolean
fsync_path (const char *path, int flags, GError **error)
{
  int fd = open (path, flags | O_RDONLY | O_CLOEXEC);
  int saved;

  if (fd >= 0 && fsync (fd) == 0) {
    close (fd);
    return TRUE;
  }
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "fsync of %s failed: %s", path,
               g_strerror (saved));
  return FALSE;
}

static GThreadPool *index_pool (void);

/* Main context: reports the job's segment, then starts the next one. */
static gboolean
job_report (gpointer data)
{
  RviIndexJob *job = data;
  RviIngest *ingest = job->link->ingest;
  RviSegmentInfo *segment = job->result;
  RviIndexJob *next;

  if (ingest == NULL)
    return G_SOURCE_REMOVE;
  if (segment != NULL) {
    segment->start_wall_us = rvi_fmp4_start_from_name (segment->path);
    segment->end_wall_us = segment->start_wall_us + segment->duration_us;
    segment->clock_offset_us = job->clock_offset_us;
    segment->camera_clock = job->camera_clock;
    segment->info.transport = ingest->transport;
    g_info ("camera %s: segment closed %s, %.3f s, %" G_GUINT64_FORMAT " bytes, %u fragments",
            ingest->settings.camera_id, segment->path, segment->duration_us / 1e6, segment->bytes,
            segment->fragments->len);
    rvi_recording_counters_add_segment (ingest->settings.counters);
    if (ingest->callbacks.segment_closed != NULL)
      ingest->callbacks.segment_closed (ingest->user_data, segment);
  } else if (job->repair) {
    g_warning ("camera %s: segment %s had no complete fragment and was deleted",
               ingest->settings.camera_id, job->path);
  } else {
    g_warning ("camera %s: cannot index segment %s: %s", ingest->settings.camera_id, job->path,
               job->error->message);
    rvi_ingest_fail (ingest, RVI_INGEST_FAILURE_DISK, job->error->message);
  }
  next = g_queue_pop_head (&ingest->waiting_jobs);
  if (next != NULL)
    g_thread_pool_push (index_pool (), next, NULL);
  rvi_ingest_job_done (ingest);
  return G_SOURCE_REMOVE;
}

/* Worker thread: fsync, index, hash; then post to the main context. */
static void
job_run (gpointer data, gpointer pool_data)
{
  RviIndexJob *job = data;
  g_autofree char *dir = g_path_get_dirname (job->path);

  if (fsync_path (job->path, 0, &job->error) && fsync_path (dir, O_DIRECTORY, &job->error))
    job->result = rvi_fmp4_index_file (job->path, job->repair, &job->error);
  if (job->result == NULL && job->repair &&
      g_error_matches (job->error, RVI_ERROR, RVI_ERROR_INVALID_INPUT) &&
      g_unlink (job->path) != 0)
    g_warning ("camera %s: cannot delete %s: %s", job->camera_id, job->path, g_strerror (errno));
  g_main_context_invoke_full (job->context, G_PRIORITY_DEFAULT, job_report, job, job_free);
}

static GThreadPool *
index_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool)) {
    GThreadPool *p = g_thread_pool_new (job_run, NULL, RVI_INDEX_THREADS, FALSE, NULL);

    g_once_init_leave (&pool, p);
  }
  return pool;
}

void
rvi_ingest_recorder_queue (RviIngest *ingest, const char *path, gboolean repair,
                           gboolean have_offset, gint64 offset_us)
{
  RviIndexJob *job = g_new0 (RviIndexJob, 1);

  if (g_strcmp0 (ingest->open_segment, path) == 0)
    g_clear_pointer (&ingest->open_segment, g_free);
  job->link = g_rc_box_acquire (ingest->link);
  job->context = g_main_context_ref (ingest->context);
  job->camera_id = g_strdup (ingest->settings.camera_id);
  job->path = g_strdup (path);
  job->repair = repair;
  job->camera_clock = have_offset;
  job->clock_offset_us = have_offset ? offset_us : 0;
  if (ingest->pending_jobs++ == 0)
    g_thread_pool_push (index_pool (), job, NULL);
  else
    g_queue_push_tail (&ingest->waiting_jobs, job);
}

static void
queue_job (RviIngest *ingest, const char *path, gboolean repair)
{
  gint64 offset = 0;
  gboolean have = rvi_ingest_clock_get_offset (&ingest->clock, &offset);

  rvi_ingest_recorder_queue (ingest, path, repair, have, offset);
}

void
rvi_ingest_recorder_clear (RviIngest *ingest)
{
  g_queue_clear_full (&ingest->waiting_jobs, job_free);
}

/* Streaming thread: names the next file after its first frame's wall time. */
static gchar *
on_format_location (GstElement *splitmux, guint fragment_id, GstSample *sample, gpointer user_data)
{
  RviIngest *ingest = user_data;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  const GstSegment *segment = gst_sample_get_segment (sample);
  GstClockTime ts = GST_CLOCK_TIME_NONE;
  gint64 wall = -1;
  g_autofree char *dir = NULL, *path = NULL;

  if (buffer != NULL)
    ts = GST_BUFFER_PTS_IS_VALID (buffer) ? GST_BUFFER_PTS (buffer) : GST_BUFFER_DTS (buffer);
  if (segment != NULL && GST_CLOCK_TIME_IS_VALID (ts))
    wall = rvi_ingest_clock_wall_us (splitmux, gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts));
  if (wall < 0)
    wall = g_get_real_time ();
  if (fragment_id == 0 && segment != NULL && GST_CLOCK_TIME_IS_VALID (ts))
    atomic_store (&ingest->first_running_time,
                  (long long) gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts));
  path = rvi_fmp4_name_for_start (ingest->settings.segment_dir, wall);
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    g_warning ("camera %s: cannot create %s: %s", ingest->settings.camera_id, dir,
               g_strerror (errno));
  return g_steal_pointer (&path);
}

static void
gate_clear (gpointer data)
{
  RviRecorderGate *gate = data;

  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
}

static void
gate_release (gpointer data)
{
  g_rc_box_release_full (data, gate_clear);
}

/* Recorder queue's streaming thread, until the first buffer goes through. */
static GstPadProbeReturn
gate_on_data (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RviRecorderGate *gate = user_data;
  GstPadProbeReturn ret;

  g_mutex_lock (&gate->lock);
  if (gate->closed) {
    ret = GST_PAD_PROBE_DROP;
  } else {
    gate->entered = TRUE;
    ret = GST_PAD_PROBE_REMOVE;  /* pass it; later buffers need no gate */
  }
  g_mutex_unlock (&gate->lock);
  return ret;
}

/* Posting thread (splitmuxsink's, holding its lock, for fragment-opened). */
static GstBusSyncReply
gate_on_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  RviRecorderGate *gate = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT &&
      gst_message_has_name (message, "splitmuxsink-fragment-opened")) {
    g_mutex_lock (&gate->lock);
    gate->opened = TRUE;
    g_cond_broadcast (&gate->cond);
    g_mutex_unlock (&gate->lock);
  }
  return GST_BUS_PASS;
}

static void
gate_install (GstElement *pipeline, GstElement *queue)
{
  RviRecorderGate *gate = g_rc_box_new0 (RviRecorderGate);
  g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));
  g_autoptr (GstPad) src = gst_element_get_static_pad (queue, "src");

  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, gate_on_data,
                     g_rc_box_acquire (gate), gate_release);
  gst_bus_set_sync_handler (bus, gate_on_message, g_rc_box_acquire (gate), gate_release);
  g_object_set_data_full (G_OBJECT (pipeline), RVI_RECORDER_GATE, gate, gate_release);
}

void
rvi_ingest_recorder_settle (GstElement *pipeline)
{
  RviRecorderGate *gate = g_object_get_data (G_OBJECT (pipeline), RVI_RECORDER_GATE);
  gint64 deadline = g_get_monotonic_time () + RVI_RECORDER_SETTLE_MS * G_TIME_SPAN_MILLISECOND;

  if (gate == NULL)
    return;
  g_mutex_lock (&gate->lock);
  gate->closed = TRUE;
  while (gate->entered && !gate->opened) {
    if (!g_cond_wait_until (&gate->cond, &gate->lock, deadline)) {
      /* the pipeline is named after the camera */
      g_warning ("camera %s: the recorder did not open its first file within %d ms",
                 GST_ELEMENT_NAME (pipeline), RVI_RECORDER_SETTLE_MS);
      gate->entered = FALSE;  /* wait once: a second settle() goes straight on */
      break;
    }
  }
  g_mutex_unlock (&gate->lock);
}

/* filesink's streaming thread: counts the bytes going into segment files. */
static GstPadProbeReturn
count_written (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  gsize bytes = (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
                    ? gst_buffer_list_calculate_size (GST_PAD_PROBE_INFO_BUFFER_LIST (info))
                    : gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));

  rvi_recording_counters_add_written (user_data, bytes);
  return GST_PAD_PROBE_OK;
}

gboolean
rvi_ingest_recorder_build (RviIngest *ingest, GError **error)
{
  GstElement *queue = gst_element_factory_make ("queue", "recorder-queue");
  GstElement *splitmux = gst_element_factory_make ("splitmuxsink", "recorder");
  GstElement *mux = gst_element_factory_make ("mp4mux", NULL);
  GstElement *sink = gst_element_factory_make ("filesink", NULL);

  if (queue == NULL || splitmux == NULL || mux == NULL || sink == NULL) {
    g_clear_object (&queue);
    g_clear_object (&splitmux);
    g_clear_object (&mux);
    g_clear_object (&sink);
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                 "queue, splitmuxsink or mp4mux is missing");
    return FALSE;
  }
  g_object_set (queue, "leaky", 0, "max-size-buffers", 0, "max-size-bytes",
                (guint) RVI_RECORDER_QUEUE_BYTES, "max-size-time",
                (guint64) RVI_RECORDER_QUEUE_S * GST_SECOND, NULL);
  g_object_set (mux, "fragment-duration", ingest->settings.fragment_ms, NULL);
  /* unbuffered: each finished fragment goes to the kernel at once, so a
   * kill -9 loses at most the fragment still being assembled */
  g_object_set (sink, "buffer-mode", 2, NULL);
  if (ingest->settings.counters != NULL) {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (sink, "sink");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       count_written, rvi_recording_counters_ref (ingest->settings.counters),
                       (GDestroyNotify) rvi_recording_counters_unref);
  }
  g_object_set (splitmux, "muxer", mux, "sink", sink, "max-size-time",
                (guint64) ingest->settings.segment_seconds * GST_SECOND,
                "send-keyframe-requests", TRUE, "max-size-bytes", (guint64) 0, NULL);
  g_signal_connect (splitmux, "format-location-full", G_CALLBACK (on_format_location), ingest);
  gst_bin_add_many (GST_BIN (ingest->pipeline), queue, splitmux, NULL);
  if (!gst_element_link (ingest->tee, queue) || !gst_element_link (queue, splitmux)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION, "cannot link the recorder");
    return FALSE;
  }
  gate_install (ingest->pipeline, queue);
  ingest->queue = queue;
  ingest->splitmux = splitmux;
  return TRUE;
}

/* Main context, first file opened: cut it first_segment_seconds after its
 * first frame (at the next key frame); max-size-time does the rest. */
static void
split_first (RviIngest *ingest)
{
  long long first = atomic_load (&ingest->first_running_time);
  guint seconds = ingest->settings.first_segment_seconds;

  if (seconds == 0 || seconds >= ingest->settings.segment_seconds || first < 0)
    return;
  /* 250 ms early, so receipt jitter on a key frame due right then does not
   * push the cut a whole GOP later */
  g_signal_emit_by_name (ingest->splitmux, "split-at-running-time",
                         (guint64) first + (guint64) seconds * GST_SECOND - 250 * GST_MSECOND);
}

gboolean
rvi_ingest_recorder_handle_message (RviIngest *ingest, GstMessage *message)
{
  const GstStructure *s = gst_message_get_structure (message);
  const char *location;

  if (s == NULL || GST_MESSAGE_SRC (message) != GST_OBJECT (ingest->splitmux))
    return FALSE;
  location = gst_structure_get_string (s, "location");
  if (location == NULL)
    return FALSE;
  if (gst_structure_has_name (s, "splitmuxsink-fragment-opened")) {
    g_free (ingest->open_segment);
    ingest->open_segment = g_strdup (location);
    if (++ingest->segments_opened == 1)
      split_first (ingest);
    g_info ("camera %s: segment opened %s", ingest->settings.camera_id, location);
    if (ingest->callbacks.segment_opened != NULL)
      ingest->callbacks.segment_opened (ingest->user_data, location,
                                        rvi_fmp4_start_from_name (location));
    return TRUE;
  }
  if (gst_structure_has_name (s, "splitmuxsink-fragment-closed")) {
    queue_job (ingest, location, FALSE);
    return TRUE;
  }
  return FALSE;
}

void
rvi_ingest_recorder_salvage (RviIngest *ingest)
{
  g_autofree char *path = g_steal_pointer (&ingest->open_segment);

  if (path == NULL)
    return;
  g_warning ("camera %s: segment %s was not finalized; repairing it", ingest->settings.camera_id,
             path);
  queue_job (ingest, path, TRUE);
}

gboolean
rvi_ingest_recorder_backed_up (RviIngest *ingest)
{
  guint64 level_time = 0;
  guint level_bytes = 0;

  if (ingest->native != NULL)
    return rvi_native_camera_backed_up (ingest->native);
  if (ingest->queue == NULL)
    return FALSE;
  g_object_get (ingest->queue, "current-level-time", &level_time, "current-level-bytes",
                &level_bytes, NULL);
  return level_time >= (RVI_RECORDER_QUEUE_S - 1) * GST_SECOND ||
         level_bytes >= RVI_RECORDER_QUEUE_BYTES / 10 * 9;
}
