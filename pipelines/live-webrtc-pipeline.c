/* live-webrtc-pipeline.c: the WebRTC viewer's pipeline, appsrc !
 * rtph264pay ! webrtcbin, and the signalling with webrtcbin (see
 * live-webrtc.h for the whole design).
 *
 * The pipeline is built and set PLAYING in new(), on the caller's thread,
 * so missing elements fail new() at once and the ingest thread never
 * builds anything. appsrc has no caps until the camera's first key frame;
 * the first RTP packet out of the payloader (a probe on its src pad) asks
 * webrtcbin for the offer, when webrtcbin has seen the real caps. The offer
 * is rewritten for the browser (live-webrtc-sdp.h) before it is posted,
 * and it is posted before set-local-description starts ICE gathering, so
 * it precedes every candidate on the context.
 *
 * Everything here runs on webrtcbin's or GStreamer's threads except start,
 * close and answer; each handler holds a reference to the viewer and checks
 * `closed` before posting anything. */
#define G_LOG_DOMAIN "rvi-live"
#include "live-webrtc-private.h"
#include "live-webrtc-sdp.h"
#include "rvi-error.h"
#include "webrtc-abi.h"

#define PAYLOAD_TYPE 96

static void
closure_unref (gpointer data, GClosure *closure)
{
  rvi_live_webrtc_unref (data);
}

/* A promise calling @func with a reference to @w, kept so that closing can
 * interrupt it: webrtcbin drops the operations still queued when it stops
 * without answering them, and a promise freed unanswered is a warning.
 * NULL once the viewer is closed. */
static GstPromise *
new_promise (RviLiveWebrtc *w, GstPromiseChangeFunc func)
{
  GstPromise *promise = NULL;

  g_mutex_lock (&w->lock);
  if (w->promises) {
    promise
        = gst_promise_new_with_change_func (func, rvi_live_webrtc_ref (w), rvi_live_webrtc_unref);
    g_ptr_array_add (w->promises, gst_promise_ref (promise));
  }
  g_mutex_unlock (&w->lock);
  return promise;
}

static void
on_description_set (GstPromise *promise, gpointer data)
{
  RviLiveWebrtc *w = data;
  const GstStructure *reply;
  g_autoptr (GError) error = NULL;

  /* interrupted: the viewer is closing */
  if (g_atomic_int_get (&w->closed) || gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return;
  reply = gst_promise_get_reply (promise);
  if (!reply || !gst_structure_has_field (reply, "error"))
    return;
  gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  rvi_live_webrtc_post_failed (w, error ? error->message : "webrtcbin refused a description");
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

  if (!webrtc || g_atomic_int_get (&w->closed)
      || gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return;
  reply = gst_promise_get_reply (promise);
  value = reply ? gst_structure_get_value (reply, "offer") : NULL;
  if (!value || !G_VALUE_HOLDS (value, rvi_webrtc_session_description_get_type ())) {
    rvi_live_webrtc_post_failed (w, "webrtcbin made no offer");
    return;
  }
  offer = g_value_get_boxed (value);
  gst_sdp_message_copy (offer->sdp, &browser);
  if (rvi_live_webrtc_sdp_set_h264_profile (browser, RVI_LIVE_WEBRTC_BROWSER_PROFILE, &profile)
      == 0) {
    rvi_live_webrtc_post_failed (w, "the offer has no h264 video");
    return;
  }
  rvi_live_webrtc_sdp_set_setup (browser, "active");
  rvi_live_webrtc_post (w, RVI_LIVE_WEBRTC_EVENT_OFFER, 0, 0, gst_sdp_message_as_text (browser),
                        profile);
  set = new_promise (w, on_description_set);
  if (set)
    g_signal_emit_by_name (webrtc, "set-local-description", offer, set);
}

static GstPadProbeReturn
on_first_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RviLiveWebrtc *w = data;
  g_autoptr (GstElement) webrtc = g_weak_ref_get (&w->webrtcbin_weak);
  g_autoptr (GstPromise) promise = webrtc ? new_promise (w, on_offer_created) : NULL;

  if (promise)
    g_signal_emit_by_name (webrtc, "create-offer", NULL, promise);
  return GST_PAD_PROBE_REMOVE;
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer data)
{
  RviLiveWebrtc *w = data;

  if (!g_atomic_int_get (&w->closed) && candidate && *candidate)
    rvi_live_webrtc_post (w, RVI_LIVE_WEBRTC_EVENT_ICE, mline, 0, g_strdup (candidate), NULL);
}

static void
on_state_notify (GObject *webrtc, GParamSpec *pspec, gpointer data)
{
  RviLiveWebrtc *w = data;
  int pc = RVI_WEBRTC_PC_NEW, ice = RVI_WEBRTC_ICE_NEW;
  RviLiveWebrtcState state;

  if (g_atomic_int_get (&w->closed))
    return;
  g_object_get (webrtc, "connection-state", &pc, "ice-connection-state", &ice, NULL);
  if (ice == RVI_WEBRTC_ICE_FAILED || pc == RVI_WEBRTC_PC_FAILED) {
    rvi_live_webrtc_post_failed (w, ice == RVI_WEBRTC_ICE_FAILED ? "ice failed" : "dtls failed");
    return;
  }
  if (pc == RVI_WEBRTC_PC_CLOSED)
    state = RVI_LIVE_WEBRTC_CLOSED;
  else if (pc == RVI_WEBRTC_PC_CONNECTED)
    state = RVI_LIVE_WEBRTC_CONNECTED;
  else if (pc == RVI_WEBRTC_PC_CONNECTING || pc == RVI_WEBRTC_PC_DISCONNECTED)
    state = RVI_LIVE_WEBRTC_CONNECTING;
  else
    return;
  rvi_live_webrtc_post (w, RVI_LIVE_WEBRTC_EVENT_STATE, 0, state,
                        pc == RVI_WEBRTC_PC_DISCONNECTED ? g_strdup ("disconnected") : NULL, NULL);
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
    rvi_live_webrtc_post_failed (w, error->message);
  }
  return GST_BUS_DROP; /* nobody watches this bus: nothing may pile up on it */
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
build (RviLiveWebrtc *w, GError **error)
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
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, "max-bytes",
                (guint64)RVI_LIVE_WEBRTC_MAX_BYTES, "block", FALSE, NULL);
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
  /* do-nack: NACKs are answered with RTX retransmissions */
  g_object_set (transceiver, "direction", RVI_WEBRTC_DIRECTION_SENDONLY, "do-nack", TRUE, NULL);
  gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_first_rtp, rvi_live_webrtc_ref (w), rvi_live_webrtc_unref);
  return TRUE;
}

