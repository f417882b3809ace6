/* fmp4-boxes.c: the moov and moof parsers of fmp4-index (see fmp4-boxes.h).
 *
 * DESIGN. A box body is a byte range; rvi_box_next() walks its children and
 * RviReader reads big-endian fields with a bounds check on every read (a
 * failed read sets reader.bad and returns 0, so parsers read straight on
 * and check once). Only the boxes on the path to the fields we need are
 * entered: moov/trak/{tkhd, mdia/{mdhd, hdlr, minf/stbl/stsd}}, moov/mvex/trex,
 * moof/traf/{tfhd, tfdt, trun}. Everything else is skipped by size. */
#define G_LOG_DOMAIN "rvi-fmp4"

#include "fmp4-boxes.h"

#include <string.h>

typedef struct {
  const guint8 *data;
  gsize size;
  gsize pos;
  gboolean bad;
} RviReader;

static void
reader_init (RviReader *r, const guint8 *data, gsize size)
{
  r->data = data;
  r->size = size;
  r->pos = 0;
  r->bad = FALSE;
}

static gboolean
reader_skip (RviReader *r, gsize n)
{
  if (r->bad || r->size - r->pos < n) {
    r->bad = TRUE;
    return FALSE;
  }
  r->pos += n;
  return TRUE;
}

static guint64
reader_uint (RviReader *r, guint bytes)
{
  guint64 v = 0;

  if (!reader_skip (r, bytes))
    return 0;
  for (guint i = 0; i < bytes; i++)
    v = (v << 8) | r->data[r->pos - bytes + i];
  return v;
}

/* The next child box of @r: its type and body. FALSE at the end, or with
 * r->bad set on a malformed size. */
static gboolean
rvi_box_next (RviReader *r, guint32 *type, RviReader *body)
{
  guint64 size, header = 8;

  if (r->bad || r->size - r->pos < 8)
    return FALSE;
  size = reader_uint (r, 4);
  *type = (guint32) reader_uint (r, 4);
  if (size == 1) {
    size = reader_uint (r, 8);
    header = 16;
  } else if (size == 0) {
    size = r->size - r->pos + 8;
  }
  if (r->bad || size < header || size - header > r->size - r->pos) {
    r->bad = TRUE;
    return FALSE;
  }
  reader_init (body, r->data + r->pos, size - header);
  r->pos += size - header;
  return TRUE;
}

#define FOURCC(a, b, c, d) \
  ((guint32) (a) << 24 | (guint32) (b) << 16 | (guint32) (c) << 8 | (guint32) (d))

/* The first child of @r with @type, or FALSE. */
static gboolean
find_child (RviReader r, guint32 type, RviReader *child)
{
  guint32 t;

  while (rvi_box_next (&r, &t, child))
    if (t == type)
      return TRUE;
  return FALSE;
}

void
rvi_fmp4_track_clear (RviFmp4Track *track)
{
  g_clear_pointer (&track->codec, g_free);
  g_clear_pointer (&track->codec_string, g_free);
  memset (track, 0, sizeof *track);
}

/* avc1.PPCCLL from an avcC body. */
static char *
avc_codec_string (const char *entry, RviReader c)
{
  guint64 profile, compat, level;

  reader_skip (&c, 1);
  profile = reader_uint (&c, 1);
  compat = reader_uint (&c, 1);
  level = reader_uint (&c, 1);
  if (c.bad)
    return NULL;
  return g_strdup_printf ("%s.%02x%02x%02x", entry, (guint) profile, (guint) compat,
                          (guint) level);
}

/* ISO/IEC 14496-15 E.3: hvc1.[A-C]?profile.compat(reversed).Ltier+level.constraints */
static char *
hevc_codec_string (const char *entry, RviReader c)
{
  guint8 constraints[6];
  guint64 b, compat, level;
  guint32 reversed = 0;
  guint last = 0;
  GString *s;

  reader_skip (&c, 1);
  b = reader_uint (&c, 1);
  compat = reader_uint (&c, 4);
  for (guint i = 0; i < 6; i++)
    constraints[i] = (guint8) reader_uint (&c, 1);
  level = reader_uint (&c, 1);
  if (c.bad)
    return NULL;
  for (guint i = 0; i < 32; i++)
    if (compat & (1u << i))
      reversed |= 1u << (31 - i);
  s = g_string_new (entry);
  g_string_append_c (s, '.');
  if ((b >> 6) != 0)
    g_string_append_c (s, (char) ('A' + (b >> 6) - 1));
  g_string_append_printf (s, "%u.%X.%c%u", (guint) (b & 0x1f), reversed,
                          (b & 0x20) ? 'H' : 'L', (guint) level);
  for (guint i = 0; i < 6; i++)
    if (constraints[i] != 0)
      last = i + 1;
  for (guint i = 0; i < last; i++)
    g_string_append_printf (s, ".%X", constraints[i]);
  return g_string_free (s, FALSE);
}

