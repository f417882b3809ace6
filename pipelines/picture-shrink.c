/* picture-shrink.c: box averaging with range expansion, libswscale otherwise.
 *
 * DESIGN. Cameras send 8-bit 4:2:0 in limited range (Y 16-235) at sizes
 * that are whole multiples of a still's (1280x720 and 1920x1080 are 2 and
 * 3 times 640x360). Then each output sample is the mean of its k x k
 * source box, and the limited-to-full range expansion is folded into the
 * same fixed-point multiply. 2 x 2 boxes take one vectorized pass over the
 * source; wider ones sum their rows first (vectorized), then neighbours.
 * Any other size or format (10-bit H.265, 4:2:2, 704x576 -> 640 wide)
 * goes through libswscale,
 * kept in the source's range (its own range conversion cost more than the
 * scale: 1.74 against 0.59 ms), and is expanded afterwards by the same
 * mapping with k = 1. */
#define G_LOG_DOMAIN "rvi-sampler"
#include "picture-shrink.h"
#include "libav-log.h"
#include "rvi-error.h"

#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <string.h>

/* Boxes up to this side (an 8K picture to a 640-wide still is 12); the
 * fixed-point map keeps 0.2 % precision at 16. */
#define MAX_BOX 16

/* A box sum to its output value: (sum * mult + add) >> 16, clamped to a byte. */
typedef struct {
  int mult;
  int add;
} RangeMap;

struct _RviPictureShrink {
  AVFrame *out;               /* YUVJ420P, the result */
  struct SwsContext *sws;
  int src_w, src_h, src_format, dst_w, dst_h;   /* what the set-up was made for */
  gboolean boxed;             /* whole boxes, no libswscale */
  gboolean limited;           /* the source is limited range */
  int factor;                 /* the box side when boxed */
  RangeMap luma, chroma;      /* for one source sample (k = 1) or a whole box */
  guint16 *acc;               /* column sums of a row of boxes (k > 2) */
  guint setups;
};

/* The map of a box of @n samples: full range passes through; limited range
 * luma 16-235 and chroma 16-240 (around 128) are stretched to 0-255. */
static RangeMap
range_map (gboolean limited, gboolean chroma, int n)
{
  double scale = !limited ? 1.0 : chroma ? 255.0 / 224.0 : 255.0 / 219.0;
  double from = !limited ? 0.0 : chroma ? 128.0 : 16.0;
  double to = limited && chroma ? 128.0 : 0.0;

  return (RangeMap) {
    .mult = (int) (65536.0 * scale / n + 0.5),
    .add = (int) (65536.0 * (to - from * scale) + (to - from * scale < 0 ? -0.5 : 0.5)) + 32768,
  };
}

static inline guint8
mapped (int sum, RangeMap m)
{
  int v = sum * m.mult + m.add;

  v = (v < 0 ? 0 : v) >> 16;
  return (guint8) (v > 255 ? 255 : v);
}

/* GCC's default cost model at -O2 vectorizes only loops whose trip count
 * is a whole number of vectors; this one loop is worth the remainder. */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTORIZED __attribute__ ((optimize ("vect-cost-model=dynamic")))
#else
#define VECTORIZED
#endif

/* One output row from two source rows, 2 x 2 boxes: the common case, with
 * restrict pointers so that it vectorizes (about 0.3 ms for a 720p
 * picture against 0.7 for libswscale and a range pass). */
VECTORIZED static void
box2_row (const guint8 *restrict s, const guint8 *restrict s2, guint8 *restrict d, int w,
          RangeMap m)
{
  for (int x = 0; x < w; x++)
    d[x] = mapped (s[2 * x] + s[2 * x + 1] + s2[2 * x] + s2[2 * x + 1], m);
}

/* acc[x] += row[x]: the rows of a box summed column by column. */
VECTORIZED static void
add_row (guint16 *restrict acc, const guint8 *restrict row, int n)
{
  for (int x = 0; x < n; x++)
    acc[x] += row[x];
}

/* @w x @h output samples, each the mapped sum of a @k x @k box of @src,
 * @acc (k * w sums) as scratch. Source and destination may be the same
 * plane when @k is 1. Boxes wider than 2 are summed in two passes: their
 * rows into @acc (vectorized), then k neighbours of @acc. */
static void
box_plane (const guint8 *src, gsize src_stride, guint8 *dst, gsize dst_stride, int w, int h,
           int k, RangeMap m, guint16 *acc)
{
  for (int y = 0; y < h; y++) {
    const guint8 *s = src + (gsize) y * (gsize) k * src_stride;
    guint8 *d = dst + (gsize) y * dst_stride;

    if (k == 2) {
      box2_row (s, s + src_stride, d, w, m);
    } else if (k == 1) {
      for (int x = 0; x < w; x++)
        d[x] = mapped (s[x], m);
    } else {
      memset (acc, 0, sizeof *acc * (gsize) (k * w));
      for (int j = 0; j < k; j++)
        add_row (acc, s + (gsize) j * src_stride, k * w);
      for (int x = 0; x < w; x++) {
        int sum = 0;
        for (int i = 0; i < k; i++)
          sum += acc[x * k + i];
        d[x] = mapped (sum, m);
      }
    }
  }
}

/* Repeats each row's last sample out to a multiple of @multiple samples:
 * JPEG codes whole blocks, and what lies past the picture's edge in the
 * last one must be the same every time (the still's hash depends on it). */
