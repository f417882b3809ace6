/* live-webrtc.c: see live-webrtc.h. The viewer's life, its feed side and
 * its events to the caller; the pipeline and webrtcbin's signalling are in
 * live-webrtc-pipeline.c.
 *
 * DESIGN. Three kinds of thread touch a viewer: the feed's publisher
 * (on_frame, with the feed's lock held: it only sets caps and pushes into
 * appsrc), webrtcbin's own threads (the offer, ICE candidates, state
 * changes, bus errors) and the caller's context (everything else). What
 * happens on webrtcbin's threads reaches the caller as an Event, an idle
 * source attached to the context, so the callbacks keep their order and
 * run where the caller lives.
 *
 * The viewer is reference counted: the caller's handle, the feed
 * subscription, each signal handler, pad probe, bus handler, promise and
 * queued Event holds a reference, so whatever runs late runs on valid
 * memory. free() sets `closed` first and everything checks it; Events are
 * dispatched on the context's thread, where free() runs too, so no callback
 * follows free(). */
#define G_LOG_DOMAIN "rvi-live"
#include "live-webrtc-private.h"
#include "live-webrtc-sdp.h"
#include "rvi-error.h"

#include <gst/app/gstappsrc.h>

RviLiveWebrtc *
rvi_live_webrtc_ref (RviLiveWebrtc *w)
{
  g_atomic_ref_count_inc (&w->ref);
  return w;
}

/* The last reference may go on any thread: free() has stopped the
 * pipeline and dropped the feed already, only memory is left. */
void
rvi_live_webrtc_unref (gpointer data)
{
  RviLiveWebrtc *w = data;

  if (!g_atomic_ref_count_dec (&w->ref))
    return;
  g_assert (w->pipeline == NULL && w->feed == NULL);
  g_weak_ref_clear (&w->webrtcbin_weak);
  g_clear_pointer (&w->promises, g_ptr_array_unref);
  g_main_context_unref (w->context);
  g_free (w->local_profile);
  g_free (w->camera_id);
  g_mutex_clear (&w->lock);
  g_free (w);
}

/* ---- events, from any thread to the context ---- */

typedef struct {
  RviLiveWebrtc *w;
  RviLiveWebrtcEventKind kind;
  guint mline;
  RviLiveWebrtcState state;
  char *text;
  char *profile;
} Event;

static void
event_free (gpointer data)
{
  Event *e = data;

  rvi_live_webrtc_unref (e->w);
  g_free (e->text);
  g_free (e->profile);
  g_free (e);
}

static void
dispatch_state (RviLiveWebrtc *w, RviLiveWebrtcState state, const char *detail)
{
  if (w->final || (w->reported_any && w->reported == state))
    return;
  w->reported = state;
  w->reported_any = TRUE;
  w->final = state == RVI_LIVE_WEBRTC_FAILED || state == RVI_LIVE_WEBRTC_CLOSED;
  g_debug ("camera %s: webrtc state %d (%s)", w->camera_id, state, detail ? detail : "");
  if (w->cb.state)
    w->cb.state (state, detail, w->user_data);
}

static gboolean
dispatch (gpointer data)
{
  Event *e = data;
  RviLiveWebrtc *w = e->w;

  if (g_atomic_int_get (&w->closed))
    return G_SOURCE_REMOVE;
  switch (e->kind) {
    case RVI_LIVE_WEBRTC_EVENT_OFFER:
      w->offered = TRUE;
      g_free (w->local_profile);
      w->local_profile = g_steal_pointer (&e->profile);
      if (w->cb.offer)
        w->cb.offer (e->text, w->user_data);
      break;
    case RVI_LIVE_WEBRTC_EVENT_ICE:
      if (w->cb.ice_candidate && !w->final)
        w->cb.ice_candidate (e->mline, e->text, w->user_data);
      break;
    case RVI_LIVE_WEBRTC_EVENT_STATE:
      dispatch_state (w, e->state, e->text);
      break;
  }
  return G_SOURCE_REMOVE;
}

void
rvi_live_webrtc_post (RviLiveWebrtc *w, RviLiveWebrtcEventKind kind, guint mline,
                      RviLiveWebrtcState state, char *text, char *profile)
{
  g_autoptr (GSource) source = g_idle_source_new ();
  Event *e = g_new0 (Event, 1);

  e->w = rvi_live_webrtc_ref (w);
  e->kind = kind;
  e->mline = mline;
  e->state = state;
  e->text = text;
  e->profile = profile;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, dispatch, e, event_free);
  g_source_attach (source, w->context);
}