gboolean
rvi_live_webrtc_pipeline_start (RviLiveWebrtc *w, GError **error)
{
  g_autoptr (GstBus) bus = NULL;

  if (!build (w, error))
    return FALSE;
  bus = gst_element_get_bus (w->pipeline);
  gst_bus_set_sync_handler (bus, on_bus_message, rvi_live_webrtc_ref (w), rvi_live_webrtc_unref);
  g_signal_connect_data (w->webrtcbin, "on-ice-candidate", G_CALLBACK (on_ice_candidate),
                         rvi_live_webrtc_ref (w), closure_unref, 0);
  g_signal_connect_data (w->webrtcbin, "notify::connection-state", G_CALLBACK (on_state_notify),
                         rvi_live_webrtc_ref (w), closure_unref, 0);
  g_signal_connect_data (w->webrtcbin, "notify::ice-connection-state", G_CALLBACK (on_state_notify),
                         rvi_live_webrtc_ref (w), closure_unref, 0);
  if (gst_element_set_state (w->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot start the webrtc pipeline");
    return FALSE;
  }
  return TRUE;
}

void
rvi_live_webrtc_pipeline_close (RviLiveWebrtc *w)
{
  g_autoptr (GPtrArray) promises = NULL;
  g_autoptr (GstBus) bus = NULL;

  g_mutex_lock (&w->lock);
  g_atomic_int_set (&w->closed, TRUE);
  promises = g_steal_pointer (&w->promises);
  g_mutex_unlock (&w->lock);
  for (guint i = 0; promises && i < promises->len; i++)
    gst_promise_interrupt (promises->pdata[i]);
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

void
rvi_live_webrtc_pipeline_answer (RviLiveWebrtc *w, GstSDPMessage *sdp)
{
  g_autoptr (RviWebrtcSessionDescription) answer
      = rvi_webrtc_session_description_new (RVI_WEBRTC_SDP_TYPE_ANSWER, sdp);
  g_autoptr (GstPromise) promise = new_promise (w, on_description_set);

  g_signal_emit_by_name (w->webrtcbin, "set-remote-description", answer, promise);
}

/* Loads the plugins webrtcbin makes its transports of, which is slow the
 * first time (libsrtp tests its ciphers at start), and has the process's
 * DTLS certificate made (dtlsdec makes it with the first dtlsdec). */
static gpointer
warm_up (gpointer unused)
{
  const char *names[] = { "srtpenc", "nicesrc", "dtlsdec" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    GstElement *e = gst_element_factory_make (names[i], NULL);

    if (e)
      gst_object_unref (gst_object_ref_sink (e));
  }
  return NULL;
}

static GMutex warm_lock;
static GThread *warm_thread;   /* joinable until rvi_live_webrtc_warm_up_wait */
static gboolean warm_started;

void
rvi_live_webrtc_warm_up (void)
{
  g_mutex_lock (&warm_lock);
  if (!warm_started) {
    warm_started = TRUE;
    warm_thread = g_thread_new ("rvi-webrtc-warm", warm_up, NULL);
  }
  g_mutex_unlock (&warm_lock);
}

void
rvi_live_webrtc_warm_up_wait (void)
{
  GThread *thread;

  g_mutex_lock (&warm_lock);
  thread = g_steal_pointer (&warm_thread);
  g_mutex_unlock (&warm_lock);
  if (thread)
    g_thread_join (thread);
}
