/* frame-extract.c: the frame nearest a time, from a segment file (see
 * frame-extract.h).
 *
 * DESIGN. The file is first walked box by box at the top level (one
 * pread() per box, mdat skipped by its size) to find where its last
 * complete fragment ends; libavformat then reads it through a custom
 * AVIOContext that ends there. So a file being written (status 'open')
 * looks to the demuxer like a complete file of the fragments already on
 * disk, however far the writer got with the next one, and the bytes it
 * reads never change under it (fragments are appended, never rewritten).
 * The mov demuxer indexes every moof of a seekable file when it opens it
 * (reading the moofs only), so av_seek_frame(AVSEEK_FLAG_BACKWARD) finds
 * the key frame at or before the target in that index.
 *
 * Times. The file's zero is the presentation time of its first packet in
 * decode order (its first key frame): the recorder names the file, and
 * the index row starts, at the wall-clock time of that frame. Working
 * from that packet rather than from the track's zero keeps the answer
 * right whatever the muxer did with decode times and edit lists (the
 * native writer starts decode times at the first presentation time, mp4mux
 * may shift them for B-frames).
 *
 * Nearest frame. From the key frame, packets go to the decoder in decode
 * order and pictures come out in presentation order, so the first picture
 * presented after the target ends the search: it or the last one at or
 * before the target is the nearest (the earlier on a tie). When the key
 * frame's picture is already after the target (the demuxer's index holds
 * decode times, and with B-frames a key frame is decoded before it is
 * presented), the pass is repeated from an earlier point, at most a few
 * times; the file's first frame ends that search. Two pictures are kept
 * (the last one at or before the target and the current one) by moving
 * references, so nothing is copied per frame.
 *
 * Reuse. The decoder stays open between calls and is only flushed when
 * the next file has the same codec parameters (the usual case: the next
 * request is for the same camera, or for one of the same model); it is
 * opened anew when they differ. One decoding thread: the frame service
 * runs a few extractions side by side, so threads inside one decoder
 * would only compete with them. The JPEG encoder (libjpeg-turbo,
 * jpeg-encoder.h) is kept too and made anew only for a wider picture.
 *
 * Damaged data. A packet the decoder refuses is skipped (logged at debug
 * level); the decoder conceals what it can, as any player would. A file
 * that is not an MP4 segment, or whose video is neither H.264 nor H.265,
 * is an error. */
#define G_LOG_DOMAIN "rvi-extract"
#include "frame-extract.h"
#include "jpeg-encoder.h"
#include "libav-log.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#define IO_BUFFER (32 * 1024)
#define MAX_PASSES 6
#define JPEG_QUALITY 3
#define FALLBACK_INTERVAL_US 40000

struct _RviFrameExtractor {
  AVCodecContext *decoder;
  AVCodecParameters *params;   /* what the decoder was opened for */
  AVRational time_base;        /* of the packets it was opened for */
  AVPacket *packet;
  AVFrame *frame;              /* the decoder's latest picture */
  AVFrame *below;              /* the latest picture at or before the target */
  const AVFrame *picture;      /* the last result (frame or below), or NULL */
  RviJpegEncoder *jpeg;
  guint jpeg_width;
  guint opens;
};

/* The part of a segment file libavformat may read. */
typedef struct {
  int fd;
  gint64 size;       /* up to the end of the last complete fragment */
  gint64 pos;
  gboolean complete; /* nothing of the file lies beyond size */
} FileView;

/* One search in one file. */
typedef struct {
  AVFormatContext *fmt;
  AVStream *st;
  gint64 base;            /* pts of the file's first packet, stream time base */
  gboolean eof;           /* the pass read to the end of the file */
  gint64 end_us;          /* latest pts + duration of the packets read */
  gint64 min_step_us;     /* smallest gap between two pictures in a row, 0: none yet */
  gint64 min_duration_us; /* smallest packet duration, 0: none yet */
  guint decoded;
  gboolean have_out, have_below, have_above;
  gint64 first_us, last_us, below_us, above_us;
} Pass;

