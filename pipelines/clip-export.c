/* clip-export.c: stored segments to one MP4 clip (see clip-export.h).
 *
 * DESIGN. One pass over the sources that overlap the range, each read by
 * libavformat's MP4 demuxer through our own AVIOContext on the file (so
 * no protocol or other file can be opened, and the file can be made to
 * end before a box cut short: readable_size()), packets in decode order,
 * written with av_write_frame to one MP4 muxer (one stream: no
 * interleaving queue). For a seekable file the demuxer reads every moof
 * at open, so the whole file is indexed. The first source is read twice
 * where the range starts inside it: its key frames only (AVDISCARD_NONKEY:
 * the demuxer skips the other samples' bytes) to find the last key frame
 * at or before from_us, then from that key frame on, after a seek to it.
 * The output is opened at the first frame taken, with that source's codec
 * parameters, so a range with nothing recorded writes no file at all.
 *
 * Times are 90 kHz ticks of clip time: clip = offset + (ts - anchor) for a
 * source's packets, anchor = pts of its first packet (libavformat adds its
 * own shift for negative composition offsets to every pts of a file, so
 * only differences within a file count), offset = start_us - first_us,
 * plus the nudge of the header's overlap rule.
 *
 * The end rule (header). Decode times increase and are never after
 * presentation times, so once a frame's decode time is at or after to_us
 * no later frame starts before to_us. Before that point a frame that
 * starts at or after to_us is held (a few at most, in fixed slots whose
 * packets are moved, not copied): written when a later frame that starts
 * before to_us arrives (which may refer to it), dropped when the range
 * ends. A frame that starts before the latest frame written fills a hole
 * and is written too. The first frame that is none of these ends the
 * clip. The clip's first frame is held as well, until the frame after it:
 * see clip_flush().
 *
 * Damage. A file cut inside a box other than mdat is shown to libavformat
 * as ending before that box; a sample cut short by the end of the file
 * comes with AV_PKT_FLAG_CORRUPT. Either, or a read error, ends the source
 * (the cut sample is not written). */
#define G_LOG_DOMAIN "rvi-export"

#include "clip-export.h"
#include "libav-log.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const AVRational clip_tb = { 1, 90000 };

/* One source being read. */
typedef struct {
  const RviClipSource *source;
  int fd;
  gint64 size, pos;         /* size: what libavformat sees of the file (readable_size) */
  AVIOContext *io;
  AVFormatContext *fmt;
  AVStream *st;
  gboolean anchored, placed, damaged;
  gint64 anchor;            /* pts of the file's first packet, stream ticks */
  gint64 offset;            /* clip ticks of the anchor, once placed */
} Reader;

/* A frame taken, in clip ticks. */
typedef struct {
  AVPacket *pkt;            /* while pending */
  gint64 pts, dts, duration;
  gboolean key;
} Taken;

/* Frames held at to_us (a few: the reorder depth) and the clip's first
 * frame, in slots allocated once. A source starting up to LEAD after to_us
 * is read too: an open GOP's leading pictures are shown before start_us. */
#define RVI_CLIP_PENDING_MAX 32
#define RVI_CLIP_LEAD_US G_USEC_PER_SEC

/* The clip being written. */
typedef struct {
  gint64 from_us, to_us;
  RviClipProgress progress;
  gpointer data;
  GCancellable *cancel;
  RviClipInfo *info;
  AVPacket *pkt;            /* the packet read */
  const char *out_path;
  char *partial;            /* OUT.partial, once opened */
  AVFormatContext *out;
  AVStream *out_st;
  gboolean started, done;
  gint64 last_dts, top_pts; /* of the frames taken (written or pending) */
  gint64 max_pts;           /* of the frames written */
  Taken pending[RVI_CLIP_PENDING_MAX];
  guint n_pending;
  gboolean first_pending;   /* pending[0] is the clip's first frame */
} Clip;

