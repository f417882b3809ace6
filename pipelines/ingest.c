/* ingest.c: RviIngest, one camera's pipeline: lifecycle, bus, stall
 * watch and the callbacks (see ingest.h).
 *
 * DESIGN. Everything here runs on the main context that called
 * rvi_ingest_start(): the bus watch, a 250 ms timer (stall check and
 * stats), the finish timeout and the reports of index jobs. Streaming
 * threads only bump atomics (the buffer probe: frame and byte counters,
 * last-frame time, the camera clock offset; nothing allocated) and post
 * the first frame once with g_main_context_invoke.
 *
 * Phases: CONNECTING -> STREAMING on the first frame (started) ->
 * FINISHING when stop() is called or a failure is seen: EOS goes into the
 * tee from a GStreamer thread (gst_element_call_async: a blocked
 * streaming thread must not block the main loop), and splitmuxsink
 * finalizes the open segment -> the EOS message (or a RVI_FINISH_TIMEOUT_S
 * timeout) -> the pipeline goes to NULL, again off the main loop ->
 * DRAINING until every index job has reported segment_closed -> DONE with
 * exactly one of stopped or failed. A segment the EOS could not finalize
 * is repaired like after a crash before it is reported.
 *
 * Transport: TCP first; in AUTO mode a camera that refuses interleaving
 * (461, before any frame) gets a fresh pipeline with UDP.
 *
 * Lifetime: index jobs and posts hold an RviIngestLink, not the ingest;
 * rvi_ingest_free() clears the link, removes the bus watch and timers and
 * sets the pipeline to NULL synchronously, so no callback runs after it
 * and no streaming thread touches freed memory. Every way to NULL goes
 * through rvi_ingest_recorder_settle() first: splitmuxsink deadlocks a
 * state change that meets it opening its first file (ingest-recorder.c). */
#define G_LOG_DOMAIN "rvi-ingest"

#include "ingest-private.h"
#include "fmp4-index.h"

#include <gio/gio.h>
#include <string.h>

#define RVI_FINISH_TIMEOUT_S 5
#define RVI_TIMER_MS 250

static void begin_finish (RviIngest *ingest);
static gboolean build_pipeline (RviIngest *ingest, GError **error);
static void destroy_pipeline (RviIngest *ingest);

/* Main context: the first frame arrived. */
static gboolean
on_first_frame (gpointer data)
{
  RviIngestLink *link = data;
  RviIngest *ingest = link->ingest;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstCaps) caps = NULL;

  if (ingest == NULL || ingest->phase != RVI_INGEST_CONNECTING)
    return G_SOURCE_REMOVE;
  ingest->phase = RVI_INGEST_STREAMING;
  pad = gst_element_get_static_pad (ingest->tee, "sink");
  caps = gst_pad_get_current_caps (pad);
  rvi_ingest_source_read_caps (caps, &ingest->info);
  ingest->info.transport = ingest->transport;
  g_info ("camera %s: streaming %s %dx%d over %s", ingest->settings.camera_id,
          ingest->info.codec_string, ingest->info.width, ingest->info.height,
          ingest->transport == RVI_TRANSPORT_UDP ? "udp" : "tcp");
  if (ingest->callbacks.started != NULL)
    ingest->callbacks.started (ingest->user_data, &ingest->info);
  return G_SOURCE_REMOVE;
}

/* Streaming thread, every frame: counters; key frames to the sampler. */
static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RviIngest *ingest = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  int no = 0;

  /* a segment must start with a key frame: drop what precedes the first */
  if (!atomic_load_explicit (&ingest->seen_key, memory_order_relaxed)) {
    if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
      return GST_PAD_PROBE_DROP;
    atomic_store (&ingest->seen_key, 1);
  }
  rvi_ingest_counters_note (ingest->counters, gst_buffer_get_size (buffer));
  rvi_ingest_clock_note_buffer (&ingest->clock, pad, buffer);
  rvi_ingest_tap_frame (ingest, pad, buffer);
  if (atomic_compare_exchange_strong (&ingest->first_posted, &no, 1))
    g_main_context_invoke_full (ingest->context, G_PRIORITY_DEFAULT, on_first_frame,
                                g_rc_box_acquire (ingest->link), (GDestroyNotify) g_rc_box_release);
  return GST_PAD_PROBE_OK;
}

