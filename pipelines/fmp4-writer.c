/* fmp4-writer.c: access units to fragmented MP4 (see fmp4-writer.h).
 *
 * DESIGN. Samples wait in one queue, in decode order, with their bytes in
 * one payload buffer. The queue has two parts: at its head the samples of
 * the fragment being built (their decode times known), behind them at most
 * R samples held for reordering. Each push appends a sample and its
 * presentation time to a small pool; once more than R samples are held,
 * the oldest gets the smallest time of the pool as its decode time (forced
 * above the previous one). Giving a sample its decode time is the only
 * moment a fragment can close: the new time ends the last sample of the
 * fragment, so the fragment is complete, and it is closed when the new
 * sample is a key frame or the fragment spans fragment_ms. Closing writes
 * moof + mdat for the head of the queue and drops it from the queue and
 * the payload (a memmove; nothing is allocated once the buffers have
 * grown). At most one sample gets its time per push, so a push closes at
 * most one fragment.
 *
 * finish() gives the held samples their times from what is left in the
 * pool and writes them with the fragment being built as one last
 * fragment, as the header says; a key frame among the last R frames of a
 * file then does not start a fragment. A recorder that cuts files at key
 * frames never hits that case: the key frame is the first of the next file.
 *
 * Times in the file (tfdt) are relative to the file's first decode time,
 * so every file starts at 0; the fragment info's microseconds are scaled
 * end points first, as fmp4-index does, so both agree to the microsecond. */
#define G_LOG_DOMAIN "rvi-fmp4"

#include "fmp4-writer.h"
#include "fmp4-init.h"
#include "fmp4-put.h"

#define SAMPLE_FLAGS_SYNC 0x02000000      /* depends on no other sample */
#define SAMPLE_FLAGS_NON_SYNC 0x01010000  /* depends on others; is_non_sync_sample */
#define MAX_REORDER 16

typedef struct {
  gint64 pts;
  gint64 dts;         /* set once the sample is in the fragment being built */
  guint32 offset;     /* of its bytes in the payload */
  guint32 size;
  gboolean key;
} RviFmp4Sample;

struct _RviFmp4Writer {
  guint fragment_ms;
  gboolean open;            /* between begin and finish */
  guint reorder;
  gint64 default_duration;  /* 90 kHz; for a file of one frame */
  GArray *samples;          /* RviFmp4Sample, decode order, not yet written */
  guint timed;              /* samples at the head with a decode time: the fragment */
  GArray *pool;             /* gint64 presentation times not yet used as decode times */
  GByteArray *payload;      /* the bytes of the queued samples, in order */
  gboolean have_dts;
  gint64 first_dts;         /* the file's first decode time */
  gint64 last_dts;
  gint64 last_duration;     /* of the last sample whose successor has a decode time */
  gint64 written_ticks;     /* end of the last fragment written, from first_dts */
  guint32 sequence;
};

RviFmp4Writer *
rvi_fmp4_writer_new (guint fragment_ms)
{
  RviFmp4Writer *writer = g_new0 (RviFmp4Writer, 1);

  writer->fragment_ms = fragment_ms;
  writer->samples = g_array_new (FALSE, FALSE, sizeof (RviFmp4Sample));
  writer->pool = g_array_new (FALSE, FALSE, sizeof (gint64));
  writer->payload = g_byte_array_new ();
  return writer;
}

void
rvi_fmp4_writer_free (RviFmp4Writer *writer)
{
  if (writer == NULL)
    return;
  g_array_unref (writer->samples);
  g_array_unref (writer->pool);
  g_byte_array_unref (writer->payload);
  g_free (writer);
}

gboolean
rvi_fmp4_writer_begin (RviFmp4Writer *writer, const RviVideoParams *params, GByteArray *out,
                       GError **error)
{
  g_return_val_if_fail (!writer->open, FALSE);

  if (!rvi_fmp4_init_write (out, params, error))
    return FALSE;
  writer->open = TRUE;
  writer->reorder = MIN (params->reorder, MAX_REORDER);
  writer->default_duration = params->fps >= 1 && params->fps <= 1000
                             ? (gint64) (RVI_FMP4_TIMESCALE / params->fps + 0.5) : 3000;
  g_array_set_size (writer->samples, 0);
  g_array_set_size (writer->pool, 0);
  g_byte_array_set_size (writer->payload, 0);
  writer->timed = 0;
  writer->have_dts = FALSE;
  writer->first_dts = writer->last_dts = 0;
  writer->last_duration = 0;
  writer->written_ticks = 0;
  writer->sequence = 0;
  return TRUE;
}

