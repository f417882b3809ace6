/* test-live-feed.c: RviLiveFeed's group-of-pictures cache and fan-out on a
 * real encoded stream (test-es.h: a key frame every 30 frames). */
#include <gst/gst.h>

#include "live-feed.h"
#include "test-es.h"

typedef struct {
  GArray *pts;       /* gint64, every frame received */
  guint catch_up;
  guint keys;
  guint serials;     /* distinct params serials seen */
  guint last_serial;
  gboolean first_key;
  gboolean destroyed;
} Seen;

static void
on_frame (const RviLiveFrame *frame, const RviVideoParams *params, gboolean catch_up, gpointer data)
{
  Seen *seen = data;

  if (seen->pts->len == 0)
    seen->first_key = frame->key;
  g_array_append_val (seen->pts, frame->pts_90k);
  seen->catch_up += catch_up;
  seen->keys += frame->key;
  g_assert_nonnull (params->sps);
  g_assert_cmpuint (g_bytes_get_size (frame->data), >, 4);
  if (frame->params_serial != seen->last_serial)
    seen->serials++;
  seen->last_serial = frame->params_serial;
}

static void
on_destroy (gpointer data)
{
  ((Seen *) data)->destroyed = TRUE;
}

static RviVideoParams
params_of (RviTestStream *s)
{
  RviVideoParams params = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (rvi_video_params_parse (&params, s->codec, s->vps, s->sps, s->pps, &error));
  return params;
}

static void
publish (RviLiveFeed *feed, RviTestStream *s, const RviVideoParams *params, guint from, guint to)
{
  for (guint i = from; i < to; i++) {
    RviTestFrame *f = &g_array_index (s->frames, RviTestFrame, i);
    gsize size;
    const guint8 *data = g_bytes_get_data (f->data, &size);

    rvi_live_feed_publish (feed, params, f->pts, 1000000 + i, f->key, data, size);
  }
}

static void
test_catch_up (void)
{
  RviTestStream *s = rvi_test_stream_encode (RVI_CODEC_H264, FALSE);
  g_auto (RviVideoParams) params = params_of (s);
  g_autoptr (RviLiveFeed) feed = rvi_live_feed_new ("cam");
  Seen seen = { g_array_new (FALSE, FALSE, sizeof (gint64)) };
  RviLiveFeedState st;
  guint id;

  /* 40 frames: keys at 0 and 30, so the cache holds frames 30..39 */
  publish (feed, s, &params, 0, 40);
  rvi_live_feed_get_state (feed, &st);
  g_assert_true (st.have_video);
  g_assert_cmpint (st.codec, ==, RVI_CODEC_H264);
  g_assert_cmpuint (st.width, ==, 320);
  g_assert_cmpuint (st.cached_frames, ==, 10);
  g_assert_cmpuint (st.frames, ==, 40);

  id = rvi_live_feed_subscribe (feed, on_frame, &seen, on_destroy);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (seen.pts->len, ==, 10);
  g_assert_true (seen.first_key);
  g_assert_cmpuint (seen.catch_up, ==, 10);
  g_assert_cmpint (g_array_index (seen.pts, gint64, 0), ==,
                   g_array_index (s->frames, RviTestFrame, 30).pts);

  publish (feed, s, &params, 40, 90);
  g_assert_cmpuint (seen.pts->len, ==, 60);
  g_assert_cmpuint (seen.catch_up, ==, 10);
  g_assert_cmpuint (seen.keys, ==, 2);   /* 30 and 60 */
  g_assert_cmpuint (seen.serials, ==, 1);
  for (guint i = 1; i < seen.pts->len; i++)
    g_assert_cmpint (g_array_index (seen.pts, gint64, i), >, g_array_index (seen.pts, gint64, i - 1));

  rvi_live_feed_unsubscribe (feed, id);
  g_assert_true (seen.destroyed);
  publish (feed, s, &params, 0, 10);
  g_assert_cmpuint (seen.pts->len, ==, 60);
  g_array_unref (seen.pts);
  rvi_test_stream_free (s);
}

static void
test_reset_and_params (void)
{
  RviTestStream *s = rvi_test_stream_encode (RVI_CODEC_H264, FALSE);
  RviTestStream *h = rvi_test_stream_encode (RVI_CODEC_H265, FALSE);
  g_auto (RviVideoParams) params = params_of (s);
  g_auto (RviVideoParams) hparams = params_of (h);
  g_autoptr (RviLiveFeed) feed = rvi_live_feed_new ("cam");
  Seen seen = { g_array_new (FALSE, FALSE, sizeof (gint64)) };
  RviLiveFeedState st;

  /* a viewer before any picture gets nothing until the first key frame */
  rvi_live_feed_subscribe (feed, on_frame, &seen, NULL);
  publish (feed, s, &params, 1, 30);
  g_assert_cmpuint (seen.pts->len, ==, 0);
  rvi_live_feed_get_state (feed, &st);
  g_assert_false (st.have_video);
  publish (feed, s, &params, 30, 35);
  g_assert_cmpuint (seen.pts->len, ==, 5);
  g_assert_true (seen.first_key);

  /* the stream restarts with another codec: nothing until its key frame,
   * then new parameter sets (a new serial) */
  rvi_live_feed_reset (feed);
  rvi_live_feed_get_state (feed, &st);
  g_assert_false (st.have_video);
  g_assert_cmpuint (st.cached_frames, ==, 0);
  publish (feed, h, &hparams, 1, 5);
  g_assert_cmpuint (seen.pts->len, ==, 5);
  publish (feed, h, &hparams, 30, 32);
  g_assert_cmpuint (seen.pts->len, ==, 7);
  g_assert_cmpuint (seen.serials, ==, 2);
  rvi_live_feed_get_state (feed, &st);
  g_assert_cmpint (st.codec, ==, RVI_CODEC_H265);
  g_array_unref (seen.pts);
  rvi_test_stream_free (s);
  rvi_test_stream_free (h);
}

static void
test_hub (void)
{
  RviLiveHub *hub = rvi_live_hub_new ();
  RviLiveFeed *a = rvi_live_hub_feed (hub, "a");
  RviLiveFeed *again = rvi_live_hub_feed (hub, "a");
  RviLiveFeed *missing = rvi_live_hub_lookup (hub, "b");

  g_assert_true (a == again);
  g_assert_null (missing);
  g_assert_cmpstr (rvi_live_feed_get_camera_id (a), ==, "a");
  rvi_live_hub_remove (hub, "a");
  g_assert_null (rvi_live_hub_lookup (hub, "a"));
  /* holders keep their reference */
  g_assert_cmpstr (rvi_live_feed_get_camera_id (again), ==, "a");
  rvi_live_feed_unref (a);
  rvi_live_feed_unref (again);
  rvi_live_hub_free (hub);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live-feed/catch-up", test_catch_up);
  g_test_add_func ("/live-feed/reset-and-params", test_reset_and_params);
  g_test_add_func ("/live-feed/hub", test_hub);
  return g_test_run ();
}
