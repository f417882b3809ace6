/* test-live-webrtc.c: RviLiveWebrtc played to a second webrtcbin in the
 * same process (webrtc-peer.h: webrtcbin ! rtph264depay ! h264parse !
 * avdec_h264), fed by an RviLiveFeed that a thread publishes to at 15 fps,
 * as ingest does (feed-publisher.h).
 *
 * The published access units have no in-band SPS and PPS, so the receiver
 * decodes only if the viewer's appsrc caps carry the right parameter sets:
 * rtph264pay (config-interval=-1) sends those before every IDR. */
#include <gst/gst.h>

#include "live-webrtc-sdp.h"
#include "live-webrtc.h"
#include "rvi-error.h"
#include "feed-publisher.h"
#include "webrtc-peer.h"

/* Under AddressSanitizer (fast_unwind_on_malloc=0: every allocation walks
 * the stack) GStreamer runs several times slower: the timing bounds are
 * then only sanity checks, the memory checks are the point. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef SANITIZED
#define SLOWDOWN 5
#else
#define SLOWDOWN 1
#endif

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return x < y ? -1 : x > y;
}

/* ---- the tests ---- */

static void
test_sdp_rewrite (void)
{
  const char *offer
      = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 "
        "packetization-mode=1;profile-level-id=640014;sprop-parameter-sets=Z2QAFA==,aOs=\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:97 h264/90000\r\n";
  g_autoptr (GstSDPMessage) sdp = NULL;
  g_autofree char *previous = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  gboolean mdns = TRUE;

  g_assert_cmpint (gst_sdp_message_new_from_text (offer, &sdp), ==, GST_SDP_OK);
  g_assert_cmpuint (rvi_live_webrtc_sdp_set_h264_profile (sdp, "42e01f", &previous), ==, 2);
  g_assert_cmpstr (previous, ==, "640014");
  text = gst_sdp_message_as_text (sdp);
  g_assert_nonnull (strstr (text, "a=fmtp:96 packetization-mode=1;level-asymmetry-allowed=1;"
                                  "profile-level-id=42e01f\r\n"));
  g_assert_nonnull (strstr (text, "a=fmtp:97 packetization-mode=1;level-asymmetry-allowed=1;"
                                  "profile-level-id=42e01f\r\n"));
  g_assert_null (strstr (text, "sprop-parameter-sets"));
  g_clear_pointer (&previous, g_free);
  g_assert_cmpuint (rvi_live_webrtc_sdp_set_h264_profile (sdp, "640014", &previous), ==, 2);
  g_assert_cmpstr (previous, ==, "42e01f");
  g_assert_cmpuint (rvi_live_webrtc_sdp_set_setup (sdp, "active"), ==, 0);
  gst_sdp_media_add_attribute ((GstSDPMedia *)gst_sdp_message_get_media (sdp, 0), "setup",
                               "actpass");
  g_assert_cmpuint (rvi_live_webrtc_sdp_set_setup (sdp, "active"), ==, 1);
  g_clear_pointer (&text, g_free);
  text = gst_sdp_message_as_text (sdp);
  g_assert_nonnull (strstr (text, "a=setup:active\r\n"));
  g_assert_null (strstr (text, "actpass"));

  g_assert_cmpstr (rvi_live_webrtc_sdp_check_candidate (
                       "a=candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host", &mdns, &error),
                   ==, "candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host");
  g_assert_false (mdns);
  g_assert_nonnull (rvi_live_webrtc_sdp_check_candidate (
      "candidate:1 1 udp 2122260223 0b3f-44c1-9aa2.local 5000 typ host generation 0", &mdns, NULL));
  g_assert_true (mdns);
  g_assert_cmpstr (rvi_live_webrtc_sdp_check_candidate ("", &mdns, NULL), ==, "");
  g_assert_null (rvi_live_webrtc_sdp_check_candidate ("candidate:1 1 udp 5 x", &mdns, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);
}

static gboolean
have_60_frames (RviTestSession *s)
{
  return rvi_test_peer_decoded (s->peer, NULL) >= 60;
}

static void
test_play (void)
{
  RviTestClip *clip = rvi_test_clip_new (rvi_test_stream_encode (RVI_CODEC_H264, FALSE));
  g_autoptr (RviLiveFeed) feed = rvi_live_feed_new ("cam-play");
  RviTestPublisher *pub = rvi_test_publisher_start (feed, clip, NULL, 0);
  RviTestSession *s;
  g_autoptr (GArray) decoded = NULL;
  g_autoptr (GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;
  RviLiveWebrtcStats stats;
  gint64 first_us, next_key_us, p50;
  guint g0;

  g_assert_cmpstr (clip->stream->mime_codec, ==, "avc1.640014"); /* High */
  /* keys at 0 and 30: the cache holds frames 30..32 */
  while (rvi_test_publisher_count (pub) < 33)
    g_usleep (10000);
  s = rvi_test_session_new (TRUE);
  g_mutex_lock (&pub->lock);
  g0 = (pub->at_us->len - 1) / 30 * 30; /* the first frame the viewer gets */
  rvi_test_session_start (s, feed);
  g_mutex_unlock (&pub->lock);

  g_assert_true (rvi_test_session_run (s, have_60_frames, 20 * G_USEC_PER_SEC));
  rvi_test_session_run (s, NULL, 1500000); /* 22 more live frames, however long catch-up took */
  g_assert_nonnull (strstr (s->offer, "profile-level-id=42e01f"));
  g_assert_nonnull (strstr (s->offer, "level-asymmetry-allowed=1"));
  g_assert_nonnull (strstr (s->offer, "packetization-mode=1"));
  g_assert_nonnull (strstr (s->offer, "a=sendonly"));
  g_assert_nonnull (strstr (s->offer, "a=setup:active")); /* the server is the DTLS client */
  g_assert_null (strstr (s->offer, "640014"));
  g_assert_nonnull (strstr (s->answer, "profile-level-id=42e01f"));
  g_assert_nonnull (strstr (s->answer, "a=setup:passive"));
  g_assert_cmpuint (s->candidates, >, 0);
  g_assert_cmpint (g_array_index (s->states, int, 0), ==, RVI_LIVE_WEBRTC_CONNECTING);
  g_assert_cmpint (g_array_index (s->states, int, s->states->len - 1), ==,
                   RVI_LIVE_WEBRTC_CONNECTED);

  /* the cached group of pictures: a picture long before the camera's next
   * key frame (the times are printed; tests/bench/live measures them) */
  rvi_test_peer_decoded (s->peer, &decoded);
  first_us = g_array_index (decoded, gint64, 0);
  g_mutex_lock (&pub->lock);
  next_key_us = g_array_index (pub->at_us, gint64, g0 + 30);
  for (guint k = 0; k < decoded->len && g0 + k < pub->at_us->len; k++) {
    gint64 published = g_array_index (pub->at_us, gint64, g0 + k);
    gint64 latency = g_array_index (decoded, gint64, k) - published;

    if (published > first_us) /* live frames, not the catch-up */
      g_array_append_val (latencies, latency);
  }
  g_mutex_unlock (&pub->lock);
  g_test_message ("first picture %" G_GINT64_FORMAT " ms after new(), %" G_GINT64_FORMAT
                  " ms after connected; next key frame at %" G_GINT64_FORMAT " ms",
                  (first_us - s->started_us) / 1000, (first_us - s->connected_us) / 1000,
                  (next_key_us - s->started_us) / 1000);
  if (SLOWDOWN == 1)
    g_assert_cmpint (first_us, <, next_key_us);
  g_assert_cmpuint (latencies->len, >=, 20);
  g_array_sort (latencies, compare_gint64);
  p50 = g_array_index (latencies, gint64, latencies->len / 2);
  g_test_message (
      "publish to decoded: p50 %" G_GINT64_FORMAT " ms, max %" G_GINT64_FORMAT " ms over %u frames",
      p50 / 1000, g_array_index (latencies, gint64, latencies->len - 1) / 1000, latencies->len);

  rvi_live_webrtc_get_stats (s->viewer, &stats);
  g_assert_cmpuint (stats.frames_sent, >=, decoded->len);
  g_assert_cmpuint (stats.frames_dropped, ==, 0);
  g_assert_cmpuint (stats.bytes_sent, >, 0);

  /* a browser's mDNS host candidate is ignored, garbage is refused */
  g_assert_true (rvi_live_webrtc_add_ice_candidate (
      s->viewer, 0, "candidate:9 1 udp 2122260223 5b4c7f2e-8c1d.local 54321 typ host", &error));
  g_assert_no_error (error);
  g_assert_false (rvi_live_webrtc_add_ice_candidate (s->viewer, 0, "hello", &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (rvi_live_webrtc_set_answer (s->viewer, s->answer, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);

  rvi_test_session_free (s);
  rvi_test_publisher_stop (pub);
  rvi_test_clip_free (clip);
}

static gboolean
have_small_frames (RviTestSession *s)
{
  return rvi_test_peer_frames_of_width (s->peer, 160) >= 10;
}

/* A camera without a picture yet: the offer waits for its first key frame.
 * Then its parameter sets change (another size and profile). */
static void
test_waiting_and_new_parameters (void)
{
  RviTestClip *high = rvi_test_clip_new (rvi_test_stream_encode_h264 ("high", 320, 240));
  RviTestClip *base
      = rvi_test_clip_new (rvi_test_stream_encode_h264 ("constrained-baseline", 160, 120));
  g_autoptr (RviLiveFeed) feed = rvi_live_feed_new ("cam-wait");
  RviTestSession *s = rvi_test_session_new (TRUE);
  RviTestPublisher *pub;

  rvi_test_session_start (s, feed);
  rvi_test_session_run (s, NULL, 300000);
  g_assert_null (s->offer);
  g_assert_cmpuint (s->states->len, ==, 0);
  pub = rvi_test_publisher_start (feed, high, base, 30);
  g_assert_true (rvi_test_session_run (s, have_small_frames, 20 * G_USEC_PER_SEC));
  g_assert_nonnull (strstr (s->offer, "profile-level-id=42e01f"));
  g_assert_cmpuint (rvi_test_peer_frames_of_width (s->peer, 320), >=, 1);
  rvi_test_session_free (s);
  rvi_test_publisher_stop (pub);
  rvi_test_clip_free (high);
  rvi_test_clip_free (base);
}

static gboolean
has_failed (RviTestSession *s)
{
  return s->failed != NULL;
}

static void
test_h265_refused (void)
{
  RviTestClip *clip = rvi_test_clip_new (rvi_test_stream_encode (RVI_CODEC_H265, FALSE));
  g_autoptr (RviLiveFeed) known = rvi_live_feed_new ("cam-h265");
  g_autoptr (RviLiveFeed) unknown = rvi_live_feed_new ("cam-h265-later");
  g_autoptr (GError) error = NULL;
  RviTestSession *s = rvi_test_session_new (FALSE);

  rvi_test_clip_publish (clip, known, 0, 0);
  g_assert_null (rvi_live_webrtc_new (known, NULL, NULL, NULL, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_UNSUPPORTED_MEDIA);
  g_assert_nonnull (strstr (error->message, "h265"));

  /* the codec becomes known after new() */
  rvi_test_session_start (s, unknown);
  rvi_test_clip_publish (clip, unknown, 0, 0);
  rvi_test_clip_publish (clip, unknown, 1, 6000);
  g_assert_true (rvi_test_session_run (s, has_failed, 5 * G_USEC_PER_SEC));
  g_assert_nonnull (strstr (s->failed, "h265"));
  rvi_test_session_run (s, NULL, 200000);
  g_assert_null (s->offer);
  g_assert_cmpuint (s->states->len, ==, 1);
  rvi_test_session_free (s);
  rvi_test_clip_free (clip);
}

static gboolean
have_offer (RviTestSession *s)
{
  return s->offer != NULL;
}

static gboolean
have_10_frames (RviTestSession *s)
{
  return rvi_test_peer_decoded (s->peer, NULL) >= 10;
}

/* free() at every stage: frames queued and the offer being made; the
 * offer queued on the context but not delivered; the offer out and
 * candidates coming; frames flowing. Nothing may be called after it, not
 * even what was queued before; nothing may crash or leak (the sanitizer
 * run checks). */
static void
test_free (void)
{
  RviTestClip *clip = rvi_test_clip_new (rvi_test_stream_encode (RVI_CODEC_H264, FALSE));
  g_autoptr (RviLiveFeed) feed = rvi_live_feed_new ("cam-free");
  RviTestPublisher *pub;
  RviTestSession *s;

  for (guint i = 0; i < 10; i++)
    rvi_test_clip_publish (clip, feed, i, i * 6000);
  s = rvi_test_session_new (FALSE);
  rvi_test_session_start (s, feed);
  rvi_test_session_stop (s);
  rvi_test_session_run (s, NULL, 200000);
  g_assert_cmpuint (s->late, ==, 0);
  rvi_test_session_free (s);

  /* the offer (and soon candidates) queued on the context, not dispatched */
  s = rvi_test_session_new (FALSE);
  rvi_test_session_start (s, feed);
  for (gint64 end = g_get_monotonic_time () + SLOWDOWN * 5 * G_USEC_PER_SEC;
       !g_main_context_pending (s->context) && g_get_monotonic_time () < end;)
    g_usleep (1000);
  g_assert_true (g_main_context_pending (s->context));
  g_usleep (200000);
  rvi_test_session_stop (s);
  rvi_test_session_run (s, NULL, 300000);
  g_assert_null (s->offer);
  g_assert_cmpuint (s->late, ==, 0);
  rvi_test_session_free (s);

  s = rvi_test_session_new (FALSE);
  rvi_test_session_start (s, feed);
  g_assert_true (rvi_test_session_run (s, have_offer, 5 * G_USEC_PER_SEC));
  rvi_test_session_stop (s);
  rvi_test_session_run (s, NULL, 300000);
  g_assert_cmpuint (s->late, ==, 0);
  rvi_test_session_free (s);

  pub = rvi_test_publisher_start (feed, clip, NULL, 0);
  s = rvi_test_session_new (TRUE);
  rvi_test_session_start (s, feed);
  g_assert_true (rvi_test_session_run (s, have_10_frames, 20 * G_USEC_PER_SEC));
  rvi_test_session_stop (s);
  rvi_test_session_run (s, NULL, 300000);
  g_assert_cmpuint (s->late, ==, 0);
  rvi_test_session_free (s);
  rvi_test_publisher_stop (pub);
  rvi_test_clip_free (clip);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  rvi_live_webrtc_warm_up (); /* as the server does at start-up */
  /* a browser has its decoder loaded: so has the peer, before the clock runs */
  gst_object_unref (gst_object_ref_sink (gst_element_factory_make ("avdec_h264", NULL)));
  g_test_add_func ("/live/webrtc/sdp-rewrite", test_sdp_rewrite);
  g_test_add_func ("/live/webrtc/play", test_play);
  g_test_add_func ("/live/webrtc/waiting-and-new-parameters", test_waiting_and_new_parameters);
  g_test_add_func ("/live/webrtc/h265-refused", test_h265_refused);
  g_test_add_func ("/live/webrtc/free", test_free);
  status = g_test_run ();
  rvi_live_webrtc_warm_up_wait ();
  return status;
}
