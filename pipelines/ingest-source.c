/* ingest-source.c: rtspsrc, stream selection, depay/parse by codec, and
 * what an error from the camera end means (see ingest-source.h).
 *
 * DESIGN. rtspsrc offers every stream of the session through select-stream;
 * we take the first video stream whose encoding is H264 or H265 and refuse
 * the rest (audio, metadata, other codecs), counting what we saw so that a
 * later "no supported stream" error can say "no video track" or
 * "unsupported codec". When the video pad appears the parser chain is added
 * and linked from rtspsrc's thread:
 *
 *   rtph264depay ! h264parse ! video/x-h264,stream-format=avc,alignment=au
 *   rtph265depay ! h265parse ! video/x-h265,stream-format=hvc1,alignment=au
 *
 * avc/hvc1 put SPS/PPS (and VPS) into the caps' codec_data, which mp4mux
 * writes into each segment's moov, so every file decodes on its own; the
 * parsers compute DTS, so B-frames mux correctly. Nothing is re-encoded.
 *
 * rtspsrc's RTP manager (rtpbin) is told to add a GstReferenceTimestampMeta
 * (timestamp/x-ntp) once RTCP sender reports map RTP time to the camera's
 * NTP clock; ingest-clock.c reads it. rtspsrc 1.22 has no property of its
 * own for that, hence the new-manager signal. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "ingest-source.h"

#include <gst/pbutils/pbutils.h>
#include <gst/rtsp/rtsp.h>
#include <string.h>

gboolean
rvi_ingest_url_allowed (const char *url)
{
  return url != NULL &&
         (g_ascii_strncasecmp (url, "rtsp://", 7) == 0 || g_ascii_strncasecmp (url, "rtsps://", 8) == 0);
}

static RviSourceCodec
codec_of_rtp_caps (const GstStructure *s)
{
  const char *encoding = gst_structure_get_string (s, "encoding-name");

  if (encoding == NULL)
    return RVI_SOURCE_CODEC_NONE;
  if (g_ascii_strcasecmp (encoding, "H264") == 0)
    return RVI_SOURCE_CODEC_H264;
  if (g_ascii_strcasecmp (encoding, "H265") == 0)
    return RVI_SOURCE_CODEC_H265;
  return RVI_SOURCE_CODEC_NONE;
}

/* rtspsrc thread: TRUE to set up this stream. */
static gboolean
on_select_stream (GstElement *rtspsrc, guint num, GstCaps *caps, gpointer user_data)
{
  RviIngestSource *source = user_data;
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *media = gst_structure_get_string (s, "media");
  RviSourceCodec codec = codec_of_rtp_caps (s);
  int none = RVI_SOURCE_CODEC_NONE;

  atomic_fetch_add (&source->streams, 1);
  if (g_strcmp0 (media, "video") != 0)
    return FALSE;
  if (codec == RVI_SOURCE_CODEC_NONE) {
    g_info ("camera %s: refusing video stream %u (%s)", source->camera_id, num,
            gst_structure_get_string (s, "encoding-name"));
    atomic_fetch_add (&source->unsupported, 1);
    return FALSE;
  }
  return atomic_compare_exchange_strong (&source->codec, &none, (int) codec);
}

/* rtspsrc thread: configures its rtpbin. */
static void
on_new_manager (GstElement *rtspsrc, GstElement *manager, gpointer user_data)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (manager), "add-reference-timestamp-meta"))
    g_object_set (manager, "add-reference-timestamp-meta", TRUE, NULL);
}

