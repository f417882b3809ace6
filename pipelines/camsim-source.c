/* camsim-source.c: a camera, its media factory and its per-media feed.
 *
 * DESIGN. The factory's launch line names the appsrc "src"; on
 * media-configure a Feed is attached to it (freed with the appsrc) and
 * the appsrc's need-data callback produces one frame per call, paced
 * against the pipeline clock. The feed is created per media, so a media
 * rebuilt after all clients left starts afresh at a key frame. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "camsim-source.h"
#include "camsim-picture.h"

#include <gst/app/app.h>

struct _RviCamsimSource {
  guint index;
  gchar name[16];
  gchar label[32];
  RviCamsimSettings settings; /* a copy without the strings */
  gint64 started_us;          /* wall clock at creation: scene time 0 */
  gint scene;                 /* RviCamsimScene, atomic */
  GMutex lock;                /* guards clip */
  RviCamsimClip *clip;
};

typedef struct {
  RviCamsimSource *source;
  RviCamsimPicture *picture; /* live mode */
  RviCamsimClip *clip;       /* loop mode: the clip being replayed */
  guint position;            /* loop mode: next frame of the clip */
  GstClockTime frame_duration;
  GstClockTime first; /* running time of frame 0 */
  guint64 n;          /* next frame number */
  GstClockTime last_pts;
  gboolean started;
  GstClock *clock;     /* of clock_id */
  GstClockID clock_id; /* reused for every wait */
} Feed;

RviCamsimSource *
rvi_camsim_source_new (const RviCamsimSettings *settings, guint index)
{
  g_autoptr (RviCamsimSource) self = g_atomic_rc_box_new0 (RviCamsimSource);

  self->index = index;
  g_snprintf (self->name, sizeof self->name, "cam%u", index);
  g_snprintf (self->label, sizeof self->label, "CAM%u RAILYARD", index);
  self->settings = *settings;
  self->settings.host = self->settings.user = self->settings.password = NULL;
  g_atomic_int_set (&self->scene, (gint)settings->scene);
  g_mutex_init (&self->lock);
  self->started_us = g_get_real_time ();
  return g_steal_pointer (&self);
}

static void
source_clear (gpointer data)
{
  RviCamsimSource *self = data;

  g_clear_pointer (&self->clip, rvi_camsim_clip_unref);
  g_mutex_clear (&self->lock);
}

RviCamsimSource *
rvi_camsim_source_ref (RviCamsimSource *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
rvi_camsim_source_unref (RviCamsimSource *self)
{
  g_atomic_rc_box_release_full (self, source_clear);
}

const gchar *
rvi_camsim_source_get_name (RviCamsimSource *self)
{
  return self->name;
}

RviCamsimScene
rvi_camsim_source_get_scene (RviCamsimSource *self)
{
  return (RviCamsimScene)g_atomic_int_get (&self->scene);
}

void
rvi_camsim_source_set_scene (RviCamsimSource *self, RviCamsimScene scene)
{
  g_atomic_int_set (&self->scene, (gint)scene);
}

void
rvi_camsim_source_set_clip (RviCamsimSource *self, RviCamsimClip *clip)
{
  RviCamsimClip *old;

  g_mutex_lock (&self->lock);
  old = g_steal_pointer (&self->clip);
  self->clip = rvi_camsim_clip_ref (clip);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&old, rvi_camsim_clip_unref);
}

static RviCamsimClip *
dup_clip (RviCamsimSource *self)
{
  RviCamsimClip *clip;

  g_mutex_lock (&self->lock);
  clip = rvi_camsim_clip_ref (self->clip);
  g_mutex_unlock (&self->lock);
  return clip;
}

RviCamsimClip *
rvi_camsim_source_encode_clip (RviCamsimSource *self, RviCamsimScene scene, GError **error)
{
  return rvi_camsim_clip_encode (&self->settings, self->index, self->label, scene, error);
}

static void
feed_free (gpointer data)
{
  Feed *feed = data;

  if (feed->clock_id != NULL)
    gst_clock_id_unref (feed->clock_id);
  g_clear_object (&feed->clock);
  g_clear_pointer (&feed->picture, rvi_camsim_picture_free);
  g_clear_pointer (&feed->clip, rvi_camsim_clip_unref);
  rvi_camsim_source_unref (feed->source);
  g_free (feed);
}

/* Waits until running time @target on @appsrc's clock. Returns the running
 * time now, or GST_CLOCK_TIME_NONE when the element has no clock yet. */
static GstClockTime
wait_until (Feed *feed, GstElement *appsrc, GstClockTime target)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (appsrc);
  GstClockTime base = gst_element_get_base_time (appsrc);
  GstClockTime now;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  if (target == GST_CLOCK_TIME_NONE || base + target <= now)
    return now - base;

  if (feed->clock != clock) {
    if (feed->clock_id != NULL)
      gst_clock_id_unref (feed->clock_id);
    g_set_object (&feed->clock, clock);
    feed->clock_id = gst_clock_new_single_shot_id (clock, base + target);
  } else {
    gst_clock_single_shot_id_reinit (clock, feed->clock_id, base + target);
  }
  gst_clock_id_wait (feed->clock_id, NULL);
  return gst_clock_get_time (clock) - base;
}

