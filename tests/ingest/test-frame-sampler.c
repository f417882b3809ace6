/* test-frame-sampler: key frames of H.264 and H.265 streams encoded in
 * process (test-es.h), with and without B-frames, sampled into JPEG stills
 * that ffprobe accepts, with metrics; the camera interval; a bounded
 * queue; a malformed key frame reported, not crashed on. */
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <unistd.h>

#include "frame-sampler.h"
#include "jpeg-encoder.h"
#include "keyframe-decoder.h"
#include "sha256-hex.h"
#include "test-es.h"

#define SECOND G_USEC_PER_SEC
#define T0 G_GINT64_CONSTANT (1764300000000000)   /* 2025-11-28 03:20:00 UTC */

typedef struct {
  GMutex lock;
  GCond cond;
  GPtrArray *samples;       /* RviFrameSample * */
  guint errors;
  char *last_error;
} Collected;

static void
collect (RviFrameSample *sample, const char *camera_id, const GError *error, gpointer data)
{
  Collected *c = data;

  g_mutex_lock (&c->lock);
  if (sample) {
    g_ptr_array_add (c->samples, sample);
  } else {
    c->errors++;
    g_free (c->last_error);
    c->last_error = g_strdup_printf ("%s: %s", camera_id, error->message);
  }
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

/* Waits until @n samples and errors in all arrived (5 s at most). */
static void
wait_for (Collected *c, guint n)
{
  gint64 end = g_get_monotonic_time () + 5 * SECOND;

  g_mutex_lock (&c->lock);
  while (c->samples->len + c->errors < n)
    if (!g_cond_wait_until (&c->cond, &c->lock, end))
      break;
  g_mutex_unlock (&c->lock);
  g_assert_cmpuint (c->samples->len + c->errors, >=, n);
}

static Collected *
collected_new (void)
{
  Collected *c = g_new0 (Collected, 1);
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  c->samples = g_ptr_array_new_with_free_func ((GDestroyNotify) rvi_frame_sample_free);
  return c;
}

static void
collected_free (Collected *c)
{
  g_ptr_array_unref (c->samples);
  g_free (c->last_error);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
  g_free (c);
}

static char *
make_tmpdir (void)
{
  char *dir = g_dir_make_tmp ("rvi-test-sampler-XXXXXX", NULL);
  g_assert_nonnull (dir);
  return dir;
}

static void
rmtree (const char *dir)
{
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
}

static RviFrameSamplerConfig
config_for (const char *dir)
{
  RviFrameSamplerConfig config = {
    .media_dir = dir, .interval_us = 2 * SECOND, .max_width = 640, .quality = 5,
    .queue_max = 16, .queue_bytes_max = 8 * 1024 * 1024,
  };
  return config;
}

/* ffprobe's "codec_name,width,height" of @path. */
static char *
probe (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                         "stream=codec_name,width,height", "-of", "csv=p=0", path, NULL };
  g_autofree char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strstrip (g_steal_pointer (&out));
}

static void
check_file (const RviFrameSample *s)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  char hex[RVI_SHA256_HEX_LEN + 1];
  g_autofree char *expect = g_strdup_printf ("mjpeg,%u,%u", s->width, s->height);
  g_autofree char *got = probe (s->path);

  g_assert_true (g_file_get_contents (s->path, &data, &len, NULL));
  g_assert_cmpuint (len, ==, s->bytes);
  g_assert_cmpuint ((guint8) data[0], ==, 0xff);
  g_assert_cmpuint ((guint8) data[1], ==, 0xd8);
  rvi_sha256_hex ((const guint8 *) data, len, hex);
  g_assert_cmpstr (hex, ==, s->sha256);
  g_assert_cmpstr (got, ==, expect);
}

