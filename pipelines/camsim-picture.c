/* camsim-picture.c: pool-backed rendering of a camera's frames. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "camsim-picture.h"
#include "camsim-canvas.h"

#include <gio/gio.h>

struct _RviCamsimPicture {
  guint index;
  gchar *label;
  GstVideoInfo info;
  GstBufferPool *pool;
  guint8 *scratch;
  gboolean frozen;
  gdouble frozen_t;
  gint64 frozen_ms;
};

RviCamsimPicture *
rvi_camsim_picture_new (guint index, const gchar *label, gint width, gint height, gint fps,
                        GError **error)
{
  g_autoptr (RviCamsimPicture) self = g_new0 (RviCamsimPicture, 1);
  g_autoptr (GstCaps) caps = NULL;
  GstStructure *config;

  self->index = index;
  self->label = g_strdup (label);
  gst_video_info_set_format (&self->info, GST_VIDEO_FORMAT_I420, (guint)width, (guint)height);
  self->info.fps_n = fps;
  self->info.fps_d = 1;
  caps = gst_video_info_to_caps (&self->info);

  /* Grows to what the encoder holds, then recycles: max 0 never blocks. */
  self->pool = gst_video_buffer_pool_new ();
  config = gst_buffer_pool_get_config (self->pool);
  gst_buffer_pool_config_set_params (config, caps, (guint)self->info.size, 4, 0);
  if (!gst_buffer_pool_set_config (self->pool, config)
      || !gst_buffer_pool_set_active (self->pool, TRUE)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cam%u: cannot set up the frame pool",
                 index);
    return NULL;
  }
  self->scratch = g_malloc (rvi_camsim_canvas_blur_scratch_size (width, height));
  return g_steal_pointer (&self);
}

void
rvi_camsim_picture_free (RviCamsimPicture *self)
{
  if (self == NULL)
    return;
  if (self->pool != NULL) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_object_unref (self->pool);
  }
  g_free (self->scratch);
  g_free (self->label);
  g_free (self);
}

GstCaps *
rvi_camsim_picture_get_caps (RviCamsimPicture *self)
{
  return gst_video_info_to_caps (&self->info);
}

GstBuffer *
rvi_camsim_picture_render (RviCamsimPicture *self, RviCamsimScene scene, gdouble t, gint64 wall_ms)
{
  GstBuffer *buffer = NULL;
  GstVideoFrame frame;

  if (scene == RVI_CAMSIM_SCENE_FROZEN) {
    if (!self->frozen) {
      self->frozen = TRUE;
      self->frozen_t = t;
      self->frozen_ms = wall_ms;
    }
    t = self->frozen_t;
    wall_ms = self->frozen_ms;
  } else {
    self->frozen = FALSE;
  }

  if (gst_buffer_pool_acquire_buffer (self->pool, &buffer, NULL) != GST_FLOW_OK)
    return NULL;
  if (!gst_video_frame_map (&frame, &self->info, buffer, GST_MAP_WRITE)) {
    gst_buffer_unref (buffer);
    return NULL;
  }
  rvi_camsim_scene_draw (&frame, self->index, self->label, scene, t, wall_ms, self->scratch);
  gst_video_frame_unmap (&frame);
  return buffer;
}
