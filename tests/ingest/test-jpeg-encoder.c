/* test-jpeg-encoder.c: stills from synthetic pictures, decoded back by
 * libavcodec. The range expansion (limited camera range to JPEG's full
 * range) on both paths of picture-shrink.c, the box averaging, the
 * quantizer tables that sample_quality selects, and refusals. */
#include "jpeg-encoder.h"
#include "picture-shrink.h"

#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>

/* A picture of four vertical bands of luma @bands (Y at 8 bits; scaled for
 * deeper formats) and neutral chroma, except a strong blue band (Cb) in
 * the last quarter's lower half. */
static AVFrame *
banded_picture (int w, int h, enum AVPixelFormat format, const int bands[4], int blue)
{
  AVFrame *f = av_frame_alloc ();
  const AVPixFmtDescriptor *d = av_pix_fmt_desc_get (format);
  int shift = d->comp[0].depth - 8;

  f->format = format;
  f->width = w;
  f->height = h;
  f->color_range = format == AV_PIX_FMT_YUVJ420P ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  g_assert_cmpint (av_frame_get_buffer (f, 0), >=, 0);
  for (int p = 0; p < 3; p++) {
    int pw = p ? AV_CEIL_RSHIFT (w, d->log2_chroma_w) : w;
    int ph = p ? AV_CEIL_RSHIFT (h, d->log2_chroma_h) : h;

    for (int y = 0; y < ph; y++)
      for (int x = 0; x < pw; x++) {
        int band = x * 4 / pw;
        int v = p == 0 ? bands[band] : p == 1 && band == 3 && y >= ph / 2 ? blue : 128;

        if (shift)
          ((guint16 *) (f->data[p] + (gsize) y * (gsize) f->linesize[p]))[x] = (guint16) (v << shift);
        else
          f->data[p][(gsize) y * (gsize) f->linesize[p] + (gsize) x] = (guint8) v;
      }
  }
  return f;
}

/* The JPEG decoded (full-range 4:2:0, libavcodec's MJPEG decoder). */
static AVFrame *
decode_jpeg (const guint8 *data, gsize size)
{
  const AVCodec *codec = avcodec_find_decoder (AV_CODEC_ID_MJPEG);
  AVCodecContext *ctx = avcodec_alloc_context3 (codec);
  AVPacket *packet = av_packet_alloc ();
  AVFrame *frame = av_frame_alloc ();
  guint8 *copy = g_malloc0 (size + AV_INPUT_BUFFER_PADDING_SIZE);

  memcpy (copy, data, size);
  g_assert_cmpint (avcodec_open2 (ctx, codec, NULL), ==, 0);
  packet->data = copy;
  packet->size = (int) size;
  g_assert_cmpint (avcodec_send_packet (ctx, packet), ==, 0);
  g_assert_cmpint (avcodec_receive_frame (ctx, frame), ==, 0);
  g_assert_true (frame->format == AV_PIX_FMT_YUVJ420P || frame->format == AV_PIX_FMT_YUV420P);
  packet->data = NULL;
  av_packet_free (&packet);
  avcodec_free_context (&ctx);
  g_free (copy);
  return frame;
}

/* The sample of plane @p at the centre of band @band, at height @fy (0..1). */
static int
sample_at (const AVFrame *f, int p, int band, double fy)
{
  int pw = p ? f->width / 2 : f->width, ph = p ? f->height / 2 : f->height;
  int x = (2 * band + 1) * pw / 8, y = (int) (fy * ph);

  return f->data[p][(gsize) y * (gsize) f->linesize[p] + (gsize) x];
}

typedef struct {
  int w, h;
  enum AVPixelFormat format;
  guint max_width;
  int out_w, out_h;
  gboolean boxed;
} RangeCase;