static gint64
ticks_to_us (gint64 ticks)
{
  return av_rescale_q (ticks, clip_tb, AV_TIME_BASE_Q);
}

/* RVI_ERROR_FAILED "FORMAT...: libavformat's message for @ret"; FALSE. */
static G_GNUC_PRINTF (3, 4) gboolean
fail_av (GError **error, int ret, const char *format, ...)
{
  char text[AV_ERROR_MAX_STRING_SIZE];
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  av_strerror (ret, text, sizeof text);
  g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "%s: %s", what, text);
  return FALSE;
}

/* ---- sources ---- */

#define RVI_CLIP_IO_BUFFER (64 * 1024)

static guint64
be32 (const guint8 *p)
{
  return (guint64) p[0] << 24 | (guint64) p[1] << 16 | (guint64) p[2] << 8 | p[3];
}

/* The bytes of @fd up to the first top-level box cut off by the end of the
 * file, or all of it when that box is an mdat (libavformat reads the
 * samples that are whole and flags the one cut short). A moof cut short
 * would make libavformat refuse the whole file: it reads every moof at
 * open. Reads box headers only. */
static gint64
readable_size (int fd, gint64 file_size)
{
  gint64 pos = 0;

  while (pos < file_size) {
    guint8 h[16];
    gint64 box;

    if (file_size - pos < 8 || pread (fd, h, 8, pos) != 8)
      return pos;
    box = (gint64) be32 (h);
    if (box == 1) {
      if (file_size - pos < 16 || pread (fd, h + 8, 8, pos + 8) != 8)
        return pos;
      box = (gint64) (be32 (h + 8) << 32 | be32 (h + 12));
    } else if (box == 0) {
      return file_size;  /* to the end of the file */
    }
    if (box < 8 || box > file_size - pos)
      return memcmp (h + 4, "mdat", 4) == 0 && box >= 8 ? file_size : pos;
    pos += box;
  }
  return file_size;
}

static int
io_read (void *opaque, uint8_t *buf, int size)
{
  Reader *r = opaque;
  ssize_t n = size > 0 && r->pos < r->size
              ? pread (r->fd, buf, (size_t) MIN ((gint64) size, r->size - r->pos), r->pos) : 0;

  if (n <= 0)
    return n == 0 ? AVERROR_EOF : AVERROR (errno);
  r->pos += n;
  return (int) n;
}

static int64_t
io_seek (void *opaque, int64_t offset, int whence)
{
  Reader *r = opaque;

  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE)
    return r->size;
  offset += whence == SEEK_CUR ? r->pos : whence == SEEK_END ? r->size : 0;
  if (offset < 0 || (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END))
    return AVERROR (EINVAL);
  r->pos = offset;
  return offset;
}

static void
reader_close (Reader *r)
{
  avformat_close_input (&r->fmt);
  if (r->io != NULL)
    av_freep (&r->io->buffer);
  avio_context_free (&r->io);
  if (r->fd >= 0)
    close (r->fd);
  r->fd = -1;
}

/* Opens @source with libavformat's MP4 demuxer on our own I/O (the file
 * up to its readable size) and finds its video track. FALSE with @error
 * when the file cannot be opened; TRUE with r->fmt NULL (damaged) when it
 * does not parse or has no video. */