/* Fills codec, size and codec string from a visual sample entry. */
static gboolean
parse_sample_entry (guint32 type, RviReader e, RviFmp4Track *track)
{
  RviReader config;
  gboolean h265 = type == FOURCC ('h', 'v', 'c', '1') || type == FOURCC ('h', 'e', 'v', '1');

  if (!h265 && type != FOURCC ('a', 'v', 'c', '1') && type != FOURCC ('a', 'v', 'c', '3'))
    return FALSE;
  for (guint i = 0; i < 4; i++)
    track->sample_entry[i] = (char) (type >> (24 - 8 * i));
  reader_skip (&e, 24);
  track->width = (int) reader_uint (&e, 2);
  track->height = (int) reader_uint (&e, 2);
  reader_skip (&e, 50);
  if (e.bad)
    return FALSE;
  reader_init (&e, e.data + e.pos, e.size - e.pos);
  track->codec = g_strdup (h265 ? "h265" : "h264");
  if (find_child (e, h265 ? FOURCC ('h', 'v', 'c', 'C') : FOURCC ('a', 'v', 'c', 'C'), &config))
    track->codec_string = h265 ? hevc_codec_string (track->sample_entry, config)
                               : avc_codec_string (track->sample_entry, config);
  if (track->codec_string == NULL)
    track->codec_string = g_strdup (track->sample_entry);
  return TRUE;
}

/* TRUE when @trak is a video track with an H.264/H.265 sample entry. */
static gboolean
parse_trak (RviReader trak, RviFmp4Track *track)
{
  RviReader tkhd, mdia, mdhd, hdlr, minf, stbl, stsd, entry;
  guint64 version;
  guint32 type;

  if (!find_child (trak, FOURCC ('t', 'k', 'h', 'd'), &tkhd) ||
      !find_child (trak, FOURCC ('m', 'd', 'i', 'a'), &mdia) ||
      !find_child (mdia, FOURCC ('m', 'd', 'h', 'd'), &mdhd) ||
      !find_child (mdia, FOURCC ('h', 'd', 'l', 'r'), &hdlr) ||
      !find_child (mdia, FOURCC ('m', 'i', 'n', 'f'), &minf) ||
      !find_child (minf, FOURCC ('s', 't', 'b', 'l'), &stbl) ||
      !find_child (stbl, FOURCC ('s', 't', 's', 'd'), &stsd))
    return FALSE;
  reader_skip (&hdlr, 8);
  if (reader_uint (&hdlr, 4) != FOURCC ('v', 'i', 'd', 'e') || hdlr.bad)
    return FALSE;
  version = reader_uint (&tkhd, 1);
  reader_skip (&tkhd, version == 1 ? 19 : 11);
  track->track_id = (guint32) reader_uint (&tkhd, 4);
  version = reader_uint (&mdhd, 1);
  reader_skip (&mdhd, version == 1 ? 19 : 11);
  track->timescale = (guint32) reader_uint (&mdhd, 4);
  reader_skip (&stsd, 8);
  if (tkhd.bad || mdhd.bad || stsd.bad || track->timescale == 0 ||
      !rvi_box_next (&stsd, &type, &entry))
    return FALSE;
  return parse_sample_entry (type, entry, track);
}

