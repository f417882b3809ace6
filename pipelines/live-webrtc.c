/* live-webrtc.c: see live-webrtc.h.
 *
 * DESIGN. Three kinds of thread touch a viewer: the feed's publisher
 * (on_frame, with the feed's lock held: it only sets caps and pushes into
 * appsrc), webrtcbin's own threads (the offer, ICE candidates, state
 * changes, bus errors) and the caller's context (everything else). What
 * happens on webrtcbin's threads reaches the caller as an Event, an idle
 * source attached to the context, so callbacks keep their order and run
 * where the caller lives.
 *
 * The viewer is reference counted: the caller's handle, the feed
 * subscription, each signal handler, pad probe, bus handler, promise and
 * queued Event holds a reference, so whatever runs late runs on valid
 * memory. free() sets `closed` first and everything checks it; Events are
 * dispatched on the context's thread, where free() runs too, so no callback
 * follows free().
 *
 * The pipeline is built and set PLAYING in new(), on the caller's thread:
 * missing elements fail new() at once and the ingest thread never builds
 * anything. appsrc has no caps until the first H.264 key frame; the first
 * RTP packet out of the payloader (a probe on its src pad) asks webrtcbin
 * for the offer, when webrtcbin has seen the real caps. */
#define G_LOG_DOMAIN "rvi-live"
#include "live-webrtc.h"
#include "live-webrtc-sdp.h"
#include "rvi-error.h"
#include "webrtc-abi.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#define APPSRC_MAX_BYTES (4u << 20)
#define PAYLOAD_TYPE 96

struct _RviLiveWebrtc {
  gatomicrefcount ref;
  gint closed;                 /* atomic; set first by free() */
  char *camera_id;
  RviLiveFeed *feed;
  guint subscription;
  RviLiveWebrtcCallbacks cb;
  gpointer user_data;
  GMainContext *context;

  GstElement *pipeline;
  GstElement *appsrc;          /* borrowed from the pipeline */
  GstElement *webrtcbin;       /* borrowed from the pipeline */
  GWeakRef webrtcbin_weak;     /* the same, for webrtcbin's and streaming threads */

  /* the feed callback's (one publisher at a time) */
  gboolean have_caps, refused, dropping;
  guint params_serial;

  /* the context's */
  gboolean offered, answered, final;
  RviLiveWebrtcState reported;
  gboolean reported_any;
  char *local_profile;         /* the profile-level-id webrtcbin offered */

  GMutex lock;                 /* guards stats */
  RviLiveWebrtcStats stats;
};

static RviLiveWebrtc *
viewer_ref (RviLiveWebrtc *w)
{
  g_atomic_ref_count_inc (&w->ref);
  return w;
}

/* The last reference may go on any thread: free() has stopped the
 * pipeline and dropped the feed already, only memory is left. */
static void
viewer_unref (gpointer data)
{
  RviLiveWebrtc *w = data;

  if (!g_atomic_ref_count_dec (&w->ref))
    return;
  g_assert (w->pipeline == NULL && w->feed == NULL);
  g_weak_ref_clear (&w->webrtcbin_weak);
  g_main_context_unref (w->context);
  g_free (w->local_profile);
  g_free (w->camera_id);
  g_mutex_clear (&w->lock);
  g_free (w);
}

static void
closure_unref (gpointer data, GClosure *closure)
{
  viewer_unref (data);
}

/* ---- events, from any thread to the context ---- */

typedef enum { EVENT_OFFER, EVENT_ICE, EVENT_STATE } EventKind;

typedef struct {
  RviLiveWebrtc *w;
  EventKind kind;
  guint mline;                 /* EVENT_ICE */
  RviLiveWebrtcState state;    /* EVENT_STATE */
  char *text;                  /* the offer, the candidate, or the detail */
  char *profile;               /* EVENT_OFFER: the real profile-level-id */
} Event;