static gboolean
reader_open (Reader *r, const RviClipSource *source, GError **error)
{
  guint8 *buffer = NULL;
  struct stat st;
  int ret;

  *r = (Reader){ .source = source, .fd = open (source->path, O_RDONLY | O_CLOEXEC) };
  if (r->fd < 0 || fstat (r->fd, &st) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot open the segment %s: %s",
                 source->path, g_strerror (errno));
    reader_close (r);
    return FALSE;
  }
  r->size = readable_size (r->fd, st.st_size);
  if (r->size < st.st_size)
    g_message ("clip: %s is cut short in the box at byte %" G_GINT64_FORMAT "; reading what "
               "comes before it", source->path, r->size);
  r->damaged = r->size < st.st_size;
  buffer = av_malloc (RVI_CLIP_IO_BUFFER);
  r->io = buffer ? avio_alloc_context (buffer, RVI_CLIP_IO_BUFFER, 0, r, io_read, NULL, io_seek)
                 : NULL;
  r->fmt = r->io ? avformat_alloc_context () : NULL;
  if (r->fmt == NULL) {
    if (r->io == NULL)
      av_free (buffer);
    reader_close (r);
    return fail_av (error, AVERROR (ENOMEM), "cannot open the segment %s", source->path);
  }
  r->fmt->pb = r->io;
  ret = avformat_open_input (&r->fmt, source->path, av_find_input_format ("mp4"), NULL);
  if (ret >= 0)
    ret = av_find_best_stream (r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  if (ret < 0) {
    char text[AV_ERROR_MAX_STRING_SIZE];

    av_strerror (ret, text, sizeof text);
    g_message ("clip: %s does not read as MP4 video (%s); going on with the next segment",
               source->path, text);
    avformat_close_input (&r->fmt);
    r->damaged = TRUE;
    return TRUE;
  }
  for (guint i = 0; i < r->fmt->nb_streams; i++)
    r->fmt->streams[i]->discard = (int) i == ret ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  r->st = r->fmt->streams[ret];
  return TRUE;
}

/* The duration of the sample at decode time @dts: to the next sample's,
 * from the index libavformat built at open, or to the end of the track.
 * libavformat leaves pkt->duration 0 for a track with composition offsets,
 * and the muxer needs it for the clip's last frame. */
static gint64
reader_duration (const Reader *r, gint64 dts)
{
  int i = av_index_search_timestamp (r->st, dts, AVSEEK_FLAG_ANY | AVSEEK_FLAG_BACKWARD);
  const AVIndexEntry *next = i >= 0 ? avformat_index_get_entry (r->st, i + 1) : NULL;

  if (next != NULL && next->timestamp > dts)
    return next->timestamp - dts;
  return r->st->duration > dts ? r->st->duration - dts : 0;
}

/* Reads the next packet of the video track into @pkt. FALSE at the end of
 * the readable part: the end of the file, or damage (logged, counted). */
static gboolean
reader_next (Reader *r, Clip *c)
{
  for (;;) {
    int ret = av_read_frame (r->fmt, c->pkt);

    if (ret == AVERROR_EOF)
      return FALSE;
    if (ret < 0 || (c->pkt->flags & AV_PKT_FLAG_CORRUPT)) {
      char text[AV_ERROR_MAX_STRING_SIZE] = "a sample cut short";

      if (ret < 0)
        av_strerror (ret, text, sizeof text);
      if (!r->damaged)  /* the first source may be read twice */
        g_message ("clip: %s is damaged after %s (%s); going on with the next segment",
                   r->source->path, r->anchored ? "some frames" : "its start", text);
      av_packet_unref (c->pkt);
      r->damaged = TRUE;
      return FALSE;
    }
    if (c->pkt->stream_index != r->st->index) {
      av_packet_unref (c->pkt);
      continue;
    }
    if (c->pkt->dts == AV_NOPTS_VALUE)  /* the demuxer's answer to a broken ctts */
      c->pkt->dts = c->pkt->pts;
    if (c->pkt->duration <= 0)
      c->pkt->duration = reader_duration (r, c->pkt->dts);
    if (!r->anchored) {
      r->anchored = TRUE;
      r->anchor = c->pkt->pts;
    }
    return TRUE;
  }
}

/* Wall clock of stream time @ts of @r. */
static gint64
reader_wall_us (const Reader *r, gint64 ts)
{
  return r->source->start_us + av_rescale_q (ts - r->anchor, r->st->time_base, AV_TIME_BASE_Q);
}