RviIngestCounters *
rvi_ingest_counters_new (RviRecordingCounters *totals)
{
  RviIngestCounters *counters = g_atomic_rc_box_new0 (RviIngestCounters);

  counters->totals = totals ? rvi_recording_counters_ref (totals) : NULL;
  return counters;
}

static void
counters_clear (gpointer data)
{
  RviIngestCounters *counters = data;

  g_clear_pointer (&counters->totals, rvi_recording_counters_unref);
}

RviIngestCounters *
rvi_ingest_counters_ref (RviIngestCounters *counters)
{
  return g_atomic_rc_box_acquire (counters);
}

void
rvi_ingest_counters_unref (RviIngestCounters *counters)
{
  g_atomic_rc_box_release_full (counters, counters_clear);
}

void
rvi_ingest_counters_note (RviIngestCounters *counters, gsize bytes)
{
  atomic_fetch_add_explicit (&counters->frames, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&counters->bytes, bytes, memory_order_relaxed);
  atomic_store_explicit (&counters->last_buffer_us, g_get_monotonic_time (), memory_order_relaxed);
  rvi_recording_counters_add_frame (counters->totals, bytes);
}

static void
check_done (RviIngest *ingest)
{
  if (ingest->phase != RVI_INGEST_DRAINING || ingest->pending_jobs > 0)
    return;
  ingest->phase = RVI_INGEST_DONE;
  if (ingest->have_failure) {
    g_message ("camera %s: failed (%s): %s", ingest->settings.camera_id,
               rvi_ingest_failure_to_string (ingest->failure), ingest->failure_message);
    if (ingest->callbacks.failed != NULL)
      ingest->callbacks.failed (ingest->user_data, ingest->failure, ingest->failure_message);
  } else {
    g_info ("camera %s: stopped", ingest->settings.camera_id);
    if (ingest->callbacks.stopped != NULL)
      ingest->callbacks.stopped (ingest->user_data);
  }
}

void
rvi_ingest_job_done (RviIngest *ingest)
{
  g_assert (ingest->pending_jobs > 0);
  ingest->pending_jobs--;
  check_done (ingest);
}

/* Main context: the pipeline reached NULL, or the native path ended. */
static void
torn_down (RviIngest *ingest)
{
  if (ingest->phase != RVI_INGEST_FINISHING)
    return;
  if (ingest->finish_timeout != NULL) {
    g_source_destroy (ingest->finish_timeout);
    g_clear_pointer (&ingest->finish_timeout, g_source_unref);
  }
  ingest->phase = RVI_INGEST_DRAINING;
  rvi_ingest_recorder_salvage (ingest);
  check_done (ingest);
}

static gboolean
on_torn_down (gpointer data)
{
  RviIngestLink *link = data;

  if (link->ingest != NULL)
    torn_down (link->ingest);
  return G_SOURCE_REMOVE;
}

/* GStreamer thread pool. */
static void
set_null_async (GstElement *pipeline, gpointer data)
{
  RviIngestLink *link = data;
  GMainContext *context = g_object_get_data (G_OBJECT (pipeline), "rvi-context");

  rvi_ingest_recorder_settle (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, on_torn_down, g_rc_box_acquire (link),
                              (GDestroyNotify) g_rc_box_release);
}

static void
teardown (RviIngest *ingest)
{
  if (ingest->finish_timeout != NULL) {
    g_source_destroy (ingest->finish_timeout);
    g_clear_pointer (&ingest->finish_timeout, g_source_unref);
  }
  if (ingest->native != NULL) {
    /* only after the finish timeout: the writer is stuck; go on without it */
    torn_down (ingest);
    return;
  }
  gst_element_call_async (ingest->pipeline, set_null_async, g_rc_box_acquire (ingest->link),
                          (GDestroyNotify) g_rc_box_release);
}

static gboolean
on_finish_timeout (gpointer user_data)
{
  RviIngest *ingest = user_data;

  g_warning ("camera %s: the segment did not finalize within %d s", ingest->settings.camera_id,
             RVI_FINISH_TIMEOUT_S);
  teardown (ingest);
  return G_SOURCE_REMOVE;
}

/* GStreamer thread pool: EOS into the tee, so the recorder finalizes. */
static void
send_eos_async (GstElement *tee, gpointer data)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (tee, "sink");

  gst_pad_send_event (pad, gst_event_new_eos ());
}