static void
event_free (gpointer data)
{
  Event *e = data;

  viewer_unref (e->w);
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
  case EVENT_OFFER:
    w->offered = TRUE;
    g_free (w->local_profile);
    w->local_profile = g_steal_pointer (&e->profile);
    if (w->cb.offer)
      w->cb.offer (e->text, w->user_data);
    break;
  case EVENT_ICE:
    if (w->cb.ice_candidate && !w->final)
      w->cb.ice_candidate (e->mline, e->text, w->user_data);
    break;
  case EVENT_STATE:
    dispatch_state (w, e->state, e->text);
    break;
  }
  return G_SOURCE_REMOVE;
}

/* Queues an event; takes @text and @profile. */
static void
post (RviLiveWebrtc *w, EventKind kind, guint mline, RviLiveWebrtcState state, char *text,
      char *profile)
{
  g_autoptr (GSource) source = g_idle_source_new ();
  Event *e = g_new0 (Event, 1);

  e->w = viewer_ref (w);
  e->kind = kind;
  e->mline = mline;
  e->state = state;
  e->text = text;
  e->profile = profile;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, dispatch, e, event_free);
  g_source_attach (source, w->context);
}

static void
post_failed (RviLiveWebrtc *w, const char *detail)
{
  g_message ("camera %s: webrtc viewer failed: %s", w->camera_id, detail);
  post (w, EVENT_STATE, 0, RVI_LIVE_WEBRTC_FAILED, g_strdup (detail), NULL);
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
  *p++ = 1;                                   /* configurationVersion */
  *p++ = sps[1];                              /* profile_idc */
  *p++ = sps[2];                              /* constraint flags */
  *p++ = sps[3];                              /* level_idc */
  *p++ = 0xff;                                /* 4-byte NAL unit lengths */
  *p++ = 0xe1;                                /* one SPS */
  *p++ = (guint8) (sps_size >> 8);
  *p++ = (guint8) sps_size;
  memcpy (p, sps, sps_size);
  p += sps_size;
  *p++ = 1;                                   /* one PPS */
  *p++ = (guint8) (pps_size >> 8);
  *p++ = (guint8) pps_size;
  memcpy (p, pps, pps_size);
  gst_buffer_unmap (avcc, &map);
  return gst_caps_new_simple ("video/x-h264", "stream-format", G_TYPE_STRING, "avc",
                              "alignment", G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER,
                              avcc, "width", G_TYPE_INT, params->width, "height", G_TYPE_INT,
                              params->height, NULL);
}

/* Pushes @frame unless appsrc is over its bound; once over, drops until a
 * key frame fits again. */
