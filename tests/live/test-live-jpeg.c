/* test-live-jpeg.c: RviLiveJpeg on real encoded streams (test-es.h: 90
 * frames of 320x240@15, a key frame every 30) published into a feed. The
 * stills arrive on a private main context, are JPEGs that ffprobe reads at
 * the expected size, follow the fps cap with the freshest picture last,
 * come from key frames only, and a viewer freed with a still pending (or
 * from its own callback) calls nothing after. */
#include <gst/gst.h>
#include <glib/gstdio.h>

#include "live-jpeg.h"
#include "test-es.h"

#define WALL0 G_GINT64_CONSTANT (1700000000000000)
#define TIMEOUT_US (30 * G_USEC_PER_SEC)

static char *tmpdir;
static GMainContext *ctx;   /* where the stills are delivered */
static RviTestStream *h264, *h265;

typedef struct {
  GPtrArray *jpegs;      /* GBytes */
  GArray *at;            /* gint64 */
  GArray *when;          /* gint64, monotonic time of the callback */
  RviLiveJpeg **self;    /* set: the callback frees the viewer */
} Seen;

static void
seen_init (Seen *seen)
{
  seen->jpegs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  seen->at = g_array_new (FALSE, FALSE, sizeof (gint64));
  seen->when = g_array_new (FALSE, FALSE, sizeof (gint64));
  seen->self = NULL;
}

static void
seen_clear (Seen *seen)
{
  g_ptr_array_unref (seen->jpegs);
  g_array_unref (seen->at);
  g_array_unref (seen->when);
}

static void
on_jpeg (GBytes *jpeg, gint64 at_us, gpointer user_data)
{
  Seen *seen = user_data;
  gint64 now = g_get_monotonic_time ();

  g_ptr_array_add (seen->jpegs, g_bytes_ref (jpeg));
  g_array_append_val (seen->at, at_us);
  g_array_append_val (seen->when, now);
  if (seen->self)
    g_clear_pointer (seen->self, rvi_live_jpeg_free);
}

static RviVideoParams
params_of (const RviTestStream *s)
{
  RviVideoParams params = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (rvi_video_params_parse (&params, s->codec, s->vps, s->sps, s->pps, &error));
  return params;
}

static gint64
wall_of (guint i)
{
  return WALL0 + (gint64) i * G_USEC_PER_SEC / 15;
}

static void
publish (RviLiveFeed *feed, const RviTestStream *s, const RviVideoParams *params, guint from,
         guint to)
{
  for (guint i = from; i < to; i++) {
    const RviTestFrame *f = &g_array_index (s->frames, RviTestFrame, i);
    gsize size;
    const guint8 *data = g_bytes_get_data (f->data, &size);

    rvi_live_feed_publish (feed, params, f->pts, wall_of (i), f->key, data, size);
  }
}

/* Iterates the stills' context until @seen holds @n stills. */
static void
wait_for_stills (Seen *seen, guint n)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;

  while (seen->jpegs->len < n) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (ctx, FALSE);
    g_usleep (1000);
  }
}