static void
begin_finish (RviIngest *ingest)
{
  ingest->phase = RVI_INGEST_FINISHING;
  if (ingest->native != NULL) {
    if (ingest->native_ended) {
      torn_down (ingest);
      return;
    }
    ingest->finish_timeout = g_timeout_source_new_seconds (RVI_FINISH_TIMEOUT_S);
    g_source_set_callback (ingest->finish_timeout, on_finish_timeout, ingest, NULL);
    g_source_attach (ingest->finish_timeout, ingest->context);
    rvi_native_camera_finish (ingest->native);
    return;
  }
  if (atomic_load (&ingest->counters->frames) == 0) {
    teardown (ingest);
    return;
  }
  ingest->finish_timeout = g_timeout_source_new_seconds (RVI_FINISH_TIMEOUT_S);
  g_source_set_callback (ingest->finish_timeout, on_finish_timeout, ingest, NULL);
  g_source_attach (ingest->finish_timeout, ingest->context);
  gst_element_call_async (ingest->tee, send_eos_async, NULL, NULL);
}

void
rvi_ingest_fail (RviIngest *ingest, RviIngestFailure failure, const char *message)
{
  if (ingest->phase >= RVI_INGEST_FINISHING) {
    g_info ("camera %s: while ending: %s", ingest->settings.camera_id, message);
    return;
  }
  ingest->have_failure = TRUE;
  ingest->failure = failure;
  ingest->failure_message = g_strdup (message);
  begin_finish (ingest);
}

void
rvi_ingest_native_started (RviIngest *ingest, const RviStreamInfo *info)
{
  if (ingest->phase != RVI_INGEST_CONNECTING)
    return;
  ingest->phase = RVI_INGEST_STREAMING;
  rvi_stream_info_clear (&ingest->info);
  ingest->info = *info;
  ingest->info.codec = g_strdup (info->codec);
  ingest->info.codec_string = g_strdup (info->codec_string);
  g_info ("camera %s: streaming %s %dx%d over tcp (native)", ingest->settings.camera_id,
          ingest->info.codec_string, ingest->info.width, ingest->info.height);
  if (ingest->callbacks.started != NULL)
    ingest->callbacks.started (ingest->user_data, &ingest->info);
}

void
rvi_ingest_native_opened (RviIngest *ingest, const char *path)
{
  g_free (ingest->open_segment);
  ingest->open_segment = g_strdup (path);
  ingest->segments_opened++;
  g_info ("camera %s: segment opened %s", ingest->settings.camera_id, path);
  if (ingest->callbacks.segment_opened != NULL)
    ingest->callbacks.segment_opened (ingest->user_data, path, rvi_fmp4_start_from_name (path));
}

void
rvi_ingest_native_failed (RviIngest *ingest, RviIngestFailure failure, const char *message,
                          gboolean transport_refused)
{
  if (transport_refused && ingest->phase == RVI_INGEST_CONNECTING &&
      ingest->settings.transport == RVI_TRANSPORT_AUTO) {
    g_autoptr (GError) error = NULL;

    g_message ("camera %s: the camera refused tcp interleaving; trying udp",
               ingest->settings.camera_id);
    rvi_native_camera_finish (ingest->native);  /* lets it go; its end is ignored */
    g_clear_pointer (&ingest->native, rvi_native_camera_unref);
    ingest->transport = RVI_TRANSPORT_UDP;
    if (build_pipeline (ingest, &error))
      return;
    rvi_ingest_fail (ingest, RVI_INGEST_FAILURE_OTHER, error->message);
    return;
  }
  rvi_ingest_fail (ingest, failure, message);
}

void
rvi_ingest_native_ended (RviIngest *ingest)
{
  if (ingest->native == NULL)
    return;
  ingest->native_ended = TRUE;
  torn_down (ingest);
}