RviFrameExtractor *
rvi_frame_extractor_new (void)
{
  RviFrameExtractor *x = g_new0 (RviFrameExtractor, 1);

  rvi_libav_log_init ();
  x->params = avcodec_parameters_alloc ();
  x->packet = av_packet_alloc ();
  x->frame = av_frame_alloc ();
  x->below = av_frame_alloc ();
  g_assert (x->params && x->packet && x->frame && x->below);
  return x;
}

void
rvi_frame_extractor_free (RviFrameExtractor *x)
{
  if (!x)
    return;
  avcodec_free_context (&x->decoder);
  avcodec_parameters_free (&x->params);
  av_packet_free (&x->packet);
  av_frame_free (&x->frame);
  av_frame_free (&x->below);
  g_clear_pointer (&x->jpeg, rvi_jpeg_encoder_free);
  g_free (x);
}

guint
rvi_frame_extractor_get_decoder_opens (RviFrameExtractor *x)
{
  return x->opens;
}

static void
set_av_error (GError **error, int code, const char *what, int ret)
{
  char text[AV_ERROR_MAX_STRING_SIZE] = "";

  av_strerror (ret, text, sizeof text);
  g_set_error (error, RVI_ERROR, code, "%s: %s", what, text);
}

static int
view_read (void *opaque, uint8_t *buf, int size)
{
  FileView *v = opaque;
  gint64 left = v->size - v->pos;
  ssize_t n;

  if (left <= 0)
    return AVERROR_EOF;
  do
    n = pread (v->fd, buf, (size_t) MIN ((gint64) size, left), (off_t) v->pos);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return AVERROR (errno);
  if (n == 0)
    return AVERROR_EOF;
  v->pos += n;
  return (int) n;
}

static int64_t
view_seek (void *opaque, int64_t offset, int whence)
{
  FileView *v = opaque;
  gint64 pos;

  if (whence & AVSEEK_SIZE)
    return v->size;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET:
      pos = offset;
      break;
    case SEEK_CUR:
      pos = v->pos + offset;
      break;
    case SEEK_END:
      pos = v->size + offset;
      break;
    default:
      return AVERROR (EINVAL);
  }
  if (pos < 0)
    return AVERROR (EINVAL);
  v->pos = pos;
  return pos;
}

static guint64
be32 (const guint8 *p)
{
  return (guint64) p[0] << 24 | (guint64) p[1] << 16 | (guint64) p[2] << 8 | p[3];
}

/* Walks the top-level boxes: the view ends after the moov and after each
 * mdat that follows a moof, as far as such boxes lie wholly in the file. */
static gboolean
view_measure (FileView *v, gint64 file_size, GError **error)
{
  gint64 pos = 0;
  gboolean in_fragment = FALSE;

  v->size = 0;
  while (pos + 8 <= file_size) {
    guint8 h[16];
    gsize want = (gsize) MIN ((gint64) sizeof h, file_size - pos);
    ssize_t n;
    guint64 size;

    do
      n = pread (v->fd, h, want, (off_t) pos);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "read failed: %s",
                   g_strerror (saved));
      return FALSE;
    }
    if ((gsize) n < 8)
      break;
    size = be32 (h);
    if (size == 1) {
      if (n < 16)
        break;
      size = be32 (h + 8) << 32 | be32 (h + 12);
      if (size < 16)
        break;
    } else if (size == 0) {
      size = (guint64) (file_size - pos);     /* a box to the end of the file */
    } else if (size < 8) {
      break;
    }
    if (size > (guint64) (file_size - pos))
      break;                                  /* being written */
    if (memcmp (h + 4, "moof", 4) == 0) {
      in_fragment = TRUE;
    } else if (memcmp (h + 4, "mdat", 4) == 0) {
      if (in_fragment)
        v->size = pos + (gint64) size;
      in_fragment = FALSE;
    } else if (memcmp (h + 4, "moov", 4) == 0 || !in_fragment) {
      v->size = pos + (gint64) size;
    }
    pos += (gint64) size;
  }
  v->complete = pos == file_size && !in_fragment;
  return TRUE;
}