void
rvi_live_webrtc_post_failed (RviLiveWebrtc *w, const char *detail)
{
  g_message ("camera %s: webrtc viewer failed: %s", w->camera_id, detail);
  rvi_live_webrtc_post (w, RVI_LIVE_WEBRTC_EVENT_STATE, 0, RVI_LIVE_WEBRTC_FAILED,
                        g_strdup (detail), NULL);
}

/* ---- the feed side ---- */

/* video/x-h264 in avc form, codec_data an avcC of @params' SPS and PPS;
 * NULL when they cannot be described. */
static GstCaps *
caps_for (const RviVideoParams *params)
{
  gsize sps_size = 0, pps_size = 0;
  const guint8 *sps = params->sps ? g_bytes_get_data (params->sps, &sps_size) : NULL;
  const guint8 *pps = params->pps ? g_bytes_get_data (params->pps, &pps_size) : NULL;
  g_autoptr (GstBuffer) avcc = NULL;
  GstMapInfo map;
  guint8 *p;

  if (sps_size < 4 || sps_size > 0xffff || pps_size < 1 || pps_size > 0xffff)
    return NULL;
  avcc = gst_buffer_new_allocate (NULL, 11 + sps_size + pps_size, NULL);
  gst_buffer_map (avcc, &map, GST_MAP_WRITE);
  p = map.data;
  *p++ = 1;      /* configurationVersion */
  *p++ = sps[1]; /* profile_idc */
  *p++ = sps[2]; /* constraint flags */
  *p++ = sps[3]; /* level_idc */
  *p++ = 0xff;   /* 4-byte NAL unit lengths */
  *p++ = 0xe1;   /* one SPS */
  *p++ = (guint8)(sps_size >> 8);
  *p++ = (guint8)sps_size;
  memcpy (p, sps, sps_size);
  p += sps_size;
  *p++ = 1; /* one PPS */
  *p++ = (guint8)(pps_size >> 8);
  *p++ = (guint8)pps_size;
  memcpy (p, pps, pps_size);
  gst_buffer_unmap (avcc, &map);
  return gst_caps_new_simple ("video/x-h264", "stream-format", G_TYPE_STRING, "avc", "alignment",
                              G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER, avcc, "width",
                              G_TYPE_INT, params->width, "height", G_TYPE_INT, params->height,
                              NULL);
}

/* Pushes @frame unless appsrc is over its bound; once over, drops until a
 * key frame fits again. */
static void
push_frame (RviLiveWebrtc *w, const RviLiveFrame *frame)
{
  gsize size = g_bytes_get_size (frame->data);
  guint64 level = gst_app_src_get_current_level_bytes (GST_APP_SRC (w->appsrc));
  gboolean fits = level + size <= RVI_LIVE_WEBRTC_MAX_BYTES;
  GstBuffer *buffer;

  if (!fits && !w->dropping)
    g_message ("camera %s: webrtc viewer too slow, dropping to the next key frame", w->camera_id);
  w->dropping = w->dropping ? !(frame->key && fits) : !fits;
  if (w->dropping) {
    g_mutex_lock (&w->lock);
    w->stats.frames_dropped++;
    g_mutex_unlock (&w->lock);
    return;
  }
  buffer = gst_buffer_new_wrapped_bytes (frame->data);
  if (!frame->key)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  gst_app_src_push_buffer (GST_APP_SRC (w->appsrc), buffer);
  g_mutex_lock (&w->lock);
  w->stats.frames_sent++;
  w->stats.bytes_sent += size;
  g_mutex_unlock (&w->lock);
}

/* The feed's callback: on the publisher's thread with the feed locked. */
static void
on_frame (const RviLiveFrame *frame, const RviVideoParams *params, gboolean catch_up, gpointer data)
{
  RviLiveWebrtc *w = data;

  if (w->refused)
    return;
  if (params->codec != RVI_CODEC_H264) {
    w->refused = TRUE;
    rvi_live_webrtc_post_failed (w, "h265 cannot be sent over webrtc");
    return;
  }
  if (!w->have_caps || frame->params_serial != w->params_serial) {
    g_autoptr (GstCaps) caps = caps_for (params);

    if (!caps) {
      w->refused = TRUE;
      rvi_live_webrtc_post_failed (w, "the parameter sets cannot be described");
      return;
    }
    if (w->have_caps)
      g_message ("camera %s: webrtc parameter sets changed", w->camera_id);
    gst_app_src_set_caps (GST_APP_SRC (w->appsrc), caps);
    w->have_caps = TRUE;
    w->params_serial = frame->params_serial;
  }
  push_frame (w, frame);
}