static void
push_frame (RviLiveWebrtc *w, const RviLiveFrame *frame)
{
  gsize size = g_bytes_get_size (frame->data);
  guint64 level = gst_app_src_get_current_level_bytes (GST_APP_SRC (w->appsrc));
  gboolean fits = level + size <= APPSRC_MAX_BYTES;
  GstBuffer *buffer;

  if (!fits && !w->dropping)
    g_message ("camera %s: webrtc viewer too slow, dropping to the next key frame",
               w->camera_id);
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

static void
on_frame (const RviLiveFrame *frame, const RviVideoParams *params, gboolean catch_up,
          gpointer data)
{
  RviLiveWebrtc *w = data;

  if (w->refused)
    return;
  if (params->codec != RVI_CODEC_H264) {
    w->refused = TRUE;
    post_failed (w, "h265 cannot be sent over webrtc");
    return;
  }
  if (!w->have_caps || frame->params_serial != w->params_serial) {
    g_autoptr (GstCaps) caps = caps_for (params);

    if (!caps) {
      w->refused = TRUE;
      post_failed (w, "the parameter sets cannot be described");
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

/* ---- webrtcbin ---- */

static void
on_description_set (GstPromise *promise, gpointer data)
{
  RviLiveWebrtc *w = data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  g_autoptr (GError) error = NULL;

  if (g_atomic_int_get (&w->closed) || !reply || !gst_structure_has_field (reply, "error"))
    return;
  gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  post_failed (w, error ? error->message : "webrtcbin refused a description");
}

static void
on_offer_created (GstPromise *promise, gpointer data)
{
  RviLiveWebrtc *w = data;
  const GstStructure *reply;
  const GValue *value;
  const RviWebrtcSessionDescription *offer;
  g_autoptr (GstSDPMessage) browser = NULL;
  g_autoptr (GstPromise) set = NULL;
  g_autoptr (GstElement) webrtc = g_weak_ref_get (&w->webrtcbin_weak);
  char *profile = NULL;

  if (!webrtc || g_atomic_int_get (&w->closed) ||
      gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return;
  reply = gst_promise_get_reply (promise);
  value = reply ? gst_structure_get_value (reply, "offer") : NULL;
  if (!value || !G_VALUE_HOLDS (value, rvi_webrtc_session_description_get_type ())) {
    post_failed (w, "webrtcbin made no offer");
    return;
  }
  offer = g_value_get_boxed (value);
  gst_sdp_message_copy (offer->sdp, &browser);
  if (rvi_live_webrtc_sdp_set_h264_profile (browser, RVI_LIVE_WEBRTC_BROWSER_PROFILE,
                                            &profile) == 0) {
    post_failed (w, "the offer has no h264 video");
    return;
  }
  /* the offer goes out before set-local-description starts ICE gathering,
   * so it precedes every candidate on the context */
  post (w, EVENT_OFFER, 0, 0, gst_sdp_message_as_text (browser), profile);
  set = gst_promise_new_with_change_func (on_description_set, viewer_ref (w), viewer_unref);
  g_signal_emit_by_name (webrtc, "set-local-description", offer, set);
}

static GstPadProbeReturn
on_first_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RviLiveWebrtc *w = data;
  g_autoptr (GstPromise) promise = NULL;
  g_autoptr (GstElement) webrtc = g_weak_ref_get (&w->webrtcbin_weak);

  if (!webrtc || g_atomic_int_get (&w->closed))
    return GST_PAD_PROBE_REMOVE;
  promise = gst_promise_new_with_change_func (on_offer_created, viewer_ref (w), viewer_unref);
  g_signal_emit_by_name (webrtc, "create-offer", NULL, promise);
  return GST_PAD_PROBE_REMOVE;
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer data)
{
  RviLiveWebrtc *w = data;

  if (!g_atomic_int_get (&w->closed) && candidate && *candidate)
    post (w, EVENT_ICE, mline, 0, g_strdup (candidate), NULL);
}

static void
on_state_notify (GObject *webrtc, GParamSpec *pspec, gpointer data)
{
  RviLiveWebrtc *w = data;
  int pc = RVI_WEBRTC_PC_NEW, ice = RVI_WEBRTC_ICE_NEW;

  if (g_atomic_int_get (&w->closed))
    return;
  g_object_get (webrtc, "connection-state", &pc, "ice-connection-state", &ice, NULL);
  if (ice == RVI_WEBRTC_ICE_FAILED)
    post_failed (w, "ice failed");
  else if (pc == RVI_WEBRTC_PC_FAILED)
    post_failed (w, "dtls failed");
  else if (pc == RVI_WEBRTC_PC_CLOSED)
    post (w, EVENT_STATE, 0, RVI_LIVE_WEBRTC_CLOSED, NULL, NULL);
  else if (pc == RVI_WEBRTC_PC_CONNECTED)
    post (w, EVENT_STATE, 0, RVI_LIVE_WEBRTC_CONNECTED, NULL, NULL);
  else if (pc == RVI_WEBRTC_PC_CONNECTING || pc == RVI_WEBRTC_PC_DISCONNECTED)
    post (w, EVENT_STATE, 0, RVI_LIVE_WEBRTC_CONNECTING,
          g_strdup (pc == RVI_WEBRTC_PC_DISCONNECTED ? "disconnected" : NULL), NULL);
}

static GstBusSyncReply
on_bus_message (GstBus *bus, GstMessage *message, gpointer data)
{
  RviLiveWebrtc *w = data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR && !g_atomic_int_get (&w->closed)) {
    g_autoptr (GError) error = NULL;
    g_autofree char *debug = NULL;

    gst_message_parse_error (message, &error, &debug);
    g_message ("camera %s: webrtc pipeline: %s (%s)", w->camera_id, error->message,
               debug ? debug : "");
    post_failed (w, error->message);
  }
  return GST_BUS_DROP;   /* nobody watches this bus: nothing may pile up on it */
}

/* ---- the pipeline ---- */

static void
stop_pipeline (RviLiveWebrtc *w)
{
  g_autoptr (GstBus) bus = NULL;

  if (!w->pipeline)
    return;
  bus = gst_element_get_bus (w->pipeline);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  if (w->webrtcbin)
    g_signal_handlers_disconnect_by_data (w->webrtcbin, w);
  gst_element_set_state (w->pipeline, GST_STATE_NULL);
  g_weak_ref_set (&w->webrtcbin_weak, NULL);
  w->appsrc = w->webrtcbin = NULL;
  gst_clear_object (&w->pipeline);
}

/* libnice looks for a UPnP gateway to map ports by default: multicast
 * chatter and a wait for nothing on a LAN server, which has no use for it. */
static void
disable_upnp (GstElement *webrtc)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
    g_object_set (agent, "upnp", FALSE, NULL);
}

/* Builds appsrc ! rtph264pay ! webrtcbin into w->pipeline (not started). */
static gboolean
build_pipeline (RviLiveWebrtc *w, GError **error)
{
  GstElement *src = gst_element_factory_make ("appsrc", NULL);
  GstElement *pay = gst_element_factory_make ("rtph264pay", NULL);
  GstElement *webrtc = gst_element_factory_make ("webrtcbin", NULL);
  g_autoptr (GstPad) pay_src = NULL;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GObject) transceiver = NULL;

  w->pipeline = gst_object_ref_sink (gst_pipeline_new (NULL));
  if (!src || !pay || !webrtc) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED,
                 "webrtc needs appsrc, rtph264pay and webrtcbin");
    /* the pipeline takes (and drops) those that were made */
    if (src)
      gst_bin_add (GST_BIN (w->pipeline), src);
    if (pay)
      gst_bin_add (GST_BIN (w->pipeline), pay);
    if (webrtc)
      gst_bin_add (GST_BIN (w->pipeline), webrtc);
    return FALSE;
  }
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE,
                "max-bytes", (guint64) APPSRC_MAX_BYTES, "block", FALSE, NULL);
  g_object_set (pay, "config-interval", -1, "pt", PAYLOAD_TYPE, NULL);
  gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
  gst_util_set_object_arg (G_OBJECT (webrtc), "bundle-policy", "max-bundle");
  disable_upnp (webrtc);
  gst_bin_add_many (GST_BIN (w->pipeline), src, pay, webrtc, NULL);
  w->appsrc = src;
  w->webrtcbin = webrtc;
  g_weak_ref_set (&w->webrtcbin_weak, webrtc);
  pay_src = gst_element_get_static_pad (pay, "src");
  sink = gst_element_request_pad_simple (webrtc, "sink_%u");
  if (!gst_element_link (src, pay) || !sink || gst_pad_link (pay_src, sink) != GST_PAD_LINK_OK) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot link the webrtc pipeline");
    return FALSE;
  }
  g_object_get (sink, "transceiver", &transceiver, NULL);
  if (!transceiver) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "webrtcbin made no transceiver");
    return FALSE;
  }
  g_object_set (transceiver, "direction", RVI_WEBRTC_DIRECTION_SENDONLY, NULL);
  gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_first_rtp, viewer_ref (w), viewer_unref);
  return TRUE;
}