static void
on_error (RviIngest *ingest, GstMessage *message)
{
  g_autofree char *text = NULL;
  RviIngestFailure failure = rvi_ingest_source_classify (&ingest->source, message, &text);

  if (ingest->phase == RVI_INGEST_CONNECTING && ingest->settings.transport == RVI_TRANSPORT_AUTO &&
      ingest->transport == RVI_TRANSPORT_TCP && rvi_ingest_source_transport_refused (&ingest->source, message)) {
    g_autoptr (GError) error = NULL;

    g_message ("camera %s: the camera refused tcp interleaving; trying udp",
               ingest->settings.camera_id);
    destroy_pipeline (ingest);
    ingest->transport = RVI_TRANSPORT_UDP;
    if (build_pipeline (ingest, &error))
      return;
    failure = RVI_INGEST_FAILURE_OTHER;
    g_free (text);
    text = g_strdup (error->message);
  }
  if (ingest->phase == RVI_INGEST_STREAMING && failure == RVI_INGEST_FAILURE_UNREACHABLE) {
    failure = RVI_INGEST_FAILURE_STREAM_ENDED;
    g_free (text);
    text = g_strdup ("the camera closed the stream");
  }
  rvi_ingest_fail (ingest, failure, text);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  RviIngest *ingest = user_data;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:
      on_error (ingest, message);
      break;
    case GST_MESSAGE_WARNING: {
      g_autoptr (GError) error = NULL;

      gst_message_parse_warning (message, &error, NULL);
      g_info ("camera %s: warning from %s: %s", ingest->settings.camera_id,
              GST_MESSAGE_SRC_NAME (message), error->message);
      break;
    }
    case GST_MESSAGE_EOS:
      if (ingest->phase < RVI_INGEST_FINISHING) {
        ingest->have_failure = TRUE;
        ingest->failure = RVI_INGEST_FAILURE_STREAM_ENDED;
        ingest->failure_message = g_strdup ("the camera ended the stream");
        ingest->phase = RVI_INGEST_FINISHING;
      }
      if (ingest->phase == RVI_INGEST_FINISHING)
        teardown (ingest);
      break;
    case GST_MESSAGE_ELEMENT:
      rvi_ingest_recorder_handle_message (ingest, message);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
build_pipeline (RviIngest *ingest, GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  RviIngestSource *source = &ingest->source;

  ingest->pipeline = gst_pipeline_new (ingest->settings.camera_id);
  g_object_set_data_full (G_OBJECT (ingest->pipeline), "rvi-context",
                          g_main_context_ref (ingest->context), (GDestroyNotify) g_main_context_unref);
  ingest->tee = gst_element_factory_make ("tee", "tee");
  if (ingest->tee == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "tee is missing");
    return FALSE;
  }
  g_object_set (ingest->tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add (GST_BIN (ingest->pipeline), ingest->tee);
  memset (source, 0, sizeof *source);
  source->camera_id = ingest->settings.camera_id;
  source->pipeline = ingest->pipeline;
  source->downstream = ingest->tee;
  source->probe = on_buffer;
  source->probe_data = ingest;
  if (!rvi_ingest_recorder_build (ingest, error) ||
      rvi_ingest_source_new (source, ingest->settings.url, ingest->settings.username,
                             ingest->settings.password, ingest->transport,
                             ingest->settings.connect_timeout_ms, error) == NULL)
    return FALSE;

  bus = gst_pipeline_get_bus (GST_PIPELINE (ingest->pipeline));
  ingest->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (ingest->bus_watch, G_SOURCE_FUNC (on_bus_message), ingest, NULL);
  g_source_attach (ingest->bus_watch, ingest->context);
  ingest->connect_start_us = g_get_monotonic_time ();
  if (gst_element_set_state (ingest->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    g_info ("camera %s: PLAYING failed at once; the bus has the reason", ingest->settings.camera_id);
  return TRUE;
}

static void
destroy_pipeline (RviIngest *ingest)
{
  if (ingest->bus_watch != NULL) {
    g_source_destroy (ingest->bus_watch);
    g_clear_pointer (&ingest->bus_watch, g_source_unref);
  }
  if (ingest->pipeline != NULL) {
    rvi_ingest_recorder_settle (ingest->pipeline);
    gst_element_set_state (ingest->pipeline, GST_STATE_NULL);
    gst_clear_object (&ingest->pipeline);
  }
  ingest->tee = ingest->queue = ingest->splitmux = NULL;
  ingest->source.element = NULL;
  rvi_ingest_tap_clear (ingest);
}

RviIngest *
rvi_ingest_start (const RviIngestSettings *settings, const RviIngestCallbacks *callbacks,
                  gpointer user_data, GError **error)
{
  RviIngest *ingest;

  g_return_val_if_fail (settings != NULL && settings->camera_id != NULL, NULL);
  g_return_val_if_fail (settings->segment_dir != NULL, NULL);
  if (!rvi_ingest_url_allowed (settings->url)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "camera %s: only rtsp:// and rtsps:// urls are allowed", settings->camera_id);
    return NULL;
  }
  ingest = g_new0 (RviIngest, 1);
  ingest->settings = *settings;
  ingest->settings.camera_id = g_strdup (settings->camera_id);
  ingest->settings.url = g_strdup (settings->url);
  ingest->settings.username = g_strdup (settings->username);
  ingest->settings.password = g_strdup (settings->password);
  ingest->settings.segment_dir = g_strdup (settings->segment_dir);
  if (settings->sampler)
    ingest->settings.sampler = rvi_frame_sampler_ref (settings->sampler);
  if (settings->live)
    ingest->settings.live = rvi_live_feed_ref (settings->live);
  if (settings->counters)
    ingest->settings.counters = rvi_recording_counters_ref (settings->counters);
  if (ingest->settings.segment_seconds == 0)
    ingest->settings.segment_seconds = 60;
  if (ingest->settings.fragment_ms == 0)
    ingest->settings.fragment_ms = 1000;
  if (ingest->settings.stall_timeout_ms == 0)
    ingest->settings.stall_timeout_ms = 5000;
  if (ingest->settings.connect_timeout_ms == 0)
    ingest->settings.connect_timeout_ms = 10000;
  if (callbacks != NULL)
    ingest->callbacks = *callbacks;
  ingest->user_data = user_data;
  ingest->context = g_main_context_ref_thread_default ();
  ingest->link = g_rc_box_new0 (RviIngestLink);
  ingest->link->ingest = ingest;
  ingest->transport = settings->transport == RVI_TRANSPORT_UDP ? RVI_TRANSPORT_UDP : RVI_TRANSPORT_TCP;
  rvi_ingest_clock_init (&ingest->clock);
  ingest->counters = rvi_ingest_counters_new (settings->counters);
  atomic_store (&ingest->first_running_time, -1);
  g_info ("camera %s: connecting to %s", ingest->settings.camera_id, ingest->settings.url);
  ingest->connect_start_us = g_get_monotonic_time ();
  if (rvi_native_camera_supports (&ingest->settings))
    ingest->native = rvi_native_camera_start (ingest);
  else if (!build_pipeline (ingest, error)) {
    rvi_ingest_free (ingest);
    return NULL;
  }
  ingest->timer = g_timeout_source_new (RVI_TIMER_MS);
  g_source_set_callback (ingest->timer, rvi_ingest_watch_tick, ingest, NULL);
  g_source_attach (ingest->timer, ingest->context);
  return ingest;
}

void
rvi_ingest_stop (RviIngest *ingest)
{
  if (ingest->phase >= RVI_INGEST_FINISHING)
    return;
  g_info ("camera %s: stopping", ingest->settings.camera_id);
  begin_finish (ingest);
}

void
rvi_ingest_free (RviIngest *ingest)
{
  if (ingest == NULL)
    return;
  ingest->link->ingest = NULL;
  if (ingest->timer != NULL) {
    g_source_destroy (ingest->timer);
    g_source_unref (ingest->timer);
  }
  if (ingest->finish_timeout != NULL) {
    g_source_destroy (ingest->finish_timeout);
    g_source_unref (ingest->finish_timeout);
  }
  if (ingest->native != NULL) {
    rvi_native_camera_finish (ingest->native);
    g_clear_pointer (&ingest->native, rvi_native_camera_unref);
  }
  destroy_pipeline (ingest);
  rvi_ingest_recorder_clear (ingest);
  rvi_ingest_counters_unref (ingest->counters);
  g_rc_box_release (ingest->link);
  rvi_ingest_clock_clear (&ingest->clock);
  rvi_stream_info_clear (&ingest->info);
  g_free (ingest->open_segment);
  g_free (ingest->failure_message);
  g_free ((char *) ingest->settings.camera_id);
  g_free ((char *) ingest->settings.url);
  g_free ((char *) ingest->settings.username);
  if (ingest->settings.password != NULL)
    explicit_bzero ((char *) ingest->settings.password, strlen (ingest->settings.password));
  g_free ((char *) ingest->settings.password);
  g_free ((char *) ingest->settings.segment_dir);
  g_clear_pointer (&ingest->settings.sampler, rvi_frame_sampler_unref);
  g_clear_pointer (&ingest->settings.live, rvi_live_feed_unref);
  g_clear_pointer (&ingest->settings.counters, rvi_recording_counters_unref);
  g_main_context_unref (ingest->context);
  g_free (ingest);
}
