/* rtsp-capture.c: play an RTSP URL and measure the decoded frames. */
#define G_LOG_DOMAIN "rvi-test"

#include "rtsp-capture.h"
#include "timestamp-blocks.h"

#include <gio/gio.h>
#include <gst/app/app.h>
#include <gst/video/video.h>
#include <string.h>

/* The RTP encoding name on any of rtspsrc's source pads. */
static gchar *
find_encoding (GstElement *rtspsrc)
{
  g_autoptr (GstIterator) pads = gst_element_iterate_src_pads (rtspsrc);
  GValue item = G_VALUE_INIT;
  gchar *encoding = NULL;

  while (encoding == NULL && gst_iterator_next (pads, &item) == GST_ITERATOR_OK) {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (g_value_get_object (&item));

    if (caps != NULL && gst_caps_get_size (caps) > 0) {
      const gchar *name
          = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
      encoding = g_strdup (name);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  return encoding;
}

static void
measure (RviCapture *capture, GstSample *sample)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  const guint8 *y;
  gint stride, top, unused, bottom;
  gint64 ms = -1, lag = G_MININT64;
  guint64 sum = 0, steps = 0;
  gdouble mean, sharpness;

  g_assert_true (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  g_assert_true (gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ));
  capture->width = GST_VIDEO_INFO_WIDTH (&info);
  capture->height = GST_VIDEO_INFO_HEIGHT (&info);
  y = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

  if (rvi_timestamp_blocks_read (y, capture->width, capture->height, stride, &ms))
    lag = g_get_real_time () / 1000 - ms;
  else
    ms = -1;

  rvi_timestamp_blocks_band (capture->height, &unused, &top);
  bottom = capture->height * 42 / 45;
  if (capture->last_luma == NULL) {
    capture->scene_rows = bottom - top;
    capture->last_luma = g_malloc ((gsize)capture->width * (gsize)capture->scene_rows);
  }
  for (gint row = top; row < bottom; row++) {
    const guint8 *p = y + (gsize)row * stride;

    memcpy (capture->last_luma + (gsize)(row - top) * capture->width, p, (gsize)capture->width);
    for (gint col = 0; col < capture->width; col++) {
      sum += p[col];
      if (col > 0)
        steps += (guint64)ABS (p[col] - p[col - 1]);
    }
  }
  mean = (gdouble)sum / ((gdouble)capture->width * (bottom - top));
  sharpness = (gdouble)steps / ((gdouble)(capture->width - 1) * (bottom - top));
  gst_video_frame_unmap (&frame);

  g_array_append_val (capture->pts, GST_BUFFER_PTS (buffer));
  g_array_append_val (capture->stamps, ms);
  g_array_append_val (capture->lag_ms, lag);
  g_array_append_val (capture->mean_luma, mean);
  g_array_append_val (capture->sharpness, sharpness);
  capture->frames++;
}

gboolean
rvi_capture_run (RviCapture *capture, const gchar *url, const gchar *user, const gchar *password,
                 guint n_frames, guint timeout_s, GError **error)
{
  g_autofree gchar *description = g_strdup_printf (
      "rtspsrc name=src location=%s protocols=tcp latency=200 ! decodebin ! videoconvert ! "
      "video/x-raw,format=I420 ! appsink name=sink sync=false max-buffers=4",
      url);
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, error);
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstBus) bus = NULL;
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  gboolean ok = FALSE;

  memset (capture, 0, sizeof *capture);
  capture->pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  capture->stamps = g_array_new (FALSE, FALSE, sizeof (gint64));
  capture->lag_ms = g_array_new (FALSE, FALSE, sizeof (gint64));
  capture->mean_luma = g_array_new (FALSE, FALSE, sizeof (gdouble));
  capture->sharpness = g_array_new (FALSE, FALSE, sizeof (gdouble));
  if (pipeline == NULL)
    return FALSE;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (user != NULL)
    g_object_set (src, "user-id", user, "user-pw", password, NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  while (capture->frames < n_frames) {
    g_autoptr (GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    GstSample *sample;

    if (message != NULL) {
      g_autofree gchar *debug = NULL;
      gst_message_parse_error (message, error, &debug);
      g_test_message ("client error: %s (%s)", (*error)->message, debug);
      goto out;
    }
    if (g_get_monotonic_time () > deadline) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%u of %u frames in %u s",
                   capture->frames, n_frames, timeout_s);
      goto out;
    }
    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 100 * GST_MSECOND);
    if (sample != NULL) {
      measure (capture, sample);
      gst_sample_unref (sample);
    }
  }
  capture->encoding = find_encoding (src);
  ok = TRUE;

out:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

void
rvi_capture_clear (RviCapture *capture)
{
  g_clear_pointer (&capture->encoding, g_free);
  g_clear_pointer (&capture->pts, g_array_unref);
  g_clear_pointer (&capture->stamps, g_array_unref);
  g_clear_pointer (&capture->lag_ms, g_array_unref);
  g_clear_pointer (&capture->mean_luma, g_array_unref);
  g_clear_pointer (&capture->sharpness, g_array_unref);
  g_clear_pointer (&capture->last_luma, g_free);
}