/* Leaves @r on the last key frame at or before from_us (its decode time in
 * @key_dts): reads key frames only, then seeks back by presentation time
 * (libavformat takes the last key frame decoded at or before it, and for
 * HEVC refuses one shown after it: its leading pictures would be lost). */
static gboolean
reader_seek_start (Reader *r, Clip *c, gint64 *key_dts, GError **error)
{
  gboolean found = FALSE;
  gint64 key_pts = 0;
  int ret;

  r->st->discard = AVDISCARD_NONKEY;
  while (reader_next (r, c)) {
    gboolean key = (c->pkt->flags & AV_PKT_FLAG_KEY) != 0;
    gint64 wall = reader_wall_us (r, c->pkt->pts), dts = c->pkt->dts, pts = c->pkt->pts;

    av_packet_unref (c->pkt);
    if (!key)
      continue;
    if (found && wall > c->from_us)
      break;
    *key_dts = dts;
    key_pts = pts;
    found = TRUE;
  }
  r->st->discard = AVDISCARD_DEFAULT;
  if (!found)
    return TRUE;  /* nothing readable: the main loop reads nothing either */
  ret = av_seek_frame (r->fmt, r->st->index, key_pts, AVSEEK_FLAG_BACKWARD);
  if (ret < 0)
    return fail_av (error, ret, "cannot seek in the segment %s", r->source->path);
  return TRUE;
}

/* ---- the clip ---- */

static gboolean
same_params (const AVCodecParameters *a, const AVCodecParameters *b)
{
  return a->codec_id == b->codec_id && a->width == b->width && a->height == b->height &&
         a->extradata_size == b->extradata_size &&
         (a->extradata_size == 0 || memcmp (a->extradata, b->extradata, a->extradata_size) == 0);
}

/* Opens OUT.partial with @r's codec parameters; the clip starts at @first_us. */
static gboolean
clip_open (Clip *c, const Reader *r, gint64 first_us, GError **error)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (first_us / G_USEC_PER_SEC);
  g_autofree char *created = g_date_time_format_iso8601 (t);
  g_autofree char *url = g_strconcat ("file:", c->out_path, ".partial", NULL);
  AVDictionary *opts = NULL;
  int ret;

  c->partial = g_strdup (url + strlen ("file:"));
  ret = avformat_alloc_output_context2 (&c->out, NULL, "mp4", url);
  if (ret < 0)
    return fail_av (error, ret, "cannot start the clip %s", c->out_path);
  c->out->flags |= AVFMT_FLAG_BITEXACT;
  c->out->protocol_whitelist = av_strdup ("file");
  c->out_st = avformat_new_stream (c->out, NULL);
  if (c->out_st == NULL || c->out->protocol_whitelist == NULL
      || avcodec_parameters_copy (c->out_st->codecpar, r->st->codecpar) < 0)
    return fail_av (error, AVERROR (ENOMEM), "cannot start the clip %s", c->out_path);
  /* the source's tag (avc1 / hvc1), which the mp4 muxer accepts as it is */
  c->out_st->time_base = clip_tb;
  c->out_st->avg_frame_rate = r->st->avg_frame_rate;
  av_dict_set (&c->out->metadata, "creation_time", created, 0);
  ret = avio_open (&c->out->pb, url, AVIO_FLAG_WRITE);
  if (ret < 0)
    return fail_av (error, ret, "cannot write %s", c->partial);
  av_dict_set (&opts, "movflags", "+faststart", 0);
  ret = avformat_write_header (c->out, &opts);
  av_dict_free (&opts);
  if (ret < 0)
    return fail_av (error, ret, "cannot start the clip %s", c->out_path);
  c->info->first_us = first_us;
  c->started = TRUE;
  return TRUE;
}

/* Removes what was written; safe to call at any point. */
static void
clip_abort (Clip *c)
{
  if (c->out != NULL) {
    avio_closep (&c->out->pb);
    avformat_free_context (c->out);
    c->out = NULL;
  }
  if (c->partial != NULL)
    g_unlink (c->partial);
}