/* The next frame's buffer, timestamps not yet set. Transfer full. */
static GstBuffer *
next_buffer (Feed *feed)
{
  GstBuffer *frame;

  /* Live: scene time follows the wall clock, so every media (and every
   * reconnecting client) sees the same train at the same moment. */
  if (feed->picture != NULL) {
    gint64 now = g_get_real_time ();

    return rvi_camsim_picture_render (feed->picture, rvi_camsim_source_get_scene (feed->source),
                                      (now - feed->source->started_us) / 1e6, now / 1000);
  }

  if (feed->position == 0) {
    g_clear_pointer (&feed->clip, rvi_camsim_clip_unref);
    feed->clip = dup_clip (feed->source);
  }
  frame = g_ptr_array_index (feed->clip->frames, feed->position);
  feed->position = (feed->position + 1) % feed->clip->frames->len;
  frame = gst_buffer_copy (frame); /* shares the memory; fresh timestamps */
  GST_BUFFER_FLAG_UNSET (frame, GST_BUFFER_FLAG_DISCONT);
  return frame;
}

static void
need_data (GstAppSrc *appsrc, guint length, gpointer user_data)
{
  Feed *feed = user_data;
  GstClockTime target, now, pts;
  GstBuffer *buffer;

  target = feed->started ? feed->first + feed->n * feed->frame_duration : GST_CLOCK_TIME_NONE;
  now = wait_until (feed, GST_ELEMENT (appsrc), target);
  if (now == GST_CLOCK_TIME_NONE)
    now = target == GST_CLOCK_TIME_NONE ? 0 : target;
  if (!feed->started) {
    feed->started = TRUE;
    feed->first = now;
    feed->n = 0;
  } else if (now > target + feed->frame_duration) {
    /* Fell behind (a stalled thread, an overloaded machine): skip ahead.
     * Loop mode keeps every frame, as dropping one would break decoding. */
    if (feed->picture != NULL)
      feed->n = (now - feed->first) / feed->frame_duration;
    g_debug ("%s: late by %" GST_TIME_FORMAT, feed->source->name, GST_TIME_ARGS (now - target));
  }

  /* Live: the PTS is the capture instant, the one the stamp shows, even
   * when the thread woke late; loop: the nominal frame time. */
  pts = feed->first + feed->n * feed->frame_duration;
  if (feed->picture != NULL && feed->n > 0)
    pts = MAX (now, feed->last_pts + GST_MSECOND);
  buffer = next_buffer (feed);
  if (buffer == NULL)
    return;
  feed->last_pts = pts;
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = feed->frame_duration;
  feed->n++;
  gst_app_src_push_buffer (appsrc, buffer);
}

/* The media's rtpbin, added when the media is prepared: its sender reports
 * give the capture time of a frame (as RFC 3550 and cameras do), not the
 * time it left the encoder, which is GStreamer's default and would run
 * behind by the encoder's latency (about 0.5 s with B-frames). */
static void
rtpbin_added (GstBin *pipeline, GstElement *element, gpointer user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "rtpbin"))
    g_object_set (element, "rtcp-sync-send-time", FALSE, NULL);
}

static void
media_configure (GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer user_data)
{
  RviCamsimSource *self = user_data;
  g_autoptr (GstElement) element = gst_rtsp_media_get_element (media);
  g_autoptr (GstElement) appsrc = gst_bin_get_by_name (GST_BIN (element), "src");
  g_autoptr (GstObject) pipeline = gst_object_get_parent (GST_OBJECT (element));
  g_autoptr (GError) error = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstAppSrcCallbacks callbacks = { need_data, NULL, NULL, { NULL } };
  Feed *feed = g_new0 (Feed, 1);

  if (pipeline != NULL && GST_IS_BIN (pipeline))
    g_signal_connect (pipeline, "element-added", G_CALLBACK (rtpbin_added), NULL);
  else
    g_warning ("%s: no media pipeline; sender reports will give send times", self->name);

  feed->source = rvi_camsim_source_ref (self);
  feed->frame_duration = gst_util_uint64_scale_int (GST_SECOND, 1, self->settings.fps);
  if (self->settings.mode == RVI_CAMSIM_MODE_LOOP) {
    feed->clip = dup_clip (self);
    caps = gst_caps_ref (feed->clip->caps);
  } else {
    feed->picture = rvi_camsim_picture_new (self->index, self->label, self->settings.width,
                                            self->settings.height, self->settings.fps, &error);
    if (feed->picture == NULL) {
      g_warning ("%s: %s", self->name, error->message);
      feed_free (feed);
      return;
    }
    caps = rvi_camsim_picture_get_caps (feed->picture);
  }
  g_object_set (appsrc, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, NULL);
  gst_app_src_set_callbacks (GST_APP_SRC (appsrc), &callbacks, feed, feed_free);
  g_message ("%s: media configured", self->name);
}

static void
unref_closure_data (gpointer data, GClosure *closure)
{
  rvi_camsim_source_unref (data);
}

GstRTSPMediaFactory *
rvi_camsim_source_create_factory (RviCamsimSource *self)
{
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new ();
  g_autofree gchar *encoder = rvi_camsim_settings_encoder (&self->settings);
  g_autofree gchar *launch = NULL;
  const gchar *pay = rvi_camsim_settings_payloader (&self->settings);

  if (self->settings.mode == RVI_CAMSIM_MODE_LOOP)
    launch = g_strdup_printf ("( appsrc name=src ! %s name=pay0 pt=96 )", pay);
  else
    launch = g_strdup_printf ("( appsrc name=src ! video/x-raw,format=I420 ! %s ! "
                              "%s name=pay0 pt=96 )",
                              encoder, pay);
  gst_rtsp_media_factory_set_launch (factory, launch);
  gst_rtsp_media_factory_set_shared (factory, TRUE);
  g_signal_connect_data (factory, "media-configure", G_CALLBACK (media_configure),
                         rvi_camsim_source_ref (self), unref_closure_data, 0);
  return factory;
}
