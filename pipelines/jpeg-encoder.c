/* jpeg-encoder.c: scale with libswscale, encode with the MJPEG encoder.
 *
 * DESIGN. The output size follows the input (aspect kept, even sizes for
 * 4:2:0); the scaler is kept while the input's size and format stay, and
 * the encoder is reopened only when the output size changes, so a camera's stills cost a
 * scale and an encode, no set-up. The encoded packet is kept until the
 * next call.
 *
 * Range. Cameras send limited range (Y 16-235), JPEG wants full range.
 * libswscale's range conversion costs more than the whole 2:1 scale
 * (measured: 1.74 ms against 0.59 ms for 1280x720 -> 640x360), so the
 * scaler keeps the source's range and the smaller picture is expanded
 * here through two 256-entry tables (about 0.1 ms). */
#define G_LOG_DOMAIN "rvi-sampler"
#include "jpeg-encoder.h"
#include "libav-log.h"
#include "rvi-error.h"

#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>

struct _RviJpegEncoder {
  guint max_width;
  guint quality;
  struct SwsContext *sws;
  AVCodecContext *ctx;    /* for out_w x out_h */
  AVFrame *scaled;
  AVPacket *packet;
  int out_w, out_h;
  int src_w, src_h, src_format, dst_w, dst_h;   /* what the scaler was built for */
  gboolean expand;        /* the source is limited range: expand after scaling */
  guint rebuilds;         /* scalers built (for tests) */
  guint8 luma_lut[256];   /* limited -> full range */
  guint8 chroma_lut[256];
};

static guint8
clamp_byte (double v)
{
  return (guint8) CLAMP ((int) (v + 0.5), 0, 255);
}

static void
fill_luts (RviJpegEncoder *e)
{
  for (int i = 0; i < 256; i++) {
    e->luma_lut[i] = clamp_byte ((i - 16) * 255.0 / 219.0);
    e->chroma_lut[i] = clamp_byte ((i - 128) * 255.0 / 224.0 + 128.0);
  }
}

/* The scaled picture, limited range, to full range in place. */
static void
expand_range (RviJpegEncoder *e, int w, int h)
{
  for (int p = 0; p < 3; p++) {
    const guint8 *lut = p == 0 ? e->luma_lut : e->chroma_lut;
    int pw = p == 0 ? w : w / 2, ph = p == 0 ? h : h / 2;

    for (int y = 0; y < ph; y++) {
      guint8 *row = e->scaled->data[p] + (gsize) y * (gsize) e->scaled->linesize[p];

      for (int x = 0; x < pw; x++)
        row[x] = lut[row[x]];
    }
  }
}

RviJpegEncoder *
rvi_jpeg_encoder_new (guint max_width, guint quality)
{
  RviJpegEncoder *e = g_new0 (RviJpegEncoder, 1);

  rvi_libav_log_init ();

  e->max_width = MAX (max_width, 16);
  e->quality = CLAMP (quality, 2, 31);
  e->scaled = av_frame_alloc ();
  e->packet = av_packet_alloc ();
  fill_luts (e);
  return e;
}

void
rvi_jpeg_encoder_free (RviJpegEncoder *e)
{
  if (!e)
    return;
  sws_freeContext (e->sws);
  avcodec_free_context (&e->ctx);
  av_frame_free (&e->scaled);
  av_packet_free (&e->packet);
  g_free (e);
}

/* Makes the encoder and the scaled frame fit @w x @h. */
static gboolean
prepare (RviJpegEncoder *e, int w, int h)
{
  const AVCodec *av;

  if (e->ctx && e->out_w == w && e->out_h == h)
    return TRUE;
  avcodec_free_context (&e->ctx);
  av_frame_unref (e->scaled);
  av = avcodec_find_encoder (AV_CODEC_ID_MJPEG);
  if (!av || !(e->ctx = avcodec_alloc_context3 (av)))
    return FALSE;
  e->ctx->width = w;
  e->ctx->height = h;
  e->ctx->pix_fmt = AV_PIX_FMT_YUVJ420P;
  e->ctx->time_base = (AVRational) { 1, 25 };
  e->ctx->flags |= AV_CODEC_FLAG_QSCALE;
  e->ctx->global_quality = FF_QP2LAMBDA * (int) e->quality;
  e->ctx->thread_count = 1;
  if (avcodec_open2 (e->ctx, av, NULL) < 0) {
    avcodec_free_context (&e->ctx);
    return FALSE;
  }
  e->scaled->format = AV_PIX_FMT_YUVJ420P;
  e->scaled->width = w;
  e->scaled->height = h;
  if (av_frame_get_buffer (e->scaled, 0) < 0) {
    avcodec_free_context (&e->ctx);
    return FALSE;
  }
  e->out_w = w;
  e->out_h = h;
  return TRUE;
}

gboolean
rvi_jpeg_encoder_encode (RviJpegEncoder *e, const AVFrame *frame, const guint8 **data,
                         gsize *size, guint *width, guint *height, GError **error)
{
  int w = MIN (frame->width, (int) e->max_width) & ~1;
  int h = (int) ((gint64) frame->height * w / frame->width) & ~1;

  if (w < 2 || h < 2 || !prepare (e, w, h)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot set up the JPEG encoder for %dx%d",
                 w, h);
    return FALSE;
  }
  /* The scaler writes plain YUV420P (the same layout as the encoder's
   * YUVJ420P) in the source's range. (Asked for YUVJ420P, libswscale
   * rewrites the format inside its context, so sws_getCachedContext never
   * matched and built a new scaler for every still.) */
  if (!e->sws || e->src_w != frame->width || e->src_h != frame->height
      || e->src_format != frame->format || e->dst_w != w || e->dst_h != h) {
    const int *coefs = sws_getCoefficients (SWS_CS_DEFAULT);
    int src_full = frame->color_range == AVCOL_RANGE_JPEG || frame->format == AV_PIX_FMT_YUVJ420P;

    sws_freeContext (e->sws);
    e->sws = sws_getContext (frame->width, frame->height, frame->format, w, h, AV_PIX_FMT_YUV420P,
                             SWS_AREA, NULL, NULL, NULL);
    if (e->sws)
      sws_setColorspaceDetails (e->sws, coefs, src_full, coefs, src_full, 0, 1 << 16, 1 << 16);
    e->expand = !src_full;
    e->src_w = frame->width;
    e->src_h = frame->height;
    e->src_format = frame->format;
    e->dst_w = w;
    e->dst_h = h;
    e->rebuilds++;
  }
  if (!e->sws || av_frame_make_writable (e->scaled) < 0
      || sws_scale (e->sws, (const guint8 *const *) frame->data, frame->linesize, 0,
                    frame->height, e->scaled->data, e->scaled->linesize) != h) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot scale the picture");
    return FALSE;
  }
  if (e->expand)
    expand_range (e, w, h);
  av_packet_unref (e->packet);
  if (avcodec_send_frame (e->ctx, e->scaled) < 0
      || avcodec_receive_packet (e->ctx, e->packet) < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot encode the JPEG");
    return FALSE;
  }
  *data = e->packet->data;
  *size = (gsize) e->packet->size;
  *width = (guint) w;
  *height = (guint) h;
  return TRUE;
}

guint
rvi_jpeg_encoder_get_rebuilds (RviJpegEncoder *e)
{
  return e->rebuilds;
}