static gboolean
fsync_path (const char *path, int flags, guint64 *bytes, GError **error)
{
  int fd = open (path, flags | O_RDONLY | O_CLOEXEC);
  struct stat st;

  if (fd >= 0 && fstat (fd, &st) == 0 && fsync (fd) == 0) {
    if (bytes != NULL)
      *bytes = (guint64) st.st_size;
    close (fd);
    return TRUE;
  }
  g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot sync %s: %s", path, g_strerror (errno));
  if (fd >= 0)
    close (fd);
  return FALSE;
}

/* Trailer (moov moved to the front), close, fsync, rename, fsync the directory. */
static gboolean
clip_finish (Clip *c, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (c->out_path);
  int ret = av_write_trailer (c->out);

  if (ret >= 0)
    ret = avio_closep (&c->out->pb);
  if (ret < 0)
    return fail_av (error, ret, "cannot finish the clip %s", c->out_path);
  if (!fsync_path (c->partial, 0, &c->info->bytes, error))
    return FALSE;
  if (g_rename (c->partial, c->out_path) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot rename %s: %s", c->partial,
                 g_strerror (errno));
    return FALSE;
  }
  if (!fsync_path (dir, O_DIRECTORY, NULL, error)) {
    g_unlink (c->out_path);
    return FALSE;
  }
  avformat_free_context (c->out);
  c->out = NULL;
  return TRUE;
}

/* Writes one frame (clip ticks) from @pkt, which it unrefs. */
static gboolean
clip_write (Clip *c, AVPacket *pkt, const Taken *t, GError **error)
{
  int ret;

  c->max_pts = MAX (c->max_pts, t->pts);
  c->info->frames++;
  c->info->end_us = MAX (c->info->end_us, c->info->first_us + ticks_to_us (t->pts + t->duration));
  pkt->stream_index = 0;
  pkt->pts = av_rescale_q (t->pts, clip_tb, c->out_st->time_base);
  pkt->dts = av_rescale_q (t->dts, clip_tb, c->out_st->time_base);
  pkt->duration = av_rescale_q (t->duration, clip_tb, c->out_st->time_base);
  pkt->pos = -1;
  ret = av_write_frame (c->out, pkt);
  av_packet_unref (pkt);
  if (ret < 0)
    return fail_av (error, ret, "cannot write the clip %s", c->out_path);
  if (t->key && c->progress != NULL)  /* clamped: the clip may start before from_us */
    c->progress (CLAMP (c->info->first_us + ticks_to_us (t->pts), c->from_us, c->to_us)
                 - c->from_us, c->to_us - c->from_us, c->data);
  return TRUE;
}

/* Writes the pending frames; @next_dts is the decode time of the frame
 * that follows them. The clip's first frame, when still pending, gets the
 * decode time just before its successor's: the leading pictures dropped
 * after it must not leave a hole in decode times (a first sample lasting
 * several frames). */
static gboolean
clip_flush (Clip *c, gint64 next_dts, GError **error)
{
  for (guint i = 0; i < c->n_pending; i++) {
    Taken *t = &c->pending[i];

    if (i == 0 && c->first_pending) {
      gint64 after = c->n_pending > 1 ? c->pending[1].dts : next_dts;

      if (t->duration > 0)
        t->dts = MIN (t->pts, MAX (t->dts, after - t->duration));
      c->first_pending = FALSE;
    }
    if (!clip_write (c, t->pkt, t, error)) {
      for (guint j = i + 1; j < c->n_pending; j++)
        av_packet_unref (c->pending[j].pkt);
      c->n_pending = 0;
      return FALSE;
    }
  }
  c->n_pending = 0;
  return TRUE;
}

/* The range is complete: the first frame is written if still pending,
 * frames held after to_us are not needed. */