static gboolean
start_pipeline (RviLiveWebrtc *w, GError **error)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (w->pipeline);

  gst_bus_set_sync_handler (bus, on_bus_message, viewer_ref (w), viewer_unref);
  g_signal_connect_data (w->webrtcbin, "on-ice-candidate", G_CALLBACK (on_ice_candidate),
                         viewer_ref (w), closure_unref, 0);
  g_signal_connect_data (w->webrtcbin, "notify::connection-state", G_CALLBACK (on_state_notify),
                         viewer_ref (w), closure_unref, 0);
  g_signal_connect_data (w->webrtcbin, "notify::ice-connection-state",
                         G_CALLBACK (on_state_notify), viewer_ref (w), closure_unref, 0);
  if (gst_element_set_state (w->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot start the webrtc pipeline");
    return FALSE;
  }
  return TRUE;
}

/* ---- the API ---- */

static gpointer
make_certificate (gpointer unused)
{
  /* dtlsdec generates the process's certificate when the first is made */
  GstElement *dtls = gst_element_factory_make ("dtlsdec", NULL);

  if (dtls)
    gst_object_unref (gst_object_ref_sink (dtls));
  return NULL;
}

void
rvi_live_webrtc_warm_up (void)
{
  static gsize started = 0;

  if (g_once_init_enter (&started)) {
    g_thread_unref (g_thread_new ("rvi-dtls-cert", make_certificate, NULL));
    g_once_init_leave (&started, 1);
  }
}

