/* camera-probe.c: "test connection" (see camera-probe.h).
 *
 * DESIGN. A throwaway pipeline: the same camera end as the ingest
 * (ingest-source.c: rtspsrc, stream selection, depay ! parse) into a
 * fakesink. A buffer probe posts once to the caller's main context: at
 * the first frame when the caps carry a frame rate, else after noting the
 * timestamps of the first RVI_PROBE_FRAMES frames. The main context then
 * reads codec, size and frame rate from the negotiated caps (the frame
 * rate from the timestamps when the caps have none). Errors are
 * classified like the ingest's; a timer bounds the whole probe. Whatever
 * ends it, done runs once, then the pipeline goes to NULL on a GStreamer
 * thread (rtspsrc's TEARDOWN must not block the main loop) and the probe
 * is freed when the last reference (posts, that teardown) goes. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "camera-probe.h"
#include "ingest-source.h"

#include <string.h>

#define RVI_PROBE_FRAMES 16

typedef struct {
  RviIngestSource source;
  GstElement *pipeline;
  GstElement *sink;
  GMainContext *context;
  GSource *bus_watch;
  GSource *timeout;
  RviProbeDone done;
  gpointer user_data;
  char *url, *username, *password;
  RviTransport requested, transport;
  guint timeout_ms;
  gboolean finished;
  atomic_int frames;
  atomic_int posted;
  GstClockTime pts[RVI_PROBE_FRAMES];  /* written by the streaming thread before the post */
} RviProbe;

static void
probe_clear (gpointer data)
{
  RviProbe *probe = data;

  gst_clear_object (&probe->pipeline);
  g_main_context_unref (probe->context);
  g_free (probe->url);
  g_free (probe->username);
  g_free (probe->password);
}

static void
probe_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, probe_clear);
}

static void
set_null_async (GstElement *pipeline, gpointer data)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  probe_release (data);
}

/* Main context: reports once and tears down. */
static void
finish (RviProbe *probe, const RviStreamInfo *info, RviIngestFailure failure, const char *message)
{
  if (probe->finished)
    return;
  probe->finished = TRUE;
  if (probe->timeout != NULL)
    g_source_destroy (probe->timeout);
  g_clear_pointer (&probe->timeout, g_source_unref);
  if (probe->bus_watch != NULL)
    g_source_destroy (probe->bus_watch);
  g_clear_pointer (&probe->bus_watch, g_source_unref);
  if (info != NULL)
    g_info ("probe %s: %s %dx%d %.2f fps", probe->url, info->codec_string, info->width,
            info->height, info->fps);
  else
    g_info ("probe %s: %s: %s", probe->url, rvi_ingest_failure_to_string (failure), message);
  probe->done (probe->user_data, info, failure, message);
  /* the probe's own reference goes with the teardown */
  gst_element_call_async (probe->pipeline, set_null_async, probe, NULL);
}

static gboolean
on_frames (gpointer data)
{
  RviProbe *probe = data;
  g_autoptr (GstPad) pad = gst_element_get_static_pad (probe->sink, "sink");
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  RviStreamInfo info = { 0 };

  if (probe->finished)
    return G_SOURCE_REMOVE;
  if (!rvi_ingest_source_read_caps (caps, &info)) {
    finish (probe, NULL, RVI_INGEST_FAILURE_OTHER, "the video caps did not negotiate");
    return G_SOURCE_REMOVE;
  }
  if (info.fps <= 0) {
    GstClockTime lo = GST_CLOCK_TIME_NONE, hi = 0;

    for (guint i = 0; i < RVI_PROBE_FRAMES; i++) {
      if (!GST_CLOCK_TIME_IS_VALID (probe->pts[i]))
        continue;
      lo = MIN (lo, probe->pts[i]);
      hi = MAX (hi, probe->pts[i]);
    }
    if (GST_CLOCK_TIME_IS_VALID (lo) && hi > lo)
      info.fps = (RVI_PROBE_FRAMES - 1) * (double) GST_SECOND / (double) (hi - lo);
  }
  info.transport = probe->transport;
  finish (probe, &info, RVI_INGEST_FAILURE_OTHER, NULL);
  rvi_stream_info_clear (&info);
  return G_SOURCE_REMOVE;
}

/* Streaming thread. */
static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RviProbe *probe = user_data;
  int n = atomic_fetch_add (&probe->frames, 1);

  gboolean post = n == RVI_PROBE_FRAMES - 1;

  if (n < RVI_PROBE_FRAMES)
    probe->pts[n] = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));
  if (n == 0) {
    /* with a frame rate in the caps there is nothing to measure */
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
    int num = 0, den = 0;

    post = caps != NULL &&
           gst_structure_get_fraction (gst_caps_get_structure (caps, 0), "framerate", &num, &den) &&
           num > 0 && den > 0;
  }
  if (post && atomic_exchange (&probe->posted, 1) == 0)
    g_main_context_invoke_full (probe->context, G_PRIORITY_DEFAULT, on_frames,
                                g_atomic_rc_box_acquire (probe), probe_release);
  return GST_PAD_PROBE_OK;
}