static gint64
ticks_to_us (gint64 ticks)
{
  return ticks / RVI_FMP4_TIMESCALE * G_USEC_PER_SEC +
         ticks % RVI_FMP4_TIMESCALE * G_USEC_PER_SEC / RVI_FMP4_TIMESCALE;
}

static guint32
clamp_u32 (gint64 v)
{
  return (guint32) CLAMP (v, 0, (gint64) G_MAXUINT32);
}

static void
put_traf (RviFmp4Writer *writer, guint n, gint64 last_duration, GByteArray *out,
          gsize *data_offset_at)
{
  const RviFmp4Sample *s = (const RviFmp4Sample *) (void *) writer->samples->data;
  gsize traf = rvi_fmp4_box_begin (out, "traf"), box;

  box = rvi_fmp4_full_box_begin (out, "tfhd", 0, 0x020000);  /* default-base-is-moof */
  rvi_fmp4_put_u32 (out, RVI_FMP4_TRACK_ID);
  rvi_fmp4_box_end (out, box);

  box = rvi_fmp4_full_box_begin (out, "tfdt", 1, 0);
  rvi_fmp4_put_u64 (out, (guint64) (s[0].dts - writer->first_dts));
  rvi_fmp4_box_end (out, box);

  /* data offset, then duration, size, flags, composition offset per sample */
  box = rvi_fmp4_full_box_begin (out, "trun", 1, 0x000f01);
  rvi_fmp4_put_u32 (out, n);
  *data_offset_at = out->len;
  rvi_fmp4_put_u32 (out, 0);
  for (guint i = 0; i < n; i++) {
    gint64 duration = i + 1 < n ? s[i + 1].dts - s[i].dts : last_duration;
    gint64 offset = CLAMP (s[i].pts - s[i].dts, (gint64) G_MININT32, (gint64) G_MAXINT32);

    rvi_fmp4_put_u32 (out, clamp_u32 (duration));
    rvi_fmp4_put_u32 (out, s[i].size);
    rvi_fmp4_put_u32 (out, s[i].key ? SAMPLE_FLAGS_SYNC : SAMPLE_FLAGS_NON_SYNC);
    rvi_fmp4_put_u32 (out, (guint32) (gint32) offset);
  }
  rvi_fmp4_box_end (out, box);
  rvi_fmp4_box_end (out, traf);
}

/* Writes the first @n queued samples as moof + mdat, the last lasting
 * @last_duration, and drops them from the queue. */
static void
write_fragment (RviFmp4Writer *writer, guint n, gint64 last_duration, GByteArray *out,
                RviFmp4FragmentInfo *fragment)
{
  const RviFmp4Sample *first = &g_array_index (writer->samples, RviFmp4Sample, 0);
  const RviFmp4Sample *last = &g_array_index (writer->samples, RviFmp4Sample, n - 1);
  guint32 bytes = last->offset + last->size;
  gint64 from = first->dts - writer->first_dts;
  gsize start = out->len, moof, box, data_offset_at;
  RviFmp4FragmentInfo info = { 0 };

  g_assert (n > 0 && n <= writer->timed && bytes <= G_MAXUINT32 - 8);
  moof = rvi_fmp4_box_begin (out, "moof");
  box = rvi_fmp4_full_box_begin (out, "mfhd", 0, 0);
  rvi_fmp4_put_u32 (out, ++writer->sequence);
  rvi_fmp4_box_end (out, box);
  put_traf (writer, n, last_duration, out, &data_offset_at);
  rvi_fmp4_box_end (out, moof);
  rvi_fmp4_patch_u32 (out, data_offset_at, (guint32) (out->len - moof + 8));
  rvi_fmp4_put_u32 (out, bytes + 8);
  g_byte_array_append (out, (const guint8 *) "mdat", 4);
  g_byte_array_append (out, writer->payload->data, bytes);

  writer->written_ticks = last->dts + last_duration - writer->first_dts;
  info.size = out->len - start;
  info.start_us = ticks_to_us (from);
  info.duration_us = ticks_to_us (writer->written_ticks) - info.start_us;
  info.samples = n;
  info.key = first->key;
  if (fragment != NULL)
    *fragment = info;

  g_array_remove_range (writer->samples, 0, n);
  g_byte_array_remove_range (writer->payload, 0, bytes);
  for (guint i = 0; i < writer->samples->len; i++)
    g_array_index (writer->samples, RviFmp4Sample, i).offset -= bytes;
  writer->timed -= n;
}