RviLiveWebrtc *
rvi_live_webrtc_new (RviLiveFeed *feed, const RviLiveWebrtcCallbacks *callbacks,
                     gpointer user_data, GMainContext *context, GError **error)
{
  RviLiveFeedState state;
  RviLiveWebrtc *w;

  rvi_live_feed_get_state (feed, &state);
  if (state.have_video && state.codec != RVI_CODEC_H264) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_UNSUPPORTED_MEDIA,
                 "h265 cannot be sent over webrtc");
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
  if (!build_pipeline (w, error) || !start_pipeline (w, error)) {
    g_atomic_int_set (&w->closed, TRUE);
    stop_pipeline (w);
    g_clear_pointer (&w->feed, rvi_live_feed_unref);
    viewer_unref (w);
    return NULL;
  }
  w->subscription = rvi_live_feed_subscribe (feed, on_frame, viewer_ref (w), viewer_unref);
  g_debug ("camera %s: webrtc viewer started", w->camera_id);
  return w;
}

gboolean
rvi_live_webrtc_set_answer (RviLiveWebrtc *w, const char *sdp, GError **error)
{
  g_autoptr (GstSDPMessage) message = NULL;
  g_autoptr (RviWebrtcSessionDescription) answer = NULL;
  g_autoptr (GstPromise) promise = NULL;

  if (!w->offered || w->answered) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 w->answered ? "the offer is answered already" : "no offer to answer");
    return FALSE;
  }
  if (gst_sdp_message_new_from_text (sdp, &message) != GST_SDP_OK ||
      gst_sdp_message_medias_len (message) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "the answer is not sdp with media");
    return FALSE;
  }
  if (w->local_profile)
    rvi_live_webrtc_sdp_set_h264_profile (message, w->local_profile, NULL);
  answer = rvi_webrtc_session_description_new (RVI_WEBRTC_SDP_TYPE_ANSWER,
                                                g_steal_pointer (&message));
  promise = gst_promise_new_with_change_func (on_description_set, viewer_ref (w), viewer_unref);
  g_signal_emit_by_name (w->webrtcbin, "set-remote-description", answer, promise);
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
  g_atomic_int_set (&w->closed, TRUE);
  rvi_live_feed_unsubscribe (w->feed, w->subscription);
  stop_pipeline (w);
  g_clear_pointer (&w->feed, rvi_live_feed_unref);
  g_debug ("camera %s: webrtc viewer stopped", w->camera_id);
  viewer_unref (w);
}