static void
sample_stream (gconstpointer data)
{
  const int variant = GPOINTER_TO_INT (data);
  RviCodec codec = variant / 2 ? RVI_CODEC_H265 : RVI_CODEC_H264;
  gboolean bframes = variant % 2;
  g_autofree char *dir = make_tmpdir ();
  RviFrameSamplerConfig config = config_for (dir);
  Collected *c = collected_new ();
  RviFrameSampler *s = rvi_frame_sampler_new (&config, collect, c);
  RviTestStream *es = rvi_test_stream_encode (codec, bframes);
  g_auto (RviVideoParams) params = { 0 };
  g_autoptr (GError) error = NULL;
  RviFrameSamplerStats stats;
  guint taken = 0, keys = 0;

  g_assert_true (rvi_video_params_parse (&params, codec, es->vps, es->sps, es->pps, &error));
  g_assert_no_error (error);
  /* every key frame is offered, one per second of wall time: with a 2 s
   * interval every other one is taken */
  for (guint i = 0; i < es->frames->len; i++) {
    RviTestFrame *f = &g_array_index (es->frames, RviTestFrame, i);
    gsize size = 0;
    const guint8 *au = g_bytes_get_data (f->data, &size);

    if (!f->key)
      continue;
    for (guint k = 0; k < 4; k++, keys++)   /* a few seconds out of each key frame */
      taken += rvi_frame_sampler_offer (s, "cam-a", &params, au, size, T0 + keys * SECOND);
  }
  g_assert_cmpuint (keys, >=, 8);
  g_assert_cmpuint (taken, ==, (keys + 1) / 2);
  wait_for (c, taken);
  g_assert_cmpuint (c->errors, ==, 0);
  g_assert_cmpuint (c->samples->len, ==, taken);
  for (guint i = 0; i < c->samples->len; i++) {
    RviFrameSample *smp = c->samples->pdata[i];

    g_assert_cmpstr (smp->camera_id, ==, "cam-a");
    g_assert_cmpint (smp->at_us, ==, T0 + (gint64) i * 2 * SECOND);
    g_assert_cmpuint (smp->source_width, ==, 320);
    g_assert_cmpuint (smp->source_height, ==, 240);
    g_assert_cmpuint (smp->width, ==, 320);     /* narrower than max_width: kept */
    g_assert_true (g_str_has_prefix (smp->path, dir));
    g_assert_true (g_str_has_suffix (smp->path, ".jpg"));
    check_file (smp);
    /* videotestsrc's bars: bright and contrasted */
    g_assert_cmpfloat (smp->metrics.contrast, >, 20);
    g_assert_cmpfloat (smp->metrics.sharpness, >, 0);
    if (i == 0)
      g_assert_cmpfloat (smp->difference, ==, -1);
    else
      g_assert_cmpfloat (smp->difference, >=, 0);
  }
  rvi_frame_sampler_get_stats (s, &stats);
  g_assert_cmpuint (stats.taken, ==, taken);
  g_assert_cmpuint (stats.written, ==, taken);
  g_assert_cmpuint (stats.dropped, ==, 0);
  g_assert_cmpuint (stats.cpu_us, >, 0);

  rvi_frame_sampler_free (s);
  collected_free (c);
  rvi_test_stream_free (es);
  rmtree (dir);
}

static void
test_bounded_and_malformed (void)
{
  g_autofree char *dir = make_tmpdir ();
  RviFrameSamplerConfig config = config_for (dir);
  Collected *c = collected_new ();
  RviFrameSampler *s = NULL;
  RviTestStream *es = rvi_test_stream_encode (RVI_CODEC_H264, FALSE);
  g_auto (RviVideoParams) params = { 0 };
  RviTestFrame *key = &g_array_index (es->frames, RviTestFrame, 0);
  gsize size = 0;
  const guint8 *au = g_bytes_get_data (key->data, &size);
  static const guint8 garbage[] = { 0, 0, 0, 5, 0x65, 1, 2, 3, 4, 0, 0, 0, 99, 1 };
  static const guint8 junk_slice[] = { 0, 0, 0, 6, 0x65, 0xff, 0xff, 0xff, 0xff, 0xff };
  guint taken = 0;
  RviFrameSamplerStats stats;

  g_assert_true (key->key);
  g_assert_true (rvi_video_params_parse (&params, RVI_CODEC_H264, NULL, es->sps, es->pps, NULL));
  config.queue_max = 3;
  s = rvi_frame_sampler_new (&config, collect, c);
  /* 40 cameras at once into a queue of 3: most are not taken, none waits */
  for (guint i = 0; i < 40; i++) {
    g_autofree char *cam = g_strdup_printf ("cam-%u", i);
    taken += rvi_frame_sampler_offer (s, cam, &params, au, size, T0);
  }
  g_assert_cmpuint (taken, >=, 3);
  g_assert_cmpuint (taken, <, 40);
  wait_for (c, taken);
  rvi_frame_sampler_get_stats (s, &stats);
  g_assert_cmpuint (stats.offered, ==, 40);
  g_assert_cmpuint (stats.dropped, ==, 40 - taken);

  /* a length running past the end, and a slice that does not decode */
  g_assert_true (rvi_frame_sampler_offer (s, "bad-1", &params, garbage, sizeof garbage, T0));
  g_assert_true (rvi_frame_sampler_offer (s, "bad-2", &params, junk_slice, sizeof junk_slice,
                                          T0));
  wait_for (c, taken + 2);
  g_assert_cmpuint (c->errors, ==, 2);
  g_test_message ("last error: %s", c->last_error);
  rvi_frame_sampler_get_stats (s, &stats);
  g_assert_cmpuint (stats.failed, ==, 2);

  /* forgotten, a camera is due again at once */
  g_assert_false (rvi_frame_sampler_offer (s, "cam-0", &params, au, size, T0 + SECOND));
  rvi_frame_sampler_forget (s, "cam-0");
  g_assert_true (rvi_frame_sampler_offer (s, "cam-0", &params, au, size, T0 + SECOND));
  wait_for (c, taken + 3);

  rvi_frame_sampler_free (s);
  collected_free (c);
  rvi_test_stream_free (es);
  rmtree (dir);
}

