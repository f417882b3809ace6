/* test-video-params.c: video-params on the parameter sets of x264 and x265
 * streams encoded in process (codec string against GStreamer's, size,
 * frame rate, reorder depth), on hand-made H.264 SPSs (cropping,
 * interlace, scaling lists, emulation prevention, the default reorder
 * depths, a VUI cut short), and on malformed input: empty, garbage,
 * truncated, and a few thousand random mutations, none of which may crash
 * or read out of bounds (run it under valgrind or ASan). */
#include "test-es.h"
#include "video-params.h"
#include "rvi-error.h"
#include "ingest-recording.h"

#include <gst/gst.h>
#include <string.h>

static RviTestStream *streams[4];  /* h264, h264 + B, h265, h265 + B */

static GBytes *
copy_of (GBytes *bytes)
{
  gsize size;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;

  return bytes != NULL ? g_bytes_new (data, size) : NULL;
}

static void
test_streams (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (streams); i++) {
    const RviTestStream *s = streams[i];
    g_auto (RviVideoParams) params = { 0 };
    g_auto (RviVideoParams) again = { 0 };
    g_autoptr (GError) error = NULL;

    g_assert_true (rvi_video_params_parse (&params, s->codec, s->vps, s->sps, s->pps, &error));
    g_assert_no_error (error);
    g_test_message ("%s (gstreamer %s): %dx%d %.2f fps, reorder %u", params.codec_string,
                    s->mime_codec, params.width, params.height, params.fps, params.reorder);
    g_assert_cmpint (params.codec, ==, s->codec);
    g_assert_cmpstr (params.codec_string, ==, s->mime_codec);
    g_assert_cmpint (params.width, ==, 320);
    g_assert_cmpint (params.height, ==, 240);
    g_assert_cmpfloat_with_epsilon (params.fps, 15.0, 0.001);
    if (s->bframes)
      g_assert_cmpuint (params.reorder, >, 0);
    else
      g_assert_cmpuint (params.reorder, ==, 0);
    g_assert_true (params.sps == s->sps && params.pps == s->pps && params.vps == s->vps);
    g_assert_true (rvi_video_params_parse (&again, s->codec, s->vps, s->sps, s->pps, NULL));
    g_assert_true (rvi_video_params_equal (&params, &again));
    /* re-parsing the sets @again alone holds */
    {
      g_autoptr (GBytes) vps = copy_of (s->vps);
      g_autoptr (GBytes) sps = copy_of (s->sps);
      g_autoptr (GBytes) pps = copy_of (s->pps);

      g_assert_true (rvi_video_params_parse (&again, s->codec, vps, sps, pps, NULL));
    }
    g_assert_true (rvi_video_params_parse (&again, s->codec, again.vps, again.sps, again.pps,
                                           NULL));
    g_assert_true (rvi_video_params_equal (&params, &again));
    /* an SPS is no PPS; a failed parse leaves the params cleared */
    g_assert_false (rvi_video_params_parse (&again, s->codec, s->vps, s->sps, s->sps, &error));
    g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);
    g_assert_null (again.sps);
    g_assert_false (rvi_video_params_equal (&params, &again));
  }
}

/* A bit writer for hand-made SPSs. */
typedef struct {
  GByteArray *rbsp;
  guint8 byte;
  guint bits;
} BitWriter;

static void
put_bits (BitWriter *w, guint32 v, guint n)
{
  for (guint i = n; i > 0; i--) {
    w->byte = (guint8) (w->byte << 1 | ((v >> (i - 1)) & 1));
    if (++w->bits == 8) {
      g_byte_array_append (w->rbsp, &w->byte, 1);
      w->byte = 0;
      w->bits = 0;
    }
  }
}

static void
put_ue (BitWriter *w, guint32 v)
{
  guint len = g_bit_storage (v + 1);

  put_bits (w, 0, len - 1);
  put_bits (w, v + 1, len);
}