static gboolean
add_chain (RviIngestSource *source, GstPad *pad, RviSourceCodec codec)
{
  gboolean h265 = codec == RVI_SOURCE_CODEC_H265;
  GstElement *depay = gst_element_factory_make (h265 ? "rtph265depay" : "rtph264depay", NULL);
  GstElement *parse = gst_element_factory_make (h265 ? "h265parse" : "h264parse", NULL);
  GstElement *stamper = gst_element_factory_make (h265 ? "h265timestamper" : "h264timestamper", NULL);
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  g_autoptr (GstCaps) caps = gst_caps_from_string (
    h265 ? "video/x-h265,stream-format=hvc1,alignment=au" : "video/x-h264,stream-format=avc,alignment=au");
  g_autoptr (GstPad) sink = NULL, src = NULL;

  if (depay == NULL || parse == NULL || stamper == NULL || filter == NULL) {
    g_clear_object (&depay);
    g_clear_object (&parse);
    g_clear_object (&stamper);
    g_clear_object (&filter);
    return FALSE;
  }
  g_object_set (filter, "caps", caps, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (depay), "request-keyframe"))
    g_object_set (depay, "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
  gst_bin_add_many (GST_BIN (source->pipeline), depay, parse, stamper, filter, NULL);
  if (!gst_element_link_many (depay, parse, stamper, filter, source->downstream, NULL))
    return FALSE;
  src = gst_element_get_static_pad (filter, "src");
  if (source->probe != NULL)
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, source->probe, source->probe_data, NULL);
  gst_element_sync_state_with_parent (filter);
  gst_element_sync_state_with_parent (stamper);
  gst_element_sync_state_with_parent (parse);
  gst_element_sync_state_with_parent (depay);
  sink = gst_element_get_static_pad (depay, "sink");
  return gst_pad_link (pad, sink) == GST_PAD_LINK_OK;
}

/* rtspsrc thread: a stream's pad appeared. */
static void
on_pad_added (GstElement *rtspsrc, GstPad *pad, gpointer user_data)
{
  RviIngestSource *source = user_data;
  g_autoptr (GstCaps) caps = gst_pad_query_caps (pad, NULL);
  RviSourceCodec codec;

  if (gst_caps_is_empty (caps) || atomic_load (&source->linked))
    return;
  codec = codec_of_rtp_caps (gst_caps_get_structure (caps, 0));
  if (codec == RVI_SOURCE_CODEC_NONE || (int) codec != atomic_load (&source->codec))
    return;
  if (!add_chain (source, pad, codec)) {
    GST_ELEMENT_ERROR (rtspsrc, CORE, NEGOTIATION, ("cannot link the video stream"), (NULL));
    return;
  }
  atomic_store (&source->linked, 1);
  g_debug ("camera %s: video pad linked (%s)", source->camera_id,
           codec == RVI_SOURCE_CODEC_H265 ? "h265" : "h264");
}

GstElement *
rvi_ingest_source_new (RviIngestSource *source, const char *url, const char *username,
                       const char *password, RviTransport transport, guint timeout_ms,
                       GError **error)
{
  GstElement *src = gst_element_factory_make ("rtspsrc", NULL);

  if (src == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "rtspsrc is missing");
    return NULL;
  }
  g_object_set (src, "location", url, "latency", 200, "protocols",
                transport == RVI_TRANSPORT_UDP ? GST_RTSP_LOWER_TRANS_UDP : GST_RTSP_LOWER_TRANS_TCP,
                "tcp-timeout", (guint64) timeout_ms * 1000, "timeout", (guint64) timeout_ms * 1000,
                "drop-on-latency", FALSE, "user-agent", "rvi", NULL);
  if (username != NULL)
    g_object_set (src, "user-id", username, "user-pw", password != NULL ? password : "", NULL);
  g_signal_connect (src, "select-stream", G_CALLBACK (on_select_stream), source);
  g_signal_connect (src, "pad-added", G_CALLBACK (on_pad_added), source);
  g_signal_connect (src, "new-manager", G_CALLBACK (on_new_manager), source);
  gst_bin_add (GST_BIN (source->pipeline), src);
  source->element = src;
  return src;
}

static gboolean
from_element (GstMessage *message, GstElement *element)
{
  GstObject *src = GST_MESSAGE_SRC (message);

  return element != NULL && src != NULL &&
         (src == GST_OBJECT (element) || gst_object_has_as_ancestor (src, GST_OBJECT (element)));
}

