/* live-fmp4.c: one live viewer's fragmented MP4 (see live-fmp4.h).
 *
 * DESIGN. The init segment is fmp4-init's, byte for byte what the recorder
 * writes, so browsers see the same sample entry for live and recorded
 * video. Each frame is then a fragment of one sample: moof (mfhd, traf with
 * tfhd default-base-is-moof, tfdt, trun version 1 stating the sample's
 * duration, size, flags and composition offset) and mdat. Nothing is
 * queued: the state is the timeline below and a sequence number.
 *
 * The timeline keeps three numbers: the origin (the pts at media time 0),
 * dts (where the next frame starts) and the predicted frame interval. A
 * frame's "lead" is how far the camera's clock is ahead of dts (for
 * B-frames: the latest pts seen, less R frames); its duration is the
 * interval plus the lead, at least half the interval, so the next frame
 * starts close to where the camera says it belongs. */
#define G_LOG_DOMAIN "rvi-live"
#include "live-fmp4.h"
#include "fmp4-init.h"
#include "fmp4-put.h"
#include "rvi-error.h"

#define SAMPLE_FLAGS_SYNC 0x02000000      /* depends on no other sample */
#define SAMPLE_FLAGS_NON_SYNC 0x01010000  /* depends on others; is_non_sync_sample */
#define DEFAULT_FRAME_TICKS (RVI_FMP4_TIMESCALE / 25)
#define MAX_FRAME_TICKS RVI_FMP4_TIMESCALE  /* a longer pts step is a gap, not the frame rate */
#define MAX_CATCHUP_TICKS ((gint64) RVI_LIVE_FMP4_MAX_CATCHUP_MS * RVI_FMP4_TIMESCALE / 1000)
#define MAX_BACK_TICKS RVI_FMP4_TIMESCALE
#define MAX_REORDER 16
#define MAX_FRAME_BYTES (64u << 20)

struct _RviLiveFmp4 {
  gboolean have_init;
  guint params_serial;      /* of the init segment written */
  guint reorder;
  char mime[96];
  gint64 origin;            /* the pts at media time 0 */
  gint64 dts;               /* decode time of the next frame */
  gint64 interval;          /* predicted frame interval */
  gint64 last_pts;
  gint64 last_delta;        /* the pts step before, when it looked like a frame interval */
  gint64 mark;              /* reorder > 0: the latest presentation time seen */
  guint32 sequence;
  RviLiveFmp4Stats stats;
};

RviLiveFmp4 *
rvi_live_fmp4_new (void)
{
  return g_new0 (RviLiveFmp4, 1);
}

void
rvi_live_fmp4_free (RviLiveFmp4 *mux)
{
  g_free (mux);
}

char *
rvi_live_fmp4_mime_for (const RviVideoParams *params)
{
  return g_strdup_printf ("video/mp4; codecs=\"%s\"", params->codec_string);
}

const char *
rvi_live_fmp4_get_mime (RviLiveFmp4 *mux)
{
  return mux->mime[0] ? mux->mime : NULL;
}

void
rvi_live_fmp4_get_stats (RviLiveFmp4 *mux, RviLiveFmp4Stats *stats)
{
  *stats = mux->stats;
}

static gint64
nominal_ticks (const RviVideoParams *params)
{
  if (params->fps >= 1 && params->fps <= 1000)
    return (gint64) (RVI_FMP4_TIMESCALE / params->fps + 0.5);
  return DEFAULT_FRAME_TICKS;
}

/* Media time continues from dts; @pts becomes its presentation time
 * (R frames later with B-frames, so composition offsets stay positive). */
static void
anchor (RviLiveFmp4 *mux, gint64 pts)
{
  mux->origin = pts - mux->dts - (gint64) mux->reorder * mux->interval;
  mux->mark = pts - mux->origin;
  mux->last_pts = pts;
  mux->last_delta = 0;
}

static gboolean
write_init (RviLiveFmp4 *mux, const RviLiveFrame *frame, const RviVideoParams *params,
            GByteArray *out, GError **error)
{
  if (!rvi_fmp4_init_write (out, params, error))
    return FALSE;
  mux->have_init = TRUE;
  mux->params_serial = frame->params_serial;
  mux->reorder = MIN (params->reorder, MAX_REORDER);
  mux->interval = nominal_ticks (params);
  anchor (mux, frame->pts_90k);
  g_snprintf (mux->mime, sizeof mux->mime, "video/mp4; codecs=\"%s\"", params->codec_string);
  mux->stats.inits++;
  return TRUE;
}

/* Learns the frame interval from a pts step seen twice in a row (a single
 * long step is a lost frame, not a new rate). Decode-order steps of a
 * stream with B-frames are not intervals: it keeps the nominal one. */
static void
learn_interval (RviLiveFmp4 *mux, gint64 pts)
{
  gint64 delta = pts - mux->last_pts;

  mux->last_pts = pts;
  if (mux->reorder > 0)
    return;
  if (delta <= 0 || delta > MAX_FRAME_TICKS) {
    mux->last_delta = 0;
    return;
  }
  if (mux->last_delta > 0 && ABS (delta - mux->last_delta) <= delta / 4)
    mux->interval = delta;
  mux->last_delta = delta;
}

