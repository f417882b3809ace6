/* camsim-clip.c: render and encode a loop-mode clip at start-up.
 *
 * appsrc ! ENCODER ! appsink, driven synchronously from the caller's
 * thread: push every frame, push EOS, pull every sample. The appsrc blocks
 * at two queued frames so the picture's pool stays small. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "camsim-clip.h"
#include "camsim-picture.h"

#include <gio/gio.h>
#include <gst/app/app.h>

static void
clip_clear (gpointer data)
{
  RviCamsimClip *clip = data;

  g_clear_pointer (&clip->caps, gst_caps_unref);
  g_clear_pointer (&clip->frames, g_ptr_array_unref);
}

RviCamsimClip *
rvi_camsim_clip_ref (RviCamsimClip *clip)
{
  return g_atomic_rc_box_acquire (clip);
}

void
rvi_camsim_clip_unref (RviCamsimClip *clip)
{
  g_atomic_rc_box_release_full (clip, clip_clear);
}

/* The first error on @bus, if any, as a GError. */
static gboolean
check_bus (GstElement *pipeline, guint index, GError **error)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  g_autoptr (GError) gst_error = NULL;

  if (message == NULL)
    return TRUE;
  gst_message_parse_error (message, &gst_error, NULL);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cam%u: clip encoder failed: %s", index,
               gst_error->message);
  return FALSE;
}

RviCamsimClip *
rvi_camsim_clip_encode (const RviCamsimSettings *settings, guint index, const gchar *label,
                        RviCamsimScene scene, GError **error)
{
  g_autoptr (RviCamsimClip) clip = g_atomic_rc_box_new0 (RviCamsimClip);
  g_autoptr (RviCamsimPicture) picture = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstCaps) raw_caps = NULL;
  g_autofree gchar *encoder = rvi_camsim_settings_encoder (settings);
  g_autofree gchar *description = NULL;
  guint n_frames = (guint)(RVI_CAMSIM_CLIP_SECONDS * settings->fps);
  gint64 start_ms = g_get_real_time () / 1000;
  GstSample *sample;

  clip->frames = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_buffer_unref);
  clip->frame_duration = gst_util_uint64_scale_int (GST_SECOND, 1, settings->fps);
  picture = rvi_camsim_picture_new (index, label, settings->width, settings->height, settings->fps,
                                    error);
  if (picture == NULL)
    return NULL;
  raw_caps = rvi_camsim_picture_get_caps (picture);

  description = g_strdup_printf ("appsrc name=src format=time block=true max-buffers=2 ! %s ! "
                                 "appsink name=sink sync=false",
                                 encoder);
  pipeline = gst_parse_launch (description, error);
  if (pipeline == NULL)
    return NULL;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_app_src_set_caps (GST_APP_SRC (src), raw_caps);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    check_bus (pipeline, index, error);
    if (error != NULL && *error == NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cam%u: clip encoder would not start",
                   index);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    return NULL;
  }

  for (guint i = 0; i < n_frames; i++) {
    GstClockTime pts = i * clip->frame_duration;
    GstBuffer *frame = rvi_camsim_picture_render (picture, scene, (gdouble)pts / GST_SECOND,
                                                  start_ms + (gint64)(pts / GST_MSECOND));

    if (frame == NULL)
      break;
    GST_BUFFER_PTS (frame) = pts;
    GST_BUFFER_DURATION (frame) = clip->frame_duration;
    if (gst_app_src_push_buffer (GST_APP_SRC (src), frame) != GST_FLOW_OK)
      break;
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL) {
    if (clip->caps == NULL)
      clip->caps = gst_caps_ref (gst_sample_get_caps (sample));
    g_ptr_array_add (clip->frames, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }

  if (!check_bus (pipeline, index, error)) {
    gst_element_set_state (pipeline, GST_STATE_NULL);
    return NULL;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (clip->frames->len != n_frames || clip->caps == NULL
      || GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (clip->frames, 0), GST_BUFFER_FLAG_DELTA_UNIT)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cam%u: clip encoder gave %u of %u frames",
                 index, clip->frames->len, n_frames);
    return NULL;
  }
  return g_steal_pointer (&clip);
}