/* A complete JPEG that ffprobe reads as @width x @height. */
static void
check_jpeg (GBytes *jpeg, guint width, guint height)
{
  gsize size;
  const guint8 *d = g_bytes_get_data (jpeg, &size);
  g_autofree char *path = g_build_filename (tmpdir, "still.jpg", NULL);
  const char *argv[] = { "ffprobe", "-v", "error", "-show_entries",
                         "stream=codec_name,width,height", "-of", "csv=p=0", path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *expected = g_strdup_printf ("mjpeg,%u,%u\n", width, height);
  g_autoptr (GError) error = NULL;
  int status;

  g_assert_cmpuint (size, >, 500);
  g_assert_true (d[0] == 0xff && d[1] == 0xd8);
  g_assert_true (d[size - 2] == 0xff && d[size - 1] == 0xd9);
  g_assert_true (g_file_set_contents (path, (const char *) d, (gssize) size, NULL));
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpstr (out, ==, expected);
  g_unlink (path);
}

/* H.265: the cached key frame gives the first still at once; then one per
 * key frame; non-key frames are never decoded. */
static void
test_catch_up (void)
{
  g_auto (RviVideoParams) params = params_of (h265);
  g_autoptr (RviLiveFeed) feed = rvi_live_feed_new ("cam");
  RviLiveJpeg *lj;
  RviLiveJpegStats st;
  Seen seen;
  gint64 t0;

  seen_init (&seen);
  publish (feed, h265, &params, 0, 40);   /* keys 0 and 30: frames 30..39 cached */
  t0 = g_get_monotonic_time ();
  lj = rvi_live_jpeg_new (feed, 0, 0, on_jpeg, &seen, ctx);
  wait_for_stills (&seen, 1);
  g_test_message ("first still after %" G_GINT64_FORMAT " us, %" G_GSIZE_FORMAT " bytes",
                  g_get_monotonic_time () - t0, g_bytes_get_size (seen.jpegs->pdata[0]));
  g_assert_cmpint (g_array_index (seen.at, gint64, 0), ==, wall_of (30));
  check_jpeg (seen.jpegs->pdata[0], 320, 240);

  publish (feed, h265, &params, 40, 90);  /* key 60 */
  wait_for_stills (&seen, 2);
  g_assert_cmpint (g_array_index (seen.at, gint64, 1), ==, wall_of (60));
  check_jpeg (seen.jpegs->pdata[1], 320, 240);
  rvi_live_jpeg_get_stats (lj, &st);
  g_assert_cmpuint (st.keys, ==, 2);
  g_assert_cmpuint (st.skipped, ==, 9 + 49);
  g_assert_cmpuint (st.decoded, ==, 2);
  g_assert_cmpuint (st.stills, ==, 2);
  g_assert_cmpuint (st.delivered, ==, 2);
  g_assert_cmpuint (st.dropped, ==, 0);
  g_assert_cmpuint (st.failed, ==, 0);
  rvi_live_jpeg_free (lj);
  /* nothing more arrives, and the feed has no viewer left */
  publish (feed, h265, &params, 0, 1);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (ctx, FALSE);
  g_assert_cmpuint (seen.jpegs->len, ==, 2);
  seen_clear (&seen);
}

typedef struct {
  RviLiveFeed *feed;
  const RviVideoParams *params;
  guint sent, total;
  gint64 last_wall;
} Burst;

static gboolean
on_burst (gpointer data)
{
  Burst *b = data;
  const RviTestFrame *f = &g_array_index (h264->frames, RviTestFrame, (b->sent % 3) * 30);
  gsize size;
  const guint8 *au = g_bytes_get_data (f->data, &size);

  b->last_wall = WALL0 + b->sent * 50000;
  rvi_live_feed_publish (b->feed, b->params, f->pts + b->sent, b->last_wall, TRUE, au, size);
  return ++b->sent < b->total ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* H.264, a key frame every 50 ms for 1.2 s, at most 4 stills a second
 * 160 px wide: the cap holds, newer key frames replace waiting ones, and
 * the last still is of the last key frame. */
static void
test_fps_cap (void)
{
  g_auto (RviVideoParams) params = params_of (h264);
  g_autoptr (RviLiveFeed) feed = rvi_live_feed_new ("cam");
  Burst burst = { feed, &params, 0, 24, 0 };
  g_autoptr (GSource) timer = NULL;
  RviLiveJpeg *lj;
  RviLiveJpegStats st;
  gint64 t0, deadline, span;
  guint allowed;
  Seen seen;

  seen_init (&seen);
  lj = rvi_live_jpeg_new (feed, 160, 4, on_jpeg, &seen, ctx);
  t0 = g_get_monotonic_time ();
  timer = g_timeout_source_new (50);
  g_source_set_callback (timer, on_burst, &burst, NULL);
  g_source_attach (timer, ctx);
  deadline = t0 + TIMEOUT_US;
  /* until the last key frame's still was delivered */
  while (burst.sent < burst.total || seen.at->len == 0
         || g_array_index (seen.at, gint64, seen.at->len - 1) != burst.last_wall) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (ctx, FALSE);
    g_usleep (1000);
  }
  span = g_array_index (seen.when, gint64, seen.when->len - 1) - t0;
  allowed = 1 + (guint) (span * 4 / G_USEC_PER_SEC) + 1;
  g_test_message ("%u stills in %" G_GINT64_FORMAT " ms (at most %u)", seen.jpegs->len,
                  span / 1000, allowed);
  g_assert_cmpuint (seen.jpegs->len, >=, 3);
  g_assert_cmpuint (seen.jpegs->len, <=, allowed);
  for (guint i = 1; i < seen.at->len; i++)
    g_assert_cmpint (g_array_index (seen.at, gint64, i), >, g_array_index (seen.at, gint64, i - 1));
  check_jpeg (seen.jpegs->pdata[seen.jpegs->len - 1], 160, 120);
  rvi_live_jpeg_get_stats (lj, &st);
  g_assert_cmpuint (st.keys, ==, 24);
  g_assert_cmpuint (st.skipped, ==, 0);
  g_assert_cmpuint (st.decoded + st.dropped, >=, 24);
  g_assert_cmpuint (st.decoded, <, 24);
  g_assert_cmpuint (st.stills, ==, st.decoded);
  g_assert_cmpuint (st.delivered, ==, seen.jpegs->len);
  rvi_live_jpeg_free (lj);
  seen_clear (&seen);
}

/* A still made but not delivered when the viewer is freed is never
 * delivered; a malformed key frame fails without a still; the callback may
 * free its viewer. */
static void
test_free (void)
{
  g_auto (RviVideoParams) params = params_of (h264);
  g_autoptr (RviLiveFeed) feed = rvi_live_feed_new ("cam");
  static const guint8 malformed[] = { 0, 0, 0, 9, 0x65, 0x88 };
  RviLiveJpeg *lj, *self;
  RviLiveJpegStats st;
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;
  Seen seen;

  seen_init (&seen);
  publish (feed, h264, &params, 0, 5);
  lj = rvi_live_jpeg_new (feed, 0, 0, on_jpeg, &seen, ctx);
  do {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (1000);
    rvi_live_jpeg_get_stats (lj, &st);
  } while (st.stills < 1);
  rvi_live_jpeg_free (lj);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (ctx, FALSE);
  g_assert_cmpuint (seen.jpegs->len, ==, 0);

  /* freed while decoding, or right after subscribing */
  lj = rvi_live_jpeg_new (feed, 0, 0, on_jpeg, &seen, ctx);
  rvi_live_jpeg_free (lj);

  /* a malformed key frame: counted as failed, no still */
  rvi_live_feed_publish (feed, &params, 0, WALL0, TRUE, malformed, sizeof malformed);
  lj = rvi_live_jpeg_new (feed, 0, 0, on_jpeg, &seen, ctx);
  do {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (1000);
    rvi_live_jpeg_get_stats (lj, &st);
  } while (st.failed < 1);
  g_assert_cmpuint (st.stills, ==, 0);
  rvi_live_jpeg_free (lj);

  /* the callback frees its viewer */
  publish (feed, h264, &params, 0, 5);
  self = rvi_live_jpeg_new (feed, 0, 0, on_jpeg, &seen, ctx);
  seen.self = &self;
  wait_for_stills (&seen, 1);
  g_assert_null (self);
  publish (feed, h264, &params, 30, 31);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (ctx, FALSE);
  g_assert_cmpuint (seen.jpegs->len, ==, 1);
  seen_clear (&seen);
}

int
main (int argc, char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  ctx = g_main_context_new ();
  tmpdir = g_dir_make_tmp ("rvi-live-jpeg-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  h264 = rvi_test_stream_encode (RVI_CODEC_H264, FALSE);
  h265 = rvi_test_stream_encode (RVI_CODEC_H265, FALSE);
  g_test_add_func ("/live-jpeg/catch-up", test_catch_up);
  g_test_add_func ("/live-jpeg/fps-cap", test_fps_cap);
  g_test_add_func ("/live-jpeg/free", test_free);
  status = g_test_run ();
  rvi_test_stream_free (h264);
  rvi_test_stream_free (h265);
  g_rmdir (tmpdir);
  g_free (tmpdir);
  g_main_context_unref (ctx);
  return status;
}
