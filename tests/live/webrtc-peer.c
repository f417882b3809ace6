/* webrtc-peer.c: see webrtc-peer.h. */
#include "webrtc-peer.h"
#include "webrtc-abi.h"

#include <gst/gst.h>

struct _RviTestPeer {
  GstElement *pipeline, *webrtc;
  GMutex lock;
  GArray *decoded_us;    /* gint64 */
  GArray *widths;        /* int */
  GPtrArray *candidates; /* "MLINE CANDIDATE", for the viewer */
};

/* ---- the peer ---- */

static GstPadProbeReturn
on_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RviTestPeer *peer = data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  int width = 0;

  if (caps)
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width);
  g_mutex_lock (&peer->lock);
  g_array_append_val (peer->decoded_us, now);
  g_array_append_val (peer->widths, width);
  g_mutex_unlock (&peer->lock);
  return GST_PAD_PROBE_OK;
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer data)
{
  RviTestPeer *peer = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) out = NULL;
  g_autoptr (GstPad) out_pad = NULL;
  g_autoptr (GstPad) in = NULL;
  GstElement *bin;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  bin = gst_parse_bin_from_description (
      "rtph264depay ! h264parse ! avdec_h264 max-threads=1 ! fakesink name=out sync=false", TRUE,
      &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (peer->pipeline), bin);
  out = gst_bin_get_by_name (GST_BIN (bin), "out");
  out_pad = gst_element_get_static_pad (out, "sink");
  gst_pad_add_probe (out_pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded, peer, NULL);
  gst_element_sync_state_with_parent (bin);
  in = gst_element_get_static_pad (bin, "sink");
  g_assert_cmpint (gst_pad_link (pad, in), ==, GST_PAD_LINK_OK);
}

static void
on_peer_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer data)
{
  RviTestPeer *peer = data;

  g_mutex_lock (&peer->lock);
  g_ptr_array_add (peer->candidates, g_strdup_printf ("%u %s", mline, candidate));
  g_mutex_unlock (&peer->lock);
}