static gboolean
clip_end (Clip *c, GError **error)
{
  gboolean ok = c->n_pending == 0 || !c->first_pending
                || clip_write (c, c->pending[0].pkt, &c->pending[0], error);

  for (guint i = 0; i < c->n_pending; i++)
    av_packet_unref (c->pending[i].pkt);
  c->n_pending = 0;
  c->first_pending = FALSE;
  c->done = TRUE;
  return ok;
}

/* Holds @pkt (moved) with its clip times until it is known to be needed. */
static gboolean
clip_pend (Clip *c, const Taken *t, GError **error)
{
  Taken *slot;

  if (c->n_pending == RVI_CLIP_PENDING_MAX && !clip_flush (c, t->dts, error))
    return FALSE;  /* more than a reorder depth can explain: write them, never wrong */
  slot = &c->pending[c->n_pending];
  if (slot->pkt == NULL && (slot->pkt = av_packet_alloc ()) == NULL)
    return fail_av (error, AVERROR (ENOMEM), "cannot write the clip %s", c->out_path);
  c->n_pending++;
  av_packet_move_ref (slot->pkt, c->pkt);
  *slot = (Taken){ slot->pkt, t->pts, t->dts, t->duration, t->key };
  return TRUE;
}

/* Takes, holds, skips or ends at the packet in c->pkt (read from @r); on
 * failure the packet may still hold a reference. */
static gboolean
clip_packet (Clip *c, Reader *r, GError **error)
{
  AVPacket *pkt = c->pkt;
  Taken t = { NULL, av_rescale_q (pkt->pts - r->anchor, r->st->time_base, clip_tb),
              av_rescale_q (pkt->dts - r->anchor, r->st->time_base, clip_tb),
              av_rescale_q (pkt->duration, r->st->time_base, clip_tb),
              (pkt->flags & AV_PKT_FLAG_KEY) != 0 };
  gint64 wall = reader_wall_us (r, pkt->pts), to;

  if (!c->started) {
    if (!t.key || wall >= c->to_us) {  /* before the first key frame; or nothing in range */
      av_packet_unref (pkt);
      return !t.key || clip_end (c, error);
    }
    if (!clip_open (c, r, wall, error))
      return FALSE;  /* clip_source unrefs pkt */
    r->offset = -t.pts;
    r->placed = TRUE;
    c->last_dts = c->max_pts = c->top_pts = G_MININT64;
    c->first_pending = TRUE;
  }
  t.pts += r->offset;
  t.dts += r->offset;
  to = av_rescale_q (c->to_us - c->info->first_us, AV_TIME_BASE_Q, clip_tb);
  if (t.pts < 0 || t.dts <= c->last_dts) {
    /* a leading picture of the first key frame (it needs the GOP before
     * it; HEVC decoders drop it too), or a decode time out of order */
    av_packet_unref (pkt);
    return TRUE;
  }
  if (t.pts >= to && t.pts > c->max_pts && t.dts >= to) {
    av_packet_unref (pkt);
    return clip_end (c, error);  /* the end rule: see the DESIGN comment */
  }
  c->last_dts = t.dts;
  c->top_pts = MAX (c->top_pts, t.pts);
  if ((c->first_pending && c->n_pending == 0) || (t.pts >= to && t.pts > c->max_pts))
    return clip_pend (c, &t, error);
  return clip_flush (c, t.dts, error) && clip_write (c, pkt, &t, error);
}

/* Where a later source's clock starts: start_us, moved later when its
 * first packet would not come after what was written (the header). */
static void
clip_place (Clip *c, Reader *r)
{
  gint64 pts = av_rescale_q (c->pkt->pts - r->anchor, r->st->time_base, clip_tb);
  gint64 dts = av_rescale_q (c->pkt->dts - r->anchor, r->st->time_base, clip_tb);
  gint64 nudge;

  r->placed = TRUE;
  r->offset = av_rescale_q (r->source->start_us - c->info->first_us, AV_TIME_BASE_Q, clip_tb);
  nudge = MAX (c->last_dts + 1 - (dts + r->offset), c->top_pts + 1 - (pts + r->offset));
  if (nudge > 0) {
    g_debug ("clip: %s overlaps the segment before by %" G_GINT64_FORMAT " us; moved later",
             r->source->path, ticks_to_us (nudge));
    r->offset += nudge;
  }
}