static gboolean build (RviProbe *probe);

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  RviProbe *probe = user_data;
  g_autofree char *text = NULL;
  RviIngestFailure failure;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS) {
    finish (probe, NULL, RVI_INGEST_FAILURE_STREAM_ENDED, "the camera ended the stream");
    return G_SOURCE_REMOVE;
  }
  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  if (probe->requested == RVI_TRANSPORT_AUTO && probe->transport == RVI_TRANSPORT_TCP &&
      atomic_load (&probe->frames) == 0 && rvi_ingest_source_transport_refused (&probe->source, message)) {
    g_source_destroy (probe->bus_watch);
    g_clear_pointer (&probe->bus_watch, g_source_unref);
    gst_element_set_state (probe->pipeline, GST_STATE_NULL);
    gst_clear_object (&probe->pipeline);
    probe->transport = RVI_TRANSPORT_UDP;
    if (build (probe))
      return G_SOURCE_REMOVE;
    finish (probe, NULL, RVI_INGEST_FAILURE_OTHER, "cannot build the probe pipeline");
    return G_SOURCE_REMOVE;
  }
  failure = rvi_ingest_source_classify (&probe->source, message, &text);
  finish (probe, NULL, failure, text);
  return G_SOURCE_REMOVE;
}

static gboolean
on_timeout (gpointer user_data)
{
  RviProbe *probe = user_data;
  g_autofree char *text = g_strdup_printf ("no video within %u ms", probe->timeout_ms);

  finish (probe, NULL, RVI_INGEST_FAILURE_TIMEOUT, text);
  return G_SOURCE_REMOVE;
}

static gboolean
on_refused (gpointer user_data)
{
  RviProbe *probe = user_data;

  finish (probe, NULL, RVI_INGEST_FAILURE_OTHER,
          rvi_ingest_url_allowed (probe->url) ? "cannot build the probe pipeline"
                                              : "only rtsp:// and rtsps:// urls are allowed");
  return G_SOURCE_REMOVE;
}

static gboolean
build (RviProbe *probe)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GError) error = NULL;

  probe->pipeline = gst_pipeline_new ("probe");
  probe->sink = gst_element_factory_make ("fakesink", NULL);
  if (probe->sink == NULL)
    return FALSE;
  g_object_set (probe->sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (probe->pipeline), probe->sink);
  memset (&probe->source, 0, sizeof probe->source);
  probe->source.camera_id = "probe";
  probe->source.pipeline = probe->pipeline;
  probe->source.downstream = probe->sink;
  probe->source.probe = on_buffer;
  probe->source.probe_data = probe;
  if (rvi_ingest_source_new (&probe->source, probe->url, probe->username, probe->password,
                             probe->transport, probe->timeout_ms, &error) == NULL) {
    g_warning ("probe: %s", error->message);
    return FALSE;
  }
  bus = gst_pipeline_get_bus (GST_PIPELINE (probe->pipeline));
  probe->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (probe->bus_watch, G_SOURCE_FUNC (on_bus_message), probe, NULL);
  g_source_attach (probe->bus_watch, probe->context);
  gst_element_set_state (probe->pipeline, GST_STATE_PLAYING);
  return TRUE;
}

void
rvi_camera_probe (const char *url, const char *username, const char *password,
                  RviTransport transport, guint timeout_ms, RviProbeDone done, gpointer user_data)
{
  RviProbe *probe = g_atomic_rc_box_new0 (RviProbe);

  probe->context = g_main_context_ref_thread_default ();
  probe->done = done;
  probe->user_data = user_data;
  probe->url = g_strdup (url);
  probe->username = g_strdup (username);
  probe->password = g_strdup (password);
  probe->requested = transport;
  probe->transport = transport == RVI_TRANSPORT_UDP ? RVI_TRANSPORT_UDP : RVI_TRANSPORT_TCP;
  probe->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
  for (guint i = 0; i < RVI_PROBE_FRAMES; i++)
    probe->pts[i] = GST_CLOCK_TIME_NONE;
  if (rvi_ingest_url_allowed (url) && build (probe)) {
    probe->timeout = g_timeout_source_new (probe->timeout_ms);
    g_source_set_callback (probe->timeout, on_timeout, probe, NULL);
  } else {
    /* reported from the main loop, never from inside this call */
    if (probe->pipeline == NULL)
      probe->pipeline = gst_pipeline_new ("probe");
    probe->timeout = g_idle_source_new ();
    g_source_set_callback (probe->timeout, on_refused, probe, NULL);
  }
  g_source_attach (probe->timeout, probe->context);
}