static void
pad_plane (guint8 *plane, gsize stride, int w, int h, int multiple)
{
  int padded = (w + multiple - 1) / multiple * multiple;

  g_assert ((gsize) padded <= stride);   /* av_frame_get_buffer aligns to 32 or more */
  for (int y = 0; y < h && padded > w; y++) {
    guint8 *row = plane + (gsize) y * stride;
    memset (row + w, row[w - 1], (gsize) (padded - w));
  }
}

static const AVFrame *
pad (AVFrame *out)
{
  pad_plane (out->data[0], (gsize) out->linesize[0], out->width, out->height, 16);
  for (int p = 1; p < 3; p++)
    pad_plane (out->data[p], (gsize) out->linesize[p], out->width / 2, out->height / 2, 8);
  return out;
}

RviPictureShrink *
rvi_picture_shrink_new (void)
{
  RviPictureShrink *s = g_new0 (RviPictureShrink, 1);

  rvi_libav_log_init ();
  s->out = av_frame_alloc ();
  s->src_format = AV_PIX_FMT_NONE;
  return s;
}

void
rvi_picture_shrink_free (RviPictureShrink *s)
{
  if (!s)
    return;
  sws_freeContext (s->sws);
  av_frame_free (&s->out);
  g_free (s->acc);
  g_free (s);
}

static gboolean
alloc_frame (AVFrame *frame, enum AVPixelFormat format, int w, int h)
{
  av_frame_unref (frame);
  frame->format = format;
  frame->width = w;
  frame->height = h;
  return av_frame_get_buffer (frame, 0) >= 0;
}

/* Fits the set-up to @frame and the output size; FALSE on failure. */
static gboolean
set_up (RviPictureShrink *s, const AVFrame *frame, int w, int h)
{
  gboolean full = frame->color_range == AVCOL_RANGE_JPEG || frame->format == AV_PIX_FMT_YUVJ420P;
  gboolean planar420 = frame->format == AV_PIX_FMT_YUV420P
                       || frame->format == AV_PIX_FMT_YUVJ420P;
  int k = frame->width / w;

  if (s->sws || s->boxed) {
    if (s->src_w == frame->width && s->src_h == frame->height && s->src_format == frame->format
        && s->dst_w == w && s->dst_h == h)
      return TRUE;
  }
  sws_freeContext (s->sws);
  s->sws = NULL;
  s->boxed = planar420 && k >= 1 && k <= MAX_BOX && frame->width == k * w && frame->height == k * h;
  s->factor = s->boxed ? k : 1;
  s->limited = !full;
  g_free (s->acc);
  s->acc = s->factor > 2 ? g_new (guint16, (gsize) s->factor * (gsize) w) : NULL;
  s->luma = range_map (!full, FALSE, s->factor * s->factor);
  s->chroma = range_map (!full, TRUE, s->factor * s->factor);
  if (!alloc_frame (s->out, AV_PIX_FMT_YUVJ420P, w, h))
    return FALSE;
  if (!s->boxed) {
    const int *coefs = sws_getCoefficients (SWS_CS_DEFAULT);

    /* it writes plain YUV420P (the same layout) into the YUVJ420P frame:
     * asked for YUVJ420P, libswscale would convert the range itself */
    s->sws = sws_getContext (frame->width, frame->height, frame->format, w, h,
                             AV_PIX_FMT_YUV420P, SWS_AREA, NULL, NULL, NULL);
    if (!s->sws)
      return FALSE;
    sws_setColorspaceDetails (s->sws, coefs, full, coefs, full, 0, 1 << 16, 1 << 16);
  }
  s->src_w = frame->width;
  s->src_h = frame->height;
  s->src_format = frame->format;
  s->dst_w = w;
  s->dst_h = h;
  s->setups++;
  return TRUE;
}

const AVFrame *
rvi_picture_shrink_run (RviPictureShrink *s, const AVFrame *frame, int w, int h, GError **error)
{
  const guint8 *const *src;
  const int *stride;

  if (w < 2 || h < 2 || (w | h) & 1 || frame->width < 1 || frame->height < 1
      || !av_pix_fmt_desc_get (frame->format) || !set_up (s, frame, w, h)
      || av_frame_make_writable (s->out) < 0) {
    s->src_format = AV_PIX_FMT_NONE;   /* set up again next time */
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot scale a %dx%d %s picture to %dx%d",
                 frame->width, frame->height,
                 av_get_pix_fmt_name (frame->format) ? av_get_pix_fmt_name (frame->format) : "?",
                 w, h);
    return NULL;
  }
  src = (const guint8 *const *) frame->data;
  stride = frame->linesize;
  if (!s->boxed) {
    if (sws_scale (s->sws, src, stride, 0, frame->height, s->out->data, s->out->linesize) != h) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot scale the picture");
      return NULL;
    }
    if (!s->limited)
      return pad (s->out);
    src = (const guint8 *const *) s->out->data;   /* expanded in place below */
    stride = s->out->linesize;
  }
  box_plane (src[0], (gsize) stride[0], s->out->data[0], (gsize) s->out->linesize[0], w, h,
             s->factor, s->luma, s->acc);
  for (int p = 1; p < 3; p++)
    box_plane (src[p], (gsize) stride[p], s->out->data[p], (gsize) s->out->linesize[p], w / 2,
               h / 2, s->factor, s->chroma, s->acc);
  return pad (s->out);
}

guint
rvi_picture_shrink_get_setups (RviPictureShrink *s)
{
  return s->setups;
}

gboolean
rvi_picture_shrink_last_was_boxed (RviPictureShrink *s)
{
  return s->boxed;
}