static const RangeCase range_cases[] = {
  { 1280, 720, AV_PIX_FMT_YUV420P, 640, 640, 360, TRUE },      /* 2:1 boxes */
  { 1920, 1080, AV_PIX_FMT_YUV420P, 640, 640, 360, TRUE },     /* 3:1 boxes */
  { 640, 360, AV_PIX_FMT_YUV420P, 640, 640, 360, TRUE },       /* same size */
  { 1280, 720, AV_PIX_FMT_YUV420P, 500, 500, 280, FALSE },     /* not whole: libswscale */
  { 1280, 720, AV_PIX_FMT_YUV420P10LE, 640, 640, 360, FALSE }, /* 10-bit H.265 */
  { 704, 576, AV_PIX_FMT_YUV422P, 640, 640, 522, FALSE },      /* 4:2:2 */
  { 1280, 720, AV_PIX_FMT_YUVJ420P, 640, 640, 360, TRUE },     /* full range already */
};

/* Limited range black, white and mid grey come out as JPEG's 0, 255 and
 * 128, and a saturated blue keeps its chroma, on every path; a full-range
 * source passes through unchanged. */
static void
test_range (gconstpointer data)
{
  const RangeCase *c = data;
  gboolean full = c->format == AV_PIX_FMT_YUVJ420P;
  const int limited[4] = { 16, 235, 126, 126 }, fullrange[4] = { 0, 255, 128, 200 };
  AVFrame *in = banded_picture (c->w, c->h, c->format, full ? fullrange : limited, 240);
  g_autoptr (RviJpegEncoder) enc = rvi_jpeg_encoder_new (c->max_width, 2);
  const guint8 *jpeg;
  gsize size;
  guint w, h;
  AVFrame *out;

  g_assert_true (rvi_jpeg_encoder_encode (enc, in, &jpeg, &size, &w, &h, NULL));
  g_assert_cmpuint (w, ==, (guint) c->out_w);
  g_assert_cmpuint (h, ==, (guint) c->out_h);
  g_assert_cmpint (jpeg[0], ==, 0xff);
  g_assert_cmpint (jpeg[1], ==, 0xd8);
  out = decode_jpeg (jpeg, size);
  g_assert_cmpint (out->width, ==, c->out_w);
  g_assert_cmpint (out->height, ==, c->out_h);
  for (int band = 0; band < 4; band++) {
    int want = full ? fullrange[band] : (int) ((limited[band] - 16) * 255.0 / 219.0 + 0.5);
    want = CLAMP (want, 0, 255);
    g_assert_cmpint (ABS (sample_at (out, 0, band, 0.25) - want), <=, 2);
  }
  /* chroma: neutral stays 128; Cb 240 is the top of limited range (255
   * in full), or 240 as it was when the source is full range already */
  g_assert_cmpint (ABS (sample_at (out, 1, 0, 0.25) - 128), <=, 2);
  g_assert_cmpint (ABS (sample_at (out, 1, 3, 0.75) - (full ? 240 : 255)), <=, 3);
  g_assert_cmpint (ABS (sample_at (out, 2, 3, 0.75) - 128), <=, 2);

  /* a second still of the same camera reuses the set-up; another encoder
   * writes the same bytes (nothing undefined past the picture's edge) */
  {
    g_autoptr (GBytes) first = g_bytes_new (jpeg, size);
    g_autoptr (RviJpegEncoder) other = rvi_jpeg_encoder_new (c->max_width, 2);
    const guint8 *again;
    gsize again_size;

    g_assert_true (rvi_jpeg_encoder_encode (enc, in, &jpeg, &size, &w, &h, NULL));
    g_assert_cmpuint (rvi_jpeg_encoder_get_rebuilds (enc), ==, 1);
    g_assert_true (rvi_jpeg_encoder_encode (other, in, &again, &again_size, &w, &h, NULL));
    g_assert_cmpmem (again, again_size, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  }
  av_frame_free (&out);
  av_frame_free (&in);
}

/* The path taken: whole multiples are averaged in boxes, the rest scaled. */
static void
test_paths (void)
{
  g_autoptr (RviPictureShrink) shrink = rvi_picture_shrink_new ();

  for (guint i = 0; i < G_N_ELEMENTS (range_cases); i++) {
    const RangeCase *c = &range_cases[i];
    const int bands[4] = { 16, 100, 180, 235 };
    AVFrame *in = banded_picture (c->w, c->h, c->format, bands, 128);
    const AVFrame *out = rvi_picture_shrink_run (shrink, in, c->out_w, c->out_h, NULL);

    g_assert_nonnull (out);
    g_assert_cmpint (out->format, ==, AV_PIX_FMT_YUVJ420P);
    g_assert_cmpint (rvi_picture_shrink_last_was_boxed (shrink), ==, c->boxed);
    av_frame_free (&in);
  }
  g_assert_cmpuint (rvi_picture_shrink_get_setups (shrink), ==, G_N_ELEMENTS (range_cases));
}

/* A k:1 box is the mean of its k x k samples (full range: no range map),
 * for the vectorized 2 x 2 path and the two-pass path of wider boxes. */
static void
test_box_mean (void)
{
  g_autoptr (RviPictureShrink) shrink = rvi_picture_shrink_new ();

  for (int k = 2; k <= 5; k++) {
    AVFrame *in = av_frame_alloc ();
    const AVFrame *out;

    in->format = AV_PIX_FMT_YUVJ420P;
    in->width = 4 * k;
    in->height = 2 * k;
    g_assert_cmpint (av_frame_get_buffer (in, 0), >=, 0);
    for (int y = 0; y < in->height; y++)
      for (int x = 0; x < in->width; x++)
        in->data[0][y * in->linesize[0] + x] = (guint8) ((x * 37 + y * 11) % 256);
    for (int p = 1; p < 3; p++)
      for (int y = 0; y < k; y++)
        memset (in->data[p] + y * in->linesize[p], 60 + 40 * p, (gsize) (2 * k));
    out = rvi_picture_shrink_run (shrink, in, 4, 2, NULL);
    g_assert_nonnull (out);
    g_assert_true (rvi_picture_shrink_last_was_boxed (shrink));
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 4; x++) {
        int sum = 0;
        for (int j = 0; j < k; j++)
          for (int i = 0; i < k; i++)
            sum += in->data[0][(k * y + j) * in->linesize[0] + k * x + i];
        g_assert_cmpint (ABS (out->data[0][y * out->linesize[0] + x] - (sum + k * k / 2) / (k * k)),
                         <=, 1);
      }
    g_assert_cmpint (out->data[1][0], ==, 100);
    g_assert_cmpint (out->data[2][1], ==, 140);
    av_frame_free (&in);
  }
}