static RviTestPeer *
peer_new (void)
{
  RviTestPeer *peer = g_new0 (RviTestPeer, 1);

  g_mutex_init (&peer->lock);
  peer->decoded_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  peer->widths = g_array_new (FALSE, FALSE, sizeof (int));
  peer->candidates = g_ptr_array_new_with_free_func (g_free);
  peer->pipeline = gst_object_ref_sink (gst_pipeline_new ("peer"));
  peer->webrtc = gst_element_factory_make ("webrtcbin", NULL);
  g_assert_nonnull (peer->webrtc);
  gst_util_set_object_arg (G_OBJECT (peer->webrtc), "bundle-policy", "max-bundle");
  g_object_set (peer->webrtc, "latency", 0, NULL);
  gst_bin_add (GST_BIN (peer->pipeline), peer->webrtc);
  g_signal_connect (peer->webrtc, "pad-added", G_CALLBACK (on_pad_added), peer);
  g_signal_connect (peer->webrtc, "on-ice-candidate", G_CALLBACK (on_peer_candidate), peer);
  g_assert_cmpint (gst_element_set_state (peer->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return peer;
}

static void
peer_free (RviTestPeer *peer)
{
  gst_element_set_state (peer->pipeline, GST_STATE_NULL);
  gst_object_unref (peer->pipeline);
  g_array_unref (peer->decoded_us);
  g_array_unref (peer->widths);
  g_ptr_array_unref (peer->candidates);
  g_mutex_clear (&peer->lock);
  g_free (peer);
}

static void
emit_and_wait (GstElement *webrtc, const char *signal, gpointer arg, GstPromise *promise)
{
  g_signal_emit_by_name (webrtc, signal, arg, promise);
  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
}

/* Applies @offer and returns the answer, as Chromium would: its fmtp
 * names the profile it matched (webrtcbin's own answer names none). */
static char *
peer_answer (RviTestPeer *peer, const char *offer_text)
{
  GstSDPMessage *sdp = NULL;
  g_autoptr (RviWebrtcSessionDescription) offer = NULL;
  g_autoptr (GstPromise) remote = gst_promise_new ();
  g_autoptr (GstPromise) create = gst_promise_new ();
  g_autoptr (GstPromise) local = gst_promise_new ();
  const GstStructure *reply;
  const RviWebrtcSessionDescription *answer;
  g_autofree char *text = NULL;
  g_autoptr (GRegex) fmtp = NULL;

  g_assert_cmpint (gst_sdp_message_new_from_text (offer_text, &sdp), ==, GST_SDP_OK);
  offer = rvi_webrtc_session_description_new (RVI_WEBRTC_SDP_TYPE_OFFER, sdp);
  emit_and_wait (peer->webrtc, "set-remote-description", offer, remote);
  emit_and_wait (peer->webrtc, "create-answer", NULL, create);
  reply = gst_promise_get_reply (create);
  g_assert_nonnull (reply);
  answer = g_value_get_boxed (gst_structure_get_value (reply, "answer"));
  g_assert_nonnull (answer);
  emit_and_wait (peer->webrtc, "set-local-description", (gpointer)answer, local);
  text = gst_sdp_message_as_text (answer->sdp);
  fmtp = g_regex_new ("a=fmtp:96 [^\r\n]*", 0, 0, NULL);
  return g_regex_replace_literal (fmtp, text, -1, 0,
                                  "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;"
                                  "profile-level-id=42e01f",
                                  0, NULL);
}

guint
rvi_test_peer_decoded (RviTestPeer *peer, GArray **times)
{
  guint n;

  g_mutex_lock (&peer->lock);
  n = peer->decoded_us->len;
  if (times)
    *times = g_array_copy (peer->decoded_us);
  g_mutex_unlock (&peer->lock);
  return n;
}

guint
rvi_test_peer_frames_of_width (RviTestPeer *peer, int width)
{
  guint n = 0;

  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->widths->len; i++)
    n += g_array_index (peer->widths, int, i) == width;
  g_mutex_unlock (&peer->lock);
  return n;
}

/* ---- the session ---- */

static void
on_offer (const char *sdp, gpointer data)
{
  RviTestSession *s = data;
  g_autoptr (GError) error = NULL;

  if (s->stopped) {
    s->late++;
    return;
  }
  g_assert_null (s->offer);
  s->offer = g_strdup (sdp);
  if (!s->peer)
    return;
  s->answer = peer_answer (s->peer, sdp);
  g_assert_true (rvi_live_webrtc_set_answer (s->viewer, s->answer, &error));
  g_assert_no_error (error);
}

static void
on_candidate (guint mline, const char *candidate, gpointer data)
{
  RviTestSession *s = data;

  if (s->stopped) {
    s->late++;
    return;
  }
  g_assert_nonnull (s->offer);
  s->candidates++;
  if (s->peer)
    g_signal_emit_by_name (s->peer->webrtc, "add-ice-candidate", mline, candidate);
}

static void
on_state (RviLiveWebrtcState state, const char *detail, gpointer data)
{
  RviTestSession *s = data;
  int value = state;

  if (s->stopped) {
    s->late++;
    return;
  }
  g_array_append_val (s->states, value);
  if (state == RVI_LIVE_WEBRTC_CONNECTED && !s->connected_us)
    s->connected_us = g_get_monotonic_time ();
  if (state == RVI_LIVE_WEBRTC_FAILED) {
    g_assert_null (s->failed);
    s->failed = g_strdup (detail ? detail : "");
  }
}

static const RviLiveWebrtcCallbacks callbacks = { on_offer, on_candidate, on_state };

RviTestSession *
rvi_test_session_new (gboolean with_peer)
{
  RviTestSession *s = g_new0 (RviTestSession, 1);

  s->context = g_main_context_new ();
  s->states = g_array_new (FALSE, FALSE, sizeof (int));
  if (with_peer)
    s->peer = peer_new ();
  return s;
}

void
rvi_test_session_start (RviTestSession *s, RviLiveFeed *feed)
{
  g_autoptr (GError) error = NULL;

  s->started_us = g_get_monotonic_time ();
  s->viewer = rvi_live_webrtc_new (feed, &callbacks, s, s->context, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s->viewer);
}

/* The peer's candidates so far, to the viewer. */
static void
hand_candidates (RviTestSession *s)
{
  g_autoptr (GPtrArray) candidates = NULL;

  g_mutex_lock (&s->peer->lock);
  candidates = g_steal_pointer (&s->peer->candidates);
  s->peer->candidates = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&s->peer->lock);
  for (guint i = 0; i < candidates->len; i++) {
    char *end = NULL;
    guint64 mline = g_ascii_strtoull (candidates->pdata[i], &end, 10);
    g_autoptr (GError) error = NULL;

    g_assert_true (rvi_live_webrtc_add_ice_candidate (s->viewer, (guint)mline, end + 1, &error));
    g_assert_no_error (error);
  }
}

gboolean
rvi_test_session_run (RviTestSession *s, RviTestSessionDone done, gint64 timeout_us)
{
  gint64 end = g_get_monotonic_time () + timeout_us;

  for (;;) {
    while (g_main_context_iteration (s->context, FALSE))
      ;
    if (s->peer && s->viewer && s->offer)
      hand_candidates (s);
    if (done && done (s))
      return TRUE;
    if (g_get_monotonic_time () >= end)
      return FALSE;
    g_usleep (1000);
  }
}

void
rvi_test_session_stop (RviTestSession *s)
{
  g_clear_pointer (&s->viewer, rvi_live_webrtc_free);
  s->stopped = TRUE;
}

void
rvi_test_session_free (RviTestSession *s)
{
  rvi_test_session_stop (s);
  if (s->peer)
    peer_free (s->peer);
  g_main_context_unref (s->context); /* drops whatever is still queued */
  g_array_unref (s->states);
  g_free (s->offer);
  g_free (s->answer);
  g_free (s->failed);
  g_free (s);
}