/* Takes the smallest presentation time out of the pool. */
static gint64
pool_take_min (GArray *pool)
{
  gint64 *t = (gint64 *) (void *) pool->data, min;
  guint at = 0;

  g_assert (pool->len > 0);
  for (guint i = 1; i < pool->len; i++)
    if (t[i] < t[at])
      at = i;
  min = t[at];
  g_array_remove_index_fast (pool, at);
  return min;
}

/* Gives the oldest held sample its decode time; with @may_close, first
 * closes the fragment when that is due. TRUE when a fragment was written. */
static gboolean
time_next_sample (RviFmp4Writer *writer, gboolean may_close, GByteArray *out,
                  RviFmp4FragmentInfo *fragment)
{
  gint64 dts = pool_take_min (writer->pool);
  gboolean closed = FALSE;
  RviFmp4Sample *s;

  if (writer->have_dts && dts <= writer->last_dts)
    dts = writer->last_dts + 1;
  if (!writer->have_dts) {
    writer->have_dts = TRUE;
    writer->first_dts = dts;
  } else {
    writer->last_duration = dts - writer->last_dts;
  }
  if (may_close && writer->timed > 0) {
    const RviFmp4Sample *head = &g_array_index (writer->samples, RviFmp4Sample, 0);
    const RviFmp4Sample *next = &g_array_index (writer->samples, RviFmp4Sample, writer->timed);

    if (next->key || dts - head->dts >= (gint64) writer->fragment_ms * RVI_FMP4_TIMESCALE / 1000) {
      write_fragment (writer, writer->timed, writer->last_duration, out, fragment);
      closed = TRUE;
    }
  }
  s = &g_array_index (writer->samples, RviFmp4Sample, writer->timed);
  s->dts = dts;
  writer->last_dts = dts;
  writer->timed++;
  return closed;
}

gboolean
rvi_fmp4_writer_push (RviFmp4Writer *writer, gint64 pts_90k, gboolean key, const guint8 *data,
                      gsize size, GByteArray *out, RviFmp4FragmentInfo *fragment)
{
  RviFmp4Sample sample = { 0 };

  g_return_val_if_fail (writer->open, FALSE);
  g_return_val_if_fail (key || writer->have_dts || writer->samples->len > 0, FALSE);
  g_return_val_if_fail (size > 0 && size <= G_MAXUINT32 - writer->payload->len - 8, FALSE);

  sample.pts = pts_90k;
  sample.offset = writer->payload->len;
  sample.size = (guint32) size;
  sample.key = key;
  g_array_append_val (writer->samples, sample);
  g_array_append_val (writer->pool, pts_90k);
  g_byte_array_append (writer->payload, data, (guint) size);
  if (writer->samples->len - writer->timed <= writer->reorder)
    return FALSE;
  return time_next_sample (writer, TRUE, out, fragment);
}

static gboolean
finish (RviFmp4Writer *writer, gboolean have_end, gint64 end_pts, GByteArray *out,
        RviFmp4FragmentInfo *fragment)
{
  gint64 last_duration;
  const RviFmp4Sample *last;

  if (!writer->open)
    return FALSE;
  writer->open = FALSE;
  while (writer->timed < writer->samples->len)
    time_next_sample (writer, FALSE, out, NULL);
  if (writer->samples->len == 0)
    return FALSE;
  last = &g_array_index (writer->samples, RviFmp4Sample, writer->samples->len - 1);
  last_duration = writer->last_duration > 0 ? writer->last_duration : writer->default_duration;
  if (have_end && end_pts > last->dts)
    last_duration = end_pts - last->dts;
  write_fragment (writer, writer->samples->len, last_duration, out, fragment);
  return TRUE;
}

gboolean
rvi_fmp4_writer_finish (RviFmp4Writer *writer, GByteArray *out, RviFmp4FragmentInfo *fragment)
{
  return finish (writer, FALSE, 0, out, fragment);
}

gboolean
rvi_fmp4_writer_finish_at (RviFmp4Writer *writer, gint64 end_pts_90k, GByteArray *out,
                           RviFmp4FragmentInfo *fragment)
{
  return finish (writer, TRUE, end_pts_90k, out, fragment);
}

gint64
rvi_fmp4_writer_duration_us (RviFmp4Writer *writer)
{
  return ticks_to_us (writer->written_ticks);
}