gboolean
rvi_fmp4_parse_moov (const guint8 *data, gsize size, RviFmp4Track *track, GError **error)
{
  RviReader moov, box, trex;
  guint32 type;

  memset (track, 0, sizeof *track);
  reader_init (&moov, data, size);
  while (rvi_box_next (&moov, &type, &box)) {
    if (type == FOURCC ('t', 'r', 'a', 'k') && track->codec == NULL && !parse_trak (box, track))
      rvi_fmp4_track_clear (track);
  }
  if (moov.bad || track->codec == NULL) {
    rvi_fmp4_track_clear (track);
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 moov.bad ? "malformed moov box" : "no h264 or h265 video track");
    return FALSE;
  }
  /* the trex defaults of our track */
  reader_init (&moov, data, size);
  if (find_child (moov, FOURCC ('m', 'v', 'e', 'x'), &box)) {
    while (rvi_box_next (&box, &type, &trex)) {
      if (type != FOURCC ('t', 'r', 'e', 'x'))
        continue;
      reader_skip (&trex, 4);
      if (reader_uint (&trex, 4) != track->track_id)
        continue;
      reader_skip (&trex, 4);
      track->default_duration = (guint32) reader_uint (&trex, 4);
      reader_skip (&trex, 4);
      track->default_flags = (guint32) reader_uint (&trex, 4);
    }
  }
  return TRUE;
}

static gboolean
is_sync (guint32 flags)
{
  return (flags & 0x10000) == 0;  /* sample_is_non_sync_sample */
}

/* Adds one trun to @run. */
static gboolean
parse_trun (RviReader trun, guint32 default_duration, guint32 default_flags, gboolean first,
            RviFmp4Run *run)
{
  guint32 flags = (guint32) reader_uint (&trun, 4) & 0xffffff;
  guint64 count = reader_uint (&trun, 4);
  guint64 first_flags = default_flags;
  gsize per_sample = 0;

  if (flags & 0x1)
    reader_skip (&trun, 4);
  if (flags & 0x4)
    first_flags = reader_uint (&trun, 4);
  for (guint32 bit = 0x100; bit <= 0x800; bit <<= 1)
    if (flags & bit)
      per_sample += 4;
  if (trun.bad || (per_sample > 0 && count > (trun.size - trun.pos) / per_sample))
    return FALSE;
  for (guint64 i = 0; i < count; i++) {
    guint64 duration = (flags & 0x100) ? reader_uint (&trun, 4) : default_duration;
    guint64 sample_flags;

    if (flags & 0x200)
      reader_skip (&trun, 4);
    sample_flags = (flags & 0x400) ? reader_uint (&trun, 4) : default_flags;
    if (flags & 0x800)
      reader_skip (&trun, 4);
    if (i == 0 && first)
      run->key = is_sync ((guint32) ((flags & 0x4) ? first_flags : sample_flags));
    run->duration += duration;
  }
  run->samples += (guint32) count;
  return !trun.bad;
}

gboolean
rvi_fmp4_parse_moof (const guint8 *data, gsize size, const RviFmp4Track *track,
                     RviFmp4Run *run, GError **error)
{
  RviReader moof, traf, box;
  guint32 type;
  gboolean found = FALSE, ok = TRUE;

  memset (run, 0, sizeof *run);
  reader_init (&moof, data, size);
  while (ok && !found && rvi_box_next (&moof, &type, &traf)) {
    guint32 duration = track->default_duration, flags = track->default_flags, tf;
    gboolean first = TRUE;

    if (type != FOURCC ('t', 'r', 'a', 'f') || !find_child (traf, FOURCC ('t', 'f', 'h', 'd'), &box))
      continue;
    tf = (guint32) reader_uint (&box, 4) & 0xffffff;
    if (reader_uint (&box, 4) != track->track_id || box.bad)
      continue;
    reader_skip (&box, (tf & 0x1) ? 8 : 0);
    reader_skip (&box, (tf & 0x2) ? 4 : 0);
    if (tf & 0x8)
      duration = (guint32) reader_uint (&box, 4);
    reader_skip (&box, (tf & 0x10) ? 4 : 0);
    if (tf & 0x20)
      flags = (guint32) reader_uint (&box, 4);
    found = TRUE;
    ok = !box.bad;
    if (ok && find_child (traf, FOURCC ('t', 'f', 'd', 't'), &box)) {
      guint64 version = reader_uint (&box, 1);

      reader_skip (&box, 3);
      run->base_decode_time = reader_uint (&box, version == 1 ? 8 : 4);
      ok = !box.bad;
    }
    while (ok && rvi_box_next (&traf, &type, &box)) {
      if (type != FOURCC ('t', 'r', 'u', 'n'))
        continue;
      ok = parse_trun (box, duration, flags, first, run);
      first = FALSE;
    }
    ok = ok && !traf.bad;
  }
  if (!ok || moof.bad || !found || run->samples == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 found ? "malformed moof box" : "moof without the video track");
    return FALSE;
  }
  return TRUE;
}