static gboolean
same_params (const AVCodecParameters *a, const AVCodecParameters *b)
{
  return a->codec_id == b->codec_id && a->width == b->width && a->height == b->height
         && a->format == b->format && a->extradata_size == b->extradata_size
         && (a->extradata_size == 0 || memcmp (a->extradata, b->extradata,
                                               (size_t) a->extradata_size) == 0);
}

/* Makes the decoder ready for @st: flushed when it was opened for the same
 * parameters, opened anew otherwise. */
static gboolean
prepare_decoder (RviFrameExtractor *x, const AVStream *st, GError **error)
{
  const AVCodecParameters *par = st->codecpar;
  const AVCodec *codec;
  int ret;

  if (x->decoder && same_params (x->params, par)
      && av_cmp_q (x->time_base, st->time_base) == 0) {
    avcodec_flush_buffers (x->decoder);
    return TRUE;
  }
  avcodec_free_context (&x->decoder);
  if (par->codec_id != AV_CODEC_ID_H264 && par->codec_id != AV_CODEC_ID_HEVC) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "the video is not H.264 or H.265");
    return FALSE;
  }
  codec = avcodec_find_decoder (par->codec_id);
  if (!codec || !(x->decoder = avcodec_alloc_context3 (codec))) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "no decoder for this codec");
    return FALSE;
  }
  ret = avcodec_parameters_to_context (x->decoder, par);
  if (ret >= 0) {
    x->decoder->thread_count = 1;
    x->decoder->pkt_timebase = st->time_base;
    ret = avcodec_open2 (x->decoder, codec, NULL);
  }
  if (ret < 0 || avcodec_parameters_copy (x->params, par) < 0) {
    avcodec_free_context (&x->decoder);
    set_av_error (error, RVI_ERROR_FAILED, "cannot open the decoder", ret);
    return FALSE;
  }
  x->time_base = st->time_base;
  x->opens++;
  return TRUE;
}

static gint64
to_us (const Pass *p, gint64 pts)
{
  return av_rescale_q (pts - p->base, p->st->time_base, AV_TIME_BASE_Q);
}

static void
note_packet (Pass *p, const AVPacket *pkt)
{
  gint64 pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;

  if (pkt->duration > 0) {
    gint64 d = av_rescale_q (pkt->duration, p->st->time_base, AV_TIME_BASE_Q);
    if (p->min_duration_us == 0 || d < p->min_duration_us)
      p->min_duration_us = d;
    if (pts != AV_NOPTS_VALUE)
      p->end_us = MAX (p->end_us, to_us (p, pts) + d);
  }
}

/* Takes the decoder's pictures; TRUE once one is presented after
 * @target_us (it stays in x->frame). */
static gboolean
take_pictures (RviFrameExtractor *x, Pass *p, gint64 target_us, int *ret)
{
  while ((*ret = avcodec_receive_frame (x->decoder, x->frame)) >= 0) {
    gint64 pts = x->frame->best_effort_timestamp != AV_NOPTS_VALUE
                 ? x->frame->best_effort_timestamp : x->frame->pts;
    gint64 us;

    if (pts == AV_NOPTS_VALUE) {
      av_frame_unref (x->frame);
      continue;
    }
    us = to_us (p, pts);
    p->decoded++;
    if (p->have_out && us > p->last_us && (p->min_step_us == 0 || us - p->last_us < p->min_step_us))
      p->min_step_us = us - p->last_us;
    if (!p->have_out)
      p->first_us = us;
    p->have_out = TRUE;
    p->last_us = us;
    if (us > target_us) {
      p->have_above = TRUE;
      p->above_us = us;
      return TRUE;
    }
    av_frame_unref (x->below);
    av_frame_move_ref (x->below, x->frame);
    p->have_below = TRUE;
    p->below_us = us;
  }
  return FALSE;
}