/* The luma quantizer table of the JPEG's first DQT, in zigzag order. */
static void
luma_table (const guint8 *jpeg, gsize size, guint8 table[64])
{
  for (gsize i = 2; i + 4 < size;) {
    guint len = (guint) (jpeg[i + 2] << 8 | jpeg[i + 3]);

    g_assert_cmpint (jpeg[i], ==, 0xff);
    if (jpeg[i + 1] == 0xdb) {
      g_assert_cmpint (jpeg[i + 4], ==, 0);   /* 8-bit table 0 */
      memcpy (table, jpeg + i + 5, 64);
      return;
    }
    i += 2 + len;
  }
  g_assert_not_reached ();
}

/* sample_quality is the MJPEG quantizer scale: 8 writes MPEG-1's default
 * intra matrix (16, 16, 19 after the DC step 8 in zigzag order), 16 twice
 * that, and a finer scale makes a bigger still of the same picture. */
static void
test_quality (void)
{
  const int bands[4] = { 40, 200, 90, 160 };
  AVFrame *in = banded_picture (1280, 720, AV_PIX_FMT_YUV420P, bands, 200);
  gsize sizes[3];
  const guint qualities[3] = { 2, 8, 16 };

  /* texture, so that the quantizer matters */
  for (int y = 0; y < 720; y++)
    for (int x = 0; x < 1280; x++)
      in->data[0][(gsize) y * (gsize) in->linesize[0] + (gsize) x] += (guint8) ((x * 7 + y * 13) % 23);
  for (guint i = 0; i < 3; i++) {
    g_autoptr (RviJpegEncoder) enc = rvi_jpeg_encoder_new (640, qualities[i]);
    const guint8 *jpeg;
    guint w, h;
    guint8 table[64];

    g_assert_true (rvi_jpeg_encoder_encode (enc, in, &jpeg, &sizes[i], &w, &h, NULL));
    luma_table (jpeg, sizes[i], table);
    g_assert_cmpint (table[0], ==, 8);
    g_assert_cmpint (table[1], ==, 16 * qualities[i] / 8);
    g_assert_cmpint (table[2], ==, 16 * qualities[i] / 8);
    g_assert_cmpint (table[3], ==, 19 * qualities[i] / 8);
    g_test_message ("quantizer %u: %" G_GSIZE_FORMAT " bytes", qualities[i], sizes[i]);
  }
  g_assert_cmpuint (sizes[0], >, sizes[1]);
  g_assert_cmpuint (sizes[1], >, sizes[2]);
  av_frame_free (&in);
}