/* Reads @source into the clip; the first one (@first) from its key frame
 * at or before from_us. Sets c->done when the range is complete. */
static gboolean
clip_source (Clip *c, const RviClipSource *source, gboolean first, GError **error)
{
  Reader r;
  gint64 key_dts = G_MININT64;
  gboolean ok = TRUE;

  if (!reader_open (&r, source, error))
    return FALSE;
  if (r.fmt != NULL && c->started && !same_params (r.st->codecpar, c->out_st->codecpar)) {
    c->info->next_us = source->start_us;
    ok = clip_end (c, error);
  } else if (r.fmt != NULL && first && c->from_us > source->start_us) {
    ok = reader_seek_start (&r, c, &key_dts, error);
  }
  while (ok && r.fmt != NULL && !c->done && reader_next (&r, c)) {
    if (c->pkt->dts < key_dts) {  /* a seek that landed early */
      av_packet_unref (c->pkt);
      continue;
    }
    if (key_dts != G_MININT64 && c->pkt->dts > key_dts) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot seek in the segment %s: "
                   "landed after the key frame", source->path);
      av_packet_unref (c->pkt);
      ok = FALSE;
      break;
    }
    key_dts = G_MININT64;
    if (c->started && !r.placed)
      clip_place (c, &r);
    ok = !g_cancellable_set_error_if_cancelled (c->cancel, error) && clip_packet (c, &r, error);
    if (!ok)
      av_packet_unref (c->pkt);
  }
  if (r.damaged)
    c->info->damaged++;
  reader_close (&r);
  return ok;
}

gboolean
rvi_clip_export (const RviClipSource *sources, guint n_sources, gint64 from_us, gint64 to_us,
                 const char *out_path, RviClipProgress progress, gpointer data,
                 GCancellable *cancel, RviClipInfo *info, GError **error)
{
  RviClipInfo scratch;
  Clip c = { .from_us = from_us, .to_us = to_us, .progress = progress, .data = data,
             .cancel = cancel, .info = info ? info : &scratch, .out_path = out_path };
  gboolean ok = TRUE;
  guint first = 0;

  g_return_val_if_fail (sources != NULL || n_sources == 0, FALSE);
  g_return_val_if_fail (out_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  rvi_libav_log_init ();
  memset (c.info, 0, sizeof *c.info);
  if (to_us <= from_us) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "the range ends before it starts");
    return FALSE;
  }
  while (first < n_sources && sources[first].end_us <= from_us)
    first++;
  c.pkt = av_packet_alloc ();
  if (c.pkt == NULL)
    ok = fail_av (error, AVERROR (ENOMEM), "cannot write the clip %s", out_path);
  for (guint i = first; ok && !c.done && i < n_sources; i++)
    if (sources[i].start_us < to_us + RVI_CLIP_LEAD_US)
      ok = clip_source (&c, &sources[i], i == first, error);
  if (ok && c.started && !c.done)
    ok = clip_end (&c, error);
  av_packet_free (&c.pkt);
  for (guint i = 0; i < RVI_CLIP_PENDING_MAX; i++)
    av_packet_free (&c.pending[i].pkt);
  if (ok && !c.started) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "nothing is recorded in the range");
    ok = FALSE;
  }
  if (ok)
    ok = clip_finish (&c, error);
  if (!ok) {
    clip_abort (&c);
    memset (c.info, 0, sizeof *c.info);
  } else if (progress != NULL) {
    progress (to_us - from_us, to_us - from_us, data);
  }
  g_free (c.partial);
  return ok;
}