/* One pass: from the key frame at or before @seek_us, decodes forward
 * until a picture after @target_us comes out or the file ends. */
static gboolean
decode_pass (RviFrameExtractor *x, Pass *p, gint64 seek_us, gint64 target_us, GError **error)
{
  gint64 ts = p->base + av_rescale_q (seek_us, AV_TIME_BASE_Q, p->st->time_base);
  gboolean keyed = FALSE;
  int ret = av_seek_frame (p->fmt, p->st->index, ts, AVSEEK_FLAG_BACKWARD);

  if (ret < 0) {
    set_av_error (error, RVI_ERROR_INVALID_INPUT, "cannot seek in the recording", ret);
    return FALSE;
  }
  avcodec_flush_buffers (x->decoder);
  av_frame_unref (x->below);
  av_frame_unref (x->frame);
  p->eof = p->have_out = p->have_below = p->have_above = FALSE;
  for (;;) {
    ret = av_read_frame (p->fmt, x->packet);
    if (ret == AVERROR_EOF) {
      p->eof = TRUE;
      avcodec_send_packet (x->decoder, NULL);
    } else if (ret < 0) {
      set_av_error (error, RVI_ERROR_INVALID_INPUT, "cannot read the recording", ret);
      return FALSE;
    } else if (x->packet->stream_index != p->st->index
               || (!keyed && !(x->packet->flags & AV_PKT_FLAG_KEY))) {
      av_packet_unref (x->packet);
      continue;
    } else {
      keyed = TRUE;
      note_packet (p, x->packet);
      ret = avcodec_send_packet (x->decoder, x->packet);
      av_packet_unref (x->packet);
      if (ret < 0)
        g_debug ("a packet does not decode (%d), skipped", ret);
    }
    if (take_pictures (x, p, target_us, &ret))
      return TRUE;
    if (ret == AVERROR_EOF || (p->eof && ret == AVERROR (EAGAIN)))
      return TRUE;
    if (ret != AVERROR (EAGAIN)) {
      set_av_error (error, RVI_ERROR_INVALID_INPUT, "the recording does not decode", ret);
      return FALSE;
    }
  }
}

/* Opens @view with libavformat and finds its video stream and first packet. */
static gboolean
open_file (RviFrameExtractor *x, FileView *view, AVIOContext **avio, Pass *p, GError **error)
{
  guint8 *buffer = av_malloc (IO_BUFFER);
  int ret, index;

  *avio = buffer ? avio_alloc_context (buffer, IO_BUFFER, 0, view, view_read, NULL, view_seek)
                 : NULL;
  p->fmt = avformat_alloc_context ();
  if (!*avio || !p->fmt) {
    if (!*avio)
      av_free (buffer);
    avformat_free_context (g_steal_pointer (&p->fmt));
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "out of memory");
    return FALSE;
  }
  p->fmt->pb = *avio;
  p->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  ret = avformat_open_input (&p->fmt, NULL, av_find_input_format ("mp4"), NULL);
  if (ret < 0) {
    set_av_error (error, RVI_ERROR_INVALID_INPUT, "not a readable MP4 segment", ret);
    return FALSE;                /* avformat_open_input freed the context */
  }
  index = av_find_best_stream (p->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  if (index < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "the segment has no video");
    return FALSE;
  }
  p->st = p->fmt->streams[index];
  do {
    av_packet_unref (x->packet);
    ret = av_read_frame (p->fmt, x->packet);
  } while (ret >= 0 && x->packet->stream_index != index);
  if (ret < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no complete frame in the recording yet");
    return FALSE;
  }
  p->base = x->packet->pts != AV_NOPTS_VALUE ? x->packet->pts : x->packet->dts;
  av_packet_unref (x->packet);
  if (p->base == AV_NOPTS_VALUE) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "the recording has no timestamps");
    return FALSE;
  }
  return TRUE;
}