/* A still much bigger than the first output buffer grows it. */
static void
test_big_still (void)
{
  const int bands[4] = { 16, 235, 16, 235 };
  AVFrame *in = banded_picture (1920, 1080, AV_PIX_FMT_YUV420P, bands, 128);
  g_autoptr (RviJpegEncoder) enc = rvi_jpeg_encoder_new (1920, 2);
  const guint8 *jpeg;
  gsize size;
  guint w, h;
  AVFrame *out;

  for (int y = 0; y < 1080; y++)   /* noise: hard to compress */
    for (int x = 0; x < 1920; x++)
      in->data[0][(gsize) y * (gsize) in->linesize[0] + (gsize) x] =
        (guint8) (16 + g_test_rand_int_range (0, 220));
  g_assert_true (rvi_jpeg_encoder_encode (enc, in, &jpeg, &size, &w, &h, NULL));
  g_assert_cmpuint (size, >, 256 * 1024);
  out = decode_jpeg (jpeg, size);
  g_assert_cmpint (out->width, ==, 1920);
  g_assert_cmpint (out->height, ==, 1080);
  av_frame_free (&out);
  av_frame_free (&in);
}

/* Pictures that cannot make a still are refused with a message. */
static void
test_refused (void)
{
  g_autoptr (RviJpegEncoder) enc = rvi_jpeg_encoder_new (640, 8);
  AVFrame *tiny = av_frame_alloc ();
  AVFrame *odd = av_frame_alloc ();
  g_autoptr (GError) error = NULL;
  const guint8 *jpeg;
  gsize size;
  guint w, h;

  tiny->format = AV_PIX_FMT_YUV420P;
  tiny->width = 1;
  tiny->height = 1;
  g_assert_cmpint (av_frame_get_buffer (tiny, 0), >=, 0);
  g_assert_false (rvi_jpeg_encoder_encode (enc, tiny, &jpeg, &size, &w, &h, &error));
  g_assert_nonnull (strstr (error->message, "1x1"));
  g_clear_error (&error);

  /* a format with no pixel description, and one libswscale cannot read */
  odd->width = 64;
  odd->height = 64;
  odd->format = AV_PIX_FMT_NONE;
  g_assert_false (rvi_jpeg_encoder_encode (enc, odd, &jpeg, &size, &w, &h, &error));
  g_assert_nonnull (strstr (error->message, "cannot scale"));
  g_clear_error (&error);
  odd->format = AV_PIX_FMT_VAAPI;
  g_assert_false (rvi_jpeg_encoder_encode (enc, odd, &jpeg, &size, &w, &h, &error));
  g_assert_nonnull (strstr (error->message, "vaapi"));
  g_clear_error (&error);
  av_frame_free (&tiny);
  av_frame_free (&odd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (range_cases); i++) {
    const RangeCase *c = &range_cases[i];
    g_autofree char *path = g_strdup_printf ("/jpeg-encoder/range/%dx%d-%s-to-%u", c->w, c->h,
                                             av_get_pix_fmt_name (c->format), c->max_width);
    g_test_add_data_func (path, c, test_range);
  }
  g_test_add_func ("/jpeg-encoder/paths", test_paths);
  g_test_add_func ("/jpeg-encoder/box-mean", test_box_mean);
  g_test_add_func ("/jpeg-encoder/quality", test_quality);
  g_test_add_func ("/jpeg-encoder/big-still", test_big_still);
  g_test_add_func ("/jpeg-encoder/refused", test_refused);
  return g_test_run ();
}