gboolean
rvi_ingest_source_transport_refused (RviIngestSource *source, GstMessage *error_message)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;

  /* rtspsrc 1.22 skips a stream whose SETUP got 461 and, with none left,
   * says "no supported stream ... allow more transport protocols"
   * (STREAM_ERROR_CODEC_NOT_FOUND); the
   * same words follow our own refusal in select-stream, told apart by
   * whether a video stream was selected */
  gst_message_parse_error (error_message, &error, &debug);
  if (!from_element (error_message, source->element))
    return FALSE;
  if (debug != NULL && (strstr (debug, "461") != NULL || strstr (debug, "no protocols left") != NULL))
    return TRUE;
  return atomic_load (&source->codec) != RVI_SOURCE_CODEC_NONE && !atomic_load (&source->linked) &&
         strstr (error->message, "transport protocols") != NULL;
}

RviIngestFailure
rvi_ingest_source_classify (RviIngestSource *source, GstMessage *error_message, char **message)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  gboolean camera_end = from_element (error_message, source->element);
  RviIngestFailure failure = RVI_INGEST_FAILURE_OTHER;

  gst_message_parse_error (error_message, &error, &debug);
  if (atomic_load (&source->codec) == RVI_SOURCE_CODEC_NONE && atomic_load (&source->streams) > 0) {
    gboolean unsupported = atomic_load (&source->unsupported) > 0;

    *message = g_strdup (unsupported ? "unsupported video codec (only h264 and h265 are recorded)"
                                     : "the stream has no video track");
    return unsupported ? RVI_INGEST_FAILURE_UNSUPPORTED : RVI_INGEST_FAILURE_NO_VIDEO;
  }
  if (error->domain == GST_RESOURCE_ERROR) {
    switch (error->code) {
      case GST_RESOURCE_ERROR_NOT_AUTHORIZED:
        failure = RVI_INGEST_FAILURE_AUTH;
        break;
      case GST_RESOURCE_ERROR_OPEN_WRITE:
      case GST_RESOURCE_ERROR_WRITE:
      case GST_RESOURCE_ERROR_NO_SPACE_LEFT:
      case GST_RESOURCE_ERROR_SYNC:
      case GST_RESOURCE_ERROR_CLOSE:
        failure = camera_end ? RVI_INGEST_FAILURE_UNREACHABLE : RVI_INGEST_FAILURE_DISK;
        break;
      default:
        failure = camera_end ? RVI_INGEST_FAILURE_UNREACHABLE : RVI_INGEST_FAILURE_OTHER;
        break;
    }
  }
  if (failure == RVI_INGEST_FAILURE_AUTH)
    *message = g_strdup ("authentication failed (401)");
  else if (failure == RVI_INGEST_FAILURE_UNREACHABLE && debug != NULL &&
           strstr (debug, "404") != NULL)
    *message = g_strdup ("stream not found (404)");
  else {
    g_autofree char *text = g_ascii_strdown (error->message, -1);
    gsize len = strlen (text);

    if (len > 0 && text[len - 1] == '.')
      text[len - 1] = '\0';
    *message = failure == RVI_INGEST_FAILURE_UNREACHABLE
                 ? g_strdup_printf ("cannot connect to the camera (%s)", text)
                 : g_steal_pointer (&text);
  }
  return failure;
}

gboolean
rvi_ingest_source_read_caps (GstCaps *caps, RviStreamInfo *info)
{
  const GstStructure *s;
  int num = 0, den = 1;

  if (caps == NULL || !gst_caps_is_fixed (caps))
    return FALSE;
  s = gst_caps_get_structure (caps, 0);
  g_free (info->codec);
  g_free (info->codec_string);
  info->codec = g_strdup (gst_structure_has_name (s, "video/x-h265") ? "h265" : "h264");
  info->codec_string = gst_codec_utils_caps_get_mime_codec (caps);
  /* avc1.64001f: lower-case hex as in RFC 6381 and fmp4-index.c */
  if (info->codec_string != NULL && g_str_equal (info->codec, "h264")) {
    char *lower = g_ascii_strdown (info->codec_string, -1);

    g_free (info->codec_string);
    info->codec_string = lower;
  }
  gst_structure_get_int (s, "width", &info->width);
  gst_structure_get_int (s, "height", &info->height);
  if (gst_structure_get_fraction (s, "framerate", &num, &den) && num > 0 && den > 0)
    info->fps = (double) num / den;
  return TRUE;
}