/* The NAL unit: @header, then the RBSP with its stop bit, escaped. With
 * @stop FALSE the RBSP ends where it is (a cut SPS). */
static GBytes *
finish_nal (BitWriter *w, guint8 header, gboolean stop, gboolean *escaped)
{
  GByteArray *nal = g_byte_array_new ();
  guint zeros = 0;

  if (stop) {
    put_bits (w, 1, 1);
    while (w->bits != 0)
      put_bits (w, 0, 1);
  }
  g_byte_array_append (nal, &header, 1);
  for (guint i = 0; i < w->rbsp->len; i++) {
    guint8 b = w->rbsp->data[i];

    if (zeros >= 2 && b <= 3) {
      g_byte_array_append (nal, (const guint8 *) "\x03", 1);
      zeros = 0;
      *escaped = TRUE;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    g_byte_array_append (nal, &b, 1);
  }
  g_byte_array_unref (w->rbsp);
  return g_byte_array_free_to_bytes (nal);
}

typedef struct {
  guint8 profile, constraints;
  guint width_mbs, height_units;
  gboolean interlaced, scaling;
  guint crop_bottom;          /* in crop units */
  gboolean vui, cut_vui;
  guint32 units, scale;       /* timing info when scale > 0 */
  int reorder;                /* bitstream restriction when >= 0 */
} SpsDesc;

static GBytes *
make_sps (const SpsDesc *d, gboolean *escaped)
{
  BitWriter w = { g_byte_array_new (), 0, 0 };

  put_bits (&w, d->profile, 8);
  put_bits (&w, d->constraints, 8);
  put_bits (&w, 40, 8);           /* level 4.0 */
  put_ue (&w, 0);                 /* sps id */
  if (d->profile == 100) {
    put_ue (&w, 1);               /* 4:2:0 */
    put_ue (&w, 0);
    put_ue (&w, 0);
    put_bits (&w, 0, 1);
    put_bits (&w, d->scaling, 1);
    for (guint i = 0; d->scaling && i < 8; i++) {
      put_bits (&w, i % 2, 1);
      for (guint j = 0; i % 2 && j < (i < 6 ? 16u : 64u); j++)
        put_ue (&w, 1);           /* se +1 */
    }
  }
  put_ue (&w, 0);                 /* log2_max_frame_num_minus4 */
  put_ue (&w, 0);                 /* poc type 0 */
  put_ue (&w, 2);
  put_ue (&w, 1);                 /* max_num_ref_frames */
  put_bits (&w, 0, 1);
  put_ue (&w, d->width_mbs - 1);
  put_ue (&w, d->height_units - 1);
  put_bits (&w, !d->interlaced, 1);
  if (d->interlaced)
    put_bits (&w, 0, 1);
  put_bits (&w, 1, 1);            /* direct_8x8_inference_flag */
  put_bits (&w, d->crop_bottom > 0, 1);
  if (d->crop_bottom > 0) {
    put_ue (&w, 0);
    put_ue (&w, 0);
    put_ue (&w, 0);
    put_ue (&w, d->crop_bottom);
  }
  put_bits (&w, d->vui, 1);
  if (d->vui && d->cut_vui)
    return finish_nal (&w, 0x67, FALSE, escaped);
  if (d->vui) {
    put_bits (&w, 0, 4);          /* aspect, overscan, video signal, chroma loc */
    put_bits (&w, d->scale > 0, 1);
    if (d->scale > 0) {
      put_bits (&w, d->units, 32);
      put_bits (&w, d->scale, 32);
      put_bits (&w, 1, 1);
    }
    put_bits (&w, 0, 3);          /* nal hrd, vcl hrd, pic_struct */
    put_bits (&w, d->reorder >= 0, 1);
    if (d->reorder >= 0) {
      put_bits (&w, 1, 1);
      put_ue (&w, 2);
      put_ue (&w, 1);
      put_ue (&w, 16);
      put_ue (&w, 16);
      put_ue (&w, (guint32) d->reorder);
      put_ue (&w, 4);
    }
  }
  return finish_nal (&w, 0x67, TRUE, escaped);
}

static void
check_sps (const SpsDesc *d, int width, int height, double fps, guint reorder,
           const char *codec_string, gboolean must_escape)
{
  gboolean escaped = FALSE;
  g_autoptr (GBytes) sps = make_sps (d, &escaped);
  g_autoptr (GBytes) pps = g_bytes_new_static ("\x68\xce\x3c\x80", 4);
  g_auto (RviVideoParams) params = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (rvi_video_params_parse (&params, RVI_CODEC_H264, NULL, sps, pps, &error));
  g_assert_no_error (error);
  g_assert_cmpint (params.width, ==, width);
  g_assert_cmpint (params.height, ==, height);
  g_assert_cmpfloat_with_epsilon (params.fps, fps, 1e-9);
  g_assert_cmpuint (params.reorder, ==, reorder);
  g_assert_cmpstr (params.codec_string, ==, codec_string);
  if (must_escape)
    g_assert_true (escaped);
}

static void
test_hand_made (void)
{
  SpsDesc main_1080 = { 77, 0x40, 120, 68, .crop_bottom = 4, .reorder = -1 };
  SpsDesc baseline = { 66, 0xc0, 40, 30, .reorder = -1 };
  SpsDesc intra = { 100, 0x10, 40, 30, .reorder = -1 };
  SpsDesc interlaced = { 100, 0, 120, 34, .interlaced = TRUE, .crop_bottom = 2, .scaling = TRUE,
                         .reorder = -1 };
  SpsDesc timed = { 100, 0, 40, 30, .vui = TRUE, .units = 1, .scale = 50, .reorder = 1 };
  SpsDesc cut = { 100, 0, 40, 30, .vui = TRUE, .cut_vui = TRUE, .reorder = 1 };

  check_sps (&main_1080, 1920, 1080, 0, 2, "avc1.4d4028", FALSE);
  check_sps (&baseline, 640, 480, 0, 0, "avc1.42c028", FALSE);
  check_sps (&intra, 640, 480, 0, 0, "avc1.641028", FALSE);
  check_sps (&interlaced, 1920, 1080, 0, 2, "avc1.640028", FALSE);
  check_sps (&timed, 640, 480, 25, 1, "avc1.640028", TRUE);
  check_sps (&cut, 640, 480, 0, 2, "avc1.640028", FALSE);  /* the VUI is ignored */
}

static void
expect_error (RviCodec codec, GBytes *vps, GBytes *sps, GBytes *pps)
{
  g_auto (RviVideoParams) params = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (rvi_video_params_parse (&params, codec, vps, sps, pps, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);
  g_assert_null (params.sps);
  g_assert_cmpint (params.codec, ==, RVI_CODEC_NONE);
}

static GBytes *
prefix (GBytes *nal, gsize size)
{
  return g_bytes_new_from_bytes (nal, 0, MIN (size, g_bytes_get_size (nal)));
}

static void
test_malformed (void)
{
  const RviTestStream *h264 = streams[1], *h265 = streams[3];
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) zeros264 = g_bytes_new_static ("\x67\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
  g_autoptr (GBytes) zeros265 = g_bytes_new_static ("\x42\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
                                                    "\0\0\0\0\0\0\0\0\0\0", 28);
  g_autoptr (GBytes) text = g_bytes_new_static ("not a parameter set", 19);
  g_autoptr (GBytes) ones = g_bytes_new_static ("\xff\xff\xff\xff\xff\xff\xff\xff", 8);

  expect_error (RVI_CODEC_NONE, NULL, h264->sps, h264->pps);
  expect_error (RVI_CODEC_H264, NULL, NULL, h264->pps);
  expect_error (RVI_CODEC_H264, NULL, h264->sps, NULL);
  expect_error (RVI_CODEC_H264, NULL, empty, h264->pps);
  expect_error (RVI_CODEC_H264, NULL, zeros264, h264->pps);
  expect_error (RVI_CODEC_H264, NULL, text, h264->pps);
  expect_error (RVI_CODEC_H264, NULL, ones, h264->pps);
  expect_error (RVI_CODEC_H264, NULL, h264->pps, h264->pps);
  expect_error (RVI_CODEC_H265, NULL, h265->sps, h265->pps);
  expect_error (RVI_CODEC_H265, h265->vps, empty, h265->pps);
  expect_error (RVI_CODEC_H265, h265->vps, zeros265, h265->pps);
  expect_error (RVI_CODEC_H265, h265->vps, ones, h265->pps);
  expect_error (RVI_CODEC_H265, h265->vps, h265->vps, h265->pps);
  expect_error (RVI_CODEC_H264, NULL, h265->sps, h265->pps);
  /* cut inside the fields before the VUI */
  for (gsize n = 1; n <= 6; n++) {
    g_autoptr (GBytes) cut264 = prefix (h264->sps, n);
    g_autoptr (GBytes) cut265 = prefix (h265->sps, n + 12);

    expect_error (RVI_CODEC_H264, NULL, cut264, h264->pps);
    expect_error (RVI_CODEC_H265, h265->vps, cut265, h265->pps);
  }
}

/* Every prefix and thousands of mutations of real parameter sets: an
 * error or sane values, never a crash. */
static void
ignore_log (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

static void
test_fuzz (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240305);
  guint ok = 0, failed = 0;
  guint handler = g_log_set_handler ("rvi-video", G_LOG_LEVEL_DEBUG, ignore_log, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (streams); i++) {
    const RviTestStream *s = streams[i];
    gsize size;
    const guint8 *data = g_bytes_get_data (s->sps, &size);

    for (guint round = 0; round < 2000 + size; round++) {
      g_autofree guint8 *copy = g_memdup2 (data, size);
      g_autoptr (GBytes) sps = NULL;
      g_auto (RviVideoParams) params = { 0 };
      gsize len = round < size ? round : size;

      if (round >= size) {
        for (guint k = g_rand_int_range (rand, 1, 4); k > 0; k--) {
          gint32 at = g_rand_int_range (rand, 1, (gint32) size);

          copy[at] ^= (guint8) g_rand_int_range (rand, 1, 256);
        }
        if (g_rand_boolean (rand))
          len = (gsize) g_rand_int_range (rand, 1, (gint32) size + 1);
      }
      sps = g_bytes_new (copy, len);
      if (rvi_video_params_parse (&params, s->codec, s->vps, sps, s->pps, NULL)) {
        g_assert_cmpint (params.width, >, 0);
        g_assert_cmpint (params.width, <=, 16384);
        g_assert_cmpint (params.height, >, 0);
        g_assert_cmpint (params.height, <=, 16384);
        g_assert_cmpuint (params.reorder, <=, 16);
        g_assert_cmpuint (strlen (params.codec_string), >, 5);
        ok++;
      } else {
        failed++;
      }
    }
  }
  g_log_remove_handler ("rvi-video", handler);
  g_test_message ("fuzz: %u parsed, %u rejected", ok, failed);
}

int
main (int argc, char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  rvi_test_ingest_watchdog (600);
  streams[0] = rvi_test_stream_encode (RVI_CODEC_H264, FALSE);
  streams[1] = rvi_test_stream_encode (RVI_CODEC_H264, TRUE);
  streams[2] = rvi_test_stream_encode (RVI_CODEC_H265, FALSE);
  streams[3] = rvi_test_stream_encode (RVI_CODEC_H265, TRUE);
  g_test_add_func ("/video-params/streams", test_streams);
  g_test_add_func ("/video-params/hand-made", test_hand_made);
  g_test_add_func ("/video-params/malformed", test_malformed);
  g_test_add_func ("/video-params/fuzz", test_fuzz);
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    rvi_test_stream_free (streams[i]);
  return status;
}