/* The duration and composition offset of the frame at @pts, starting at dts. */
static void
time_frame (RviLiveFmp4 *mux, gint64 pts, gint64 *duration, gint64 *offset)
{
  gint64 ideal, lead;
  gboolean back;

  learn_interval (mux, pts);
  ideal = pts - mux->origin;
  if (mux->reorder == 0) {
    lead = ideal - mux->dts;
    back = lead < -MAX_BACK_TICKS;
  } else {
    back = ideal < mux->mark - MAX_BACK_TICKS;
    mux->mark = MAX (mux->mark, ideal);
    lead = mux->mark - (gint64) mux->reorder * mux->interval - mux->dts;
  }
  if (back || lead > MAX_CATCHUP_TICKS) {
    g_debug ("camera clock jumped by %" G_GINT64_FORMAT " ticks: re-anchored", lead);
    anchor (mux, pts);
    ideal = pts - mux->origin;
    lead = 0;
    mux->stats.resyncs++;
  } else if (mux->reorder > 0) {
    /* B-frames: the decode-order pattern moves the lead within a band */
    gint64 band = (gint64) (mux->reorder + 2) * mux->interval;

    lead = lead > band ? lead - band : lead < -mux->interval ? lead + mux->interval : 0;
  }
  *duration = MAX (mux->interval + lead, MAX (mux->interval / 2, 1));
  *offset = mux->reorder > 0 ? CLAMP (ideal - mux->dts, G_MININT32, G_MAXINT32) : 0;
}

static void
put_fragment (RviLiveFmp4 *mux, gboolean key, const guint8 *data, gsize size, gint64 duration,
              gint64 offset, GByteArray *out)
{
  gsize moof = rvi_fmp4_box_begin (out, "moof"), traf, box, data_offset_at;

  box = rvi_fmp4_full_box_begin (out, "mfhd", 0, 0);
  rvi_fmp4_put_u32 (out, ++mux->sequence);
  rvi_fmp4_box_end (out, box);
  traf = rvi_fmp4_box_begin (out, "traf");
  box = rvi_fmp4_full_box_begin (out, "tfhd", 0, 0x020000);  /* default-base-is-moof */
  rvi_fmp4_put_u32 (out, RVI_FMP4_TRACK_ID);
  rvi_fmp4_box_end (out, box);
  box = rvi_fmp4_full_box_begin (out, "tfdt", 1, 0);
  rvi_fmp4_put_u64 (out, (guint64) mux->dts);
  rvi_fmp4_box_end (out, box);
  /* one sample: data offset, then its duration, size, flags, composition offset */
  box = rvi_fmp4_full_box_begin (out, "trun", 1, 0x000f01);
  rvi_fmp4_put_u32 (out, 1);
  data_offset_at = out->len;
  rvi_fmp4_put_u32 (out, 0);
  rvi_fmp4_put_u32 (out, (guint32) duration);
  rvi_fmp4_put_u32 (out, (guint32) size);
  rvi_fmp4_put_u32 (out, key ? SAMPLE_FLAGS_SYNC : SAMPLE_FLAGS_NON_SYNC);
  rvi_fmp4_put_u32 (out, (guint32) (gint32) offset);
  rvi_fmp4_box_end (out, box);
  rvi_fmp4_box_end (out, traf);
  rvi_fmp4_box_end (out, moof);
  rvi_fmp4_patch_u32 (out, data_offset_at, (guint32) (out->len - moof + 8));
  rvi_fmp4_put_u32 (out, (guint32) size + 8);
  g_byte_array_append (out, (const guint8 *) "mdat", 4);
  g_byte_array_append (out, data, (guint) size);
}

gboolean
rvi_live_fmp4_push (RviLiveFmp4 *mux, const RviLiveFrame *frame, const RviVideoParams *params,
                    GByteArray *out, gboolean *init_out, GError **error)
{
  gsize size = 0;
  const guint8 *data = frame->data ? g_bytes_get_data (frame->data, &size) : NULL;
  gboolean init = FALSE;
  gint64 duration, offset;

  if (init_out)
    *init_out = FALSE;
  if (size == 0 || size > MAX_FRAME_BYTES) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "frame of %" G_GSIZE_FORMAT " bytes",
                 size);
    return FALSE;
  }
  if (!mux->have_init || frame->params_serial != mux->params_serial) {
    mux->have_init = FALSE;
    if (!frame->key)
      return TRUE;   /* wait for a key frame with its parameter sets */
    if (!write_init (mux, frame, params, out, error))
      return FALSE;
    init = TRUE;
  }
  time_frame (mux, frame->pts_90k, &duration, &offset);
  put_fragment (mux, frame->key, data, size, duration, offset, out);
  mux->dts += duration;
  mux->stats.fragments++;
  mux->stats.end_ticks = mux->dts;
  if (init_out)
    *init_out = init;
  return TRUE;
}