/* ---- the API ---- */

RviLiveWebrtc *
rvi_live_webrtc_new (RviLiveFeed *feed, const RviLiveWebrtcCallbacks *callbacks, gpointer user_data,
                     GMainContext *context, GError **error)
{
  RviLiveFeedState state;
  RviLiveWebrtc *w;

  rvi_live_feed_get_state (feed, &state);
  if (state.have_video && state.codec != RVI_CODEC_H264) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_UNSUPPORTED_MEDIA, "h265 cannot be sent over webrtc");
    return NULL;
  }
  w = g_new0 (RviLiveWebrtc, 1);
  g_atomic_ref_count_init (&w->ref);
  g_mutex_init (&w->lock);
  g_weak_ref_init (&w->webrtcbin_weak, NULL);
  w->camera_id = g_strdup (rvi_live_feed_get_camera_id (feed));
  w->feed = rvi_live_feed_ref (feed);
  if (callbacks)
    w->cb = *callbacks;
  w->user_data = user_data;
  w->context = g_main_context_ref (context ? context : g_main_context_default ());
  w->promises = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_promise_unref);
  if (!rvi_live_webrtc_pipeline_start (w, error)) {
    rvi_live_webrtc_pipeline_close (w);
    g_clear_pointer (&w->feed, rvi_live_feed_unref);
    rvi_live_webrtc_unref (w);
    return NULL;
  }
  w->subscription
      = rvi_live_feed_subscribe (feed, on_frame, rvi_live_webrtc_ref (w), rvi_live_webrtc_unref);
  g_debug ("camera %s: webrtc viewer started", w->camera_id);
  return w;
}

gboolean
rvi_live_webrtc_set_answer (RviLiveWebrtc *w, const char *sdp, GError **error)
{
  g_autoptr (GstSDPMessage) message = NULL;

  if (!w->offered || w->answered) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 w->answered ? "the offer is answered already" : "no offer to answer");
    return FALSE;
  }
  if (gst_sdp_message_new_from_text (sdp, &message) != GST_SDP_OK
      || gst_sdp_message_medias_len (message) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "the answer is not sdp with media");
    return FALSE;
  }
  /* webrtcbin gets the profile it offered back (live-webrtc-sdp.h) */
  if (w->local_profile)
    rvi_live_webrtc_sdp_set_h264_profile (message, w->local_profile, NULL);
  rvi_live_webrtc_pipeline_answer (w, g_steal_pointer (&message));
  w->answered = TRUE;
  return TRUE;
}

gboolean
rvi_live_webrtc_add_ice_candidate (RviLiveWebrtc *w, guint mline, const char *candidate,
                                   GError **error)
{
  gboolean mdns = FALSE;
  const char *checked = rvi_live_webrtc_sdp_check_candidate (candidate, &mdns, error);

  if (!checked)
    return FALSE;
  if (*checked == '\0' || mdns) {
    g_debug ("camera %s: ignoring ice candidate \"%s\"", w->camera_id, checked);
    return TRUE;
  }
  g_signal_emit_by_name (w->webrtcbin, "add-ice-candidate", mline, checked);
  return TRUE;
}

void
rvi_live_webrtc_get_stats (RviLiveWebrtc *w, RviLiveWebrtcStats *stats)
{
  g_mutex_lock (&w->lock);
  *stats = w->stats;
  g_mutex_unlock (&w->lock);
}

void
rvi_live_webrtc_free (RviLiveWebrtc *w)
{
  if (!w)
    return;
  /* closed first: from here on nothing reaches the callbacks */
  g_atomic_int_set (&w->closed, TRUE);
  rvi_live_feed_unsubscribe (w->feed, w->subscription);
  rvi_live_webrtc_pipeline_close (w);
  g_clear_pointer (&w->feed, rvi_live_feed_unref);
  g_debug ("camera %s: webrtc viewer stopped", w->camera_id);
  rvi_live_webrtc_unref (w);
}