/* Decodes passes until the nearest picture is known; sets x->picture. */
static gboolean
search (RviFrameExtractor *x, Pass *p, gint64 target_us, RviExtractedFrame *info, GError **error)
{
  gint64 seek_us = target_us;

  for (guint pass = 0; ; pass++) {
    if (!decode_pass (x, p, seek_us, target_us, error))
      return FALSE;
    if (!p->have_out) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "no picture decodes");
      return FALSE;
    }
    /* done when a picture at or before the target came out, or the pass
     * began at the file's first frame, or it was tried often enough */
    if (p->have_below || p->first_us <= 0 || seek_us < 0 || pass + 1 == MAX_PASSES)
      break;
    seek_us = MIN (seek_us, p->first_us) - ((gint64) 100000 << pass);
  }
  if (p->have_below && (!p->have_above || target_us - p->below_us <= p->above_us - target_us)) {
    x->picture = x->below;
    info->offset_us = p->below_us;
    info->last = p->eof && !p->have_above;
  } else {
    x->picture = x->frame;
    info->offset_us = p->above_us;
    info->last = FALSE;
  }
  info->decoded = p->decoded;
  info->interval_us = p->min_step_us ? p->min_step_us : p->min_duration_us;
  if (info->interval_us <= 0 && p->st->avg_frame_rate.num > 0 && p->st->avg_frame_rate.den > 0)
    info->interval_us = av_rescale_q (1, av_inv_q (p->st->avg_frame_rate), AV_TIME_BASE_Q);
  if (info->interval_us <= 0)
    info->interval_us = FALLBACK_INTERVAL_US;
  /* the demuxer gives the file's last sample no duration (it has no next
   * one): it lasts a frame interval */
  if (info->last)
    info->end_us = p->end_us > info->offset_us ? p->end_us : info->offset_us + info->interval_us;
  return TRUE;
}

const AVFrame *
rvi_frame_extractor_extract (RviFrameExtractor *x, const char *path, gint64 target_us,
                             RviExtractedFrame *info, GError **error)
{
  FileView view = { .fd = -1 };
  AVIOContext *avio = NULL;
  Pass pass = { 0 };
  struct stat st;
  gint64 started = g_get_monotonic_time ();
  gboolean ok = FALSE;

  x->picture = NULL;
  memset (info, 0, sizeof *info);
  view.fd = open (path, O_RDONLY | O_CLOEXEC);
  if (view.fd < 0 || fstat (view.fd, &st) != 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open %s: %s", path,
                 g_strerror (saved));
    goto out;
  }
  if (!view_measure (&view, (gint64) st.st_size, error))
    goto out;
  if (!open_file (x, &view, &avio, &pass, error) || !prepare_decoder (x, pass.st, error)
      || !search (x, &pass, target_us, info, error))
    goto out;
  info->complete = view.complete;
  ok = TRUE;
  g_debug ("%s at %" G_GINT64_FORMAT " us: frame at %" G_GINT64_FORMAT " us, %u decoded,"
           " %.1f ms", path, target_us, info->offset_us, info->decoded,
           (double) (g_get_monotonic_time () - started) / 1000);

out:
  if (pass.fmt)
    avformat_close_input (&pass.fmt);
  if (avio) {
    av_freep (&avio->buffer);
    avio_context_free (&avio);
  }
  if (view.fd >= 0)
    close (view.fd);
  if (!ok)
    x->picture = NULL;
  return x->picture;
}

gboolean
rvi_frame_extractor_encode_jpeg (RviFrameExtractor *x, const guint8 **data, gsize *size,
                                 guint *width, guint *height, GError **error)
{
  if (!x->picture) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "no picture to encode");
    return FALSE;
  }
  if (!x->jpeg || (guint) x->picture->width > x->jpeg_width) {
    g_clear_pointer (&x->jpeg, rvi_jpeg_encoder_free);
    x->jpeg_width = (guint) x->picture->width;
    x->jpeg = rvi_jpeg_encoder_new (x->jpeg_width, JPEG_QUALITY);
  }
  return rvi_jpeg_encoder_encode (x->jpeg, x->picture, data, size, width, height, error);
}
