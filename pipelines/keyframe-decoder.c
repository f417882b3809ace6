/* keyframe-decoder.c: single key frames through libavcodec.
 *
 * DESIGN. The packet is rebuilt as Annex B (start code + VPS/SPS/PPS +
 * the frame's NAL units) in one reusable buffer, so the decoder needs no
 * extradata and a camera that changes its parameter sets just works. After
 * the packet the decoder is drained (a NULL packet) so the picture comes
 * out at once whatever its reorder delay, and flushed to accept the next
 * key frame. One slice thread: sampling runs many cameras side by side on
 * few cores, so per-frame parallelism would only add hand-offs. */
#define G_LOG_DOMAIN "rvi-sampler"
#include "keyframe-decoder.h"
#include "libav-log.h"
#include "rvi-error.h"

#include <libavcodec/avcodec.h>

struct _RviKeyframeDecoder {
  AVCodecContext *ctx;
  AVPacket *packet;
  AVFrame *frame;
  GByteArray *annexb;
};

static const guint8 start_code[4] = { 0, 0, 0, 1 };

RviKeyframeDecoder *
rvi_keyframe_decoder_new (RviCodec codec, GError **error)
{
  const AVCodec *av = avcodec_find_decoder (codec == RVI_CODEC_H265 ? AV_CODEC_ID_HEVC
                                                                     : AV_CODEC_ID_H264);
  RviKeyframeDecoder *d;

  rvi_libav_log_init ();

  if (!av || (codec != RVI_CODEC_H264 && codec != RVI_CODEC_H265)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "no decoder for this codec");
    return NULL;
  }
  d = g_new0 (RviKeyframeDecoder, 1);
  d->ctx = avcodec_alloc_context3 (av);
  d->ctx->thread_count = 1;
  d->ctx->flags2 |= AV_CODEC_FLAG2_FAST;
  d->packet = av_packet_alloc ();
  d->frame = av_frame_alloc ();
  d->annexb = g_byte_array_new ();
  if (!d->ctx || !d->packet || !d->frame || avcodec_open2 (d->ctx, av, NULL) < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot open the decoder");
    rvi_keyframe_decoder_free (d);
    return NULL;
  }
  return d;
}

void
rvi_keyframe_decoder_free (RviKeyframeDecoder *d)
{
  if (!d)
    return;
  avcodec_free_context (&d->ctx);
  av_packet_free (&d->packet);
  av_frame_free (&d->frame);
  g_byte_array_unref (d->annexb);
  g_free (d);
}

static void
append_nal (GByteArray *out, GBytes *nal)
{
  gsize size = 0;
  const guint8 *data = nal ? g_bytes_get_data (nal, &size) : NULL;

  if (!size)
    return;
  g_byte_array_append (out, start_code, sizeof start_code);
  g_byte_array_append (out, data, (guint) size);
}

/* Length-prefixed NAL units to Annex B; FALSE when a length runs past the end. */
static gboolean
append_units (GByteArray *out, const guint8 *au, gsize size)
{
  gsize pos = 0;

  while (pos < size) {
    guint32 len;

    if (size - pos < 4)
      return FALSE;
    len = ((guint32) au[pos] << 24) | ((guint32) au[pos + 1] << 16) |
          ((guint32) au[pos + 2] << 8) | au[pos + 3];
    pos += 4;
    if (len == 0 || len > size - pos)
      return FALSE;
    g_byte_array_append (out, start_code, sizeof start_code);
    g_byte_array_append (out, au + pos, len);
    pos += len;
  }
  return TRUE;
}

const AVFrame *
rvi_keyframe_decoder_decode (RviKeyframeDecoder *d, const RviVideoParams *params,
                             const guint8 *au, gsize size, GError **error)
{
  int got;

  g_byte_array_set_size (d->annexb, 0);
  append_nal (d->annexb, params->vps);
  append_nal (d->annexb, params->sps);
  append_nal (d->annexb, params->pps);
  if (!append_units (d->annexb, au, size)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "malformed access unit");
    return NULL;
  }
  /* the packet borrows the buffer (libavcodec copies what it keeps) and
   * may read AV_INPUT_BUFFER_PADDING_SIZE zero bytes past its end */
  {
    guint len = d->annexb->len;
    static const guint8 padding[AV_INPUT_BUFFER_PADDING_SIZE];

    g_byte_array_append (d->annexb, padding, sizeof padding);
    av_packet_unref (d->packet);
    d->packet->data = d->annexb->data;
    d->packet->size = (int) len;
  }
  av_frame_unref (d->frame);
  got = avcodec_send_packet (d->ctx, d->packet) >= 0
        && avcodec_send_packet (d->ctx, NULL) >= 0
        && avcodec_receive_frame (d->ctx, d->frame) >= 0;
  d->packet->data = NULL;
  d->packet->size = 0;
  avcodec_flush_buffers (d->ctx);
  if (!got || d->frame->width <= 0 || d->frame->height <= 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "the key frame does not decode");
    return NULL;
  }
  return d->frame;
}