/* The scaler is built once per input size: a camera's stills reuse it. */
static void
test_jpeg_scaler_kept (void)
{
  RviTestStream *es = rvi_test_stream_encode (RVI_CODEC_H264, FALSE);
  g_auto (RviVideoParams) params = { 0 };
  g_autoptr (RviKeyframeDecoder) dec = rvi_keyframe_decoder_new (RVI_CODEC_H264, NULL);
  g_autoptr (RviJpegEncoder) small = rvi_jpeg_encoder_new (160, 5);
  g_autoptr (RviJpegEncoder) same = rvi_jpeg_encoder_new (640, 5);
  guint stills = 0;

  g_assert_true (rvi_video_params_parse (&params, RVI_CODEC_H264, NULL, es->sps, es->pps, NULL));
  for (guint i = 0; i < es->frames->len; i++) {
    RviTestFrame *f = &g_array_index (es->frames, RviTestFrame, i);
    gsize size = 0;
    const guint8 *au = g_bytes_get_data (f->data, &size);
    const AVFrame *frame;
    const guint8 *jpeg;
    gsize jpeg_size;
    guint w, h;

    if (!f->key)
      continue;
    frame = rvi_keyframe_decoder_decode (dec, &params, au, size, NULL);
    g_assert_nonnull (frame);
    g_assert_true (rvi_jpeg_encoder_encode (small, frame, &jpeg, &jpeg_size, &w, &h, NULL));
    g_assert_cmpuint (w, ==, 160);
    g_assert_cmpuint (h, ==, 120);
    g_assert_cmpuint (jpeg[0], ==, 0xff);
    g_assert_true (rvi_jpeg_encoder_encode (same, frame, &jpeg, &jpeg_size, &w, &h, NULL));
    g_assert_cmpuint (w, ==, 320);
    stills++;
  }
  g_assert_cmpuint (stills, >=, 3);
  g_assert_cmpuint (rvi_jpeg_encoder_get_rebuilds (small), ==, 1);
  g_assert_cmpuint (rvi_jpeg_encoder_get_rebuilds (same), ==, 1);
  rvi_test_stream_free (es);
}

/* The hex digest every still and segment row holds: FIPS 180-2's "abc". */
static void
test_sha256_hex (void)
{
  char hex[RVI_SHA256_HEX_LEN + 1];

  rvi_sha256_hex ((const guint8 *) "abc", 3, hex);
  g_assert_cmpstr (hex, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  rvi_sha256_hex (NULL, 0, hex);
  g_assert_cmpstr (hex, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  alarm (120);   /* a hang fails the test */
  g_test_add_data_func ("/frame-sampler/h264", GINT_TO_POINTER (0), sample_stream);
  g_test_add_data_func ("/frame-sampler/h264-bframes", GINT_TO_POINTER (1), sample_stream);
  g_test_add_data_func ("/frame-sampler/h265", GINT_TO_POINTER (2), sample_stream);
  g_test_add_data_func ("/frame-sampler/h265-bframes", GINT_TO_POINTER (3), sample_stream);
  g_test_add_func ("/frame-sampler/bounded-and-malformed", test_bounded_and_malformed);
  g_test_add_func ("/frame-sampler/jpeg-scaler-kept", test_jpeg_scaler_kept);
  g_test_add_func ("/frame-sampler/sha256-hex", test_sha256_hex);
  return g_test_run ();
}
