/* fmp4-init.c: the init segment of the fMP4 writer, ftyp + moov (see
 * fmp4-init.h).
 *
 * The moov describes one video track (ID 1, timescale 90 kHz) with empty
 * sample tables: every sample lives in a fragment, announced by mvex/trex.
 * Durations are 0 (unknown), as fragmented files are written before their
 * length is known. Brands: isom major, with iso5/iso6 (fragments with
 * default-base-is-moof, tfdt, signed composition offsets) and mp41;
 * avc1 for H.264. */
#include "fmp4-init.h"
#include "fmp4-put.h"
#include "fmp4-sample-entry.h"

static const guint32 unity_matrix[9] = {
  0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000,
};

static void
put_matrix (GByteArray *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (unity_matrix); i++)
    rvi_fmp4_put_u32 (out, unity_matrix[i]);
}

static void
put_ftyp (GByteArray *out, RviCodec codec)
{
  gsize box = rvi_fmp4_box_begin (out, "ftyp");

  g_byte_array_append (out, (const guint8 *) "isom", 4);
  rvi_fmp4_put_u32 (out, 0x200);  /* minor_version */
  g_byte_array_append (out, (const guint8 *) "isomiso5iso6mp41", 16);
  if (codec == RVI_CODEC_H264)
    g_byte_array_append (out, (const guint8 *) "avc1", 4);
  rvi_fmp4_box_end (out, box);
}

static void
put_mvhd (GByteArray *out)
{
  gsize box = rvi_fmp4_full_box_begin (out, "mvhd", 0, 0);

  rvi_fmp4_put_zeros (out, 8);    /* creation, modification time */
  rvi_fmp4_put_u32 (out, 1000);   /* timescale */
  rvi_fmp4_put_u32 (out, 0);      /* duration */
  rvi_fmp4_put_u32 (out, 0x00010000);  /* rate 1.0 */
  rvi_fmp4_put_u16 (out, 0x0100);      /* volume 1.0 */
  rvi_fmp4_put_zeros (out, 10);
  put_matrix (out);
  rvi_fmp4_put_zeros (out, 24);   /* pre_defined */
  rvi_fmp4_put_u32 (out, RVI_FMP4_TRACK_ID + 1);  /* next_track_ID */
  rvi_fmp4_box_end (out, box);
}

static void
put_tkhd (GByteArray *out, const RviVideoParams *params)
{
  gsize box = rvi_fmp4_full_box_begin (out, "tkhd", 0, 0x3);  /* enabled, in movie */

  rvi_fmp4_put_zeros (out, 8);
  rvi_fmp4_put_u32 (out, RVI_FMP4_TRACK_ID);
  rvi_fmp4_put_u32 (out, 0);      /* reserved */
  rvi_fmp4_put_u32 (out, 0);      /* duration */
  rvi_fmp4_put_zeros (out, 16);   /* reserved, layer, alternate_group, volume, reserved */
  put_matrix (out);
  rvi_fmp4_put_u32 (out, (guint32) params->width << 16);
  rvi_fmp4_put_u32 (out, (guint32) params->height << 16);
  rvi_fmp4_box_end (out, box);
}

static void
put_mdhd_hdlr (GByteArray *out)
{
  static const char name[] = "VideoHandler";
  gsize box = rvi_fmp4_full_box_begin (out, "mdhd", 0, 0);

  rvi_fmp4_put_zeros (out, 8);
  rvi_fmp4_put_u32 (out, RVI_FMP4_TIMESCALE);
  rvi_fmp4_put_u32 (out, 0);
  rvi_fmp4_put_u16 (out, 0x55c4);  /* language "und" */
  rvi_fmp4_put_u16 (out, 0);
  rvi_fmp4_box_end (out, box);

  box = rvi_fmp4_full_box_begin (out, "hdlr", 0, 0);
  rvi_fmp4_put_u32 (out, 0);
  g_byte_array_append (out, (const guint8 *) "vide", 4);
  rvi_fmp4_put_zeros (out, 12);
  g_byte_array_append (out, (const guint8 *) name, sizeof name);  /* with its NUL */
  rvi_fmp4_box_end (out, box);
}

/* minf: vmhd, dinf/dref/url, stbl with the sample entry and empty tables. */
static gboolean
put_minf (GByteArray *out, const RviVideoParams *params, GError **error)
{
  gsize minf = rvi_fmp4_box_begin (out, "minf"), box, inner, stbl;

  box = rvi_fmp4_full_box_begin (out, "vmhd", 0, 1);
  rvi_fmp4_put_zeros (out, 8);  /* graphicsmode, opcolor */
  rvi_fmp4_box_end (out, box);

  box = rvi_fmp4_box_begin (out, "dinf");
  inner = rvi_fmp4_full_box_begin (out, "dref", 0, 0);
  rvi_fmp4_put_u32 (out, 1);
  rvi_fmp4_box_end (out, rvi_fmp4_full_box_begin (out, "url ", 0, 1));  /* media in this file */
  rvi_fmp4_box_end (out, inner);
  rvi_fmp4_box_end (out, box);

  stbl = rvi_fmp4_box_begin (out, "stbl");
  box = rvi_fmp4_full_box_begin (out, "stsd", 0, 0);
  rvi_fmp4_put_u32 (out, 1);
  if (!rvi_fmp4_sample_entry_write (out, params, error))
    return FALSE;
  rvi_fmp4_box_end (out, box);
  for (guint i = 0; i < 3; i++) {
    box = rvi_fmp4_full_box_begin (out, i == 0 ? "stts" : i == 1 ? "stsc" : "stco", 0, 0);
    rvi_fmp4_put_u32 (out, 0);  /* entry_count */
    rvi_fmp4_box_end (out, box);
  }
  box = rvi_fmp4_full_box_begin (out, "stsz", 0, 0);
  rvi_fmp4_put_zeros (out, 8);  /* sample_size, sample_count */
  rvi_fmp4_box_end (out, box);
  rvi_fmp4_box_end (out, stbl);
  rvi_fmp4_box_end (out, minf);
  return TRUE;
}

static void
put_mvex (GByteArray *out)
{
  gsize mvex = rvi_fmp4_box_begin (out, "mvex");
  gsize box = rvi_fmp4_full_box_begin (out, "trex", 0, 0);

  rvi_fmp4_put_u32 (out, RVI_FMP4_TRACK_ID);
  rvi_fmp4_put_u32 (out, 1);   /* default_sample_description_index */
  rvi_fmp4_put_zeros (out, 12);  /* default duration, size, flags: every trun states them */
  rvi_fmp4_box_end (out, box);
  rvi_fmp4_box_end (out, mvex);
}

gboolean
rvi_fmp4_init_write (GByteArray *out, const RviVideoParams *params, GError **error)
{
  guint start = out->len;
  gsize moov, trak, mdia;

  put_ftyp (out, params->codec);
  moov = rvi_fmp4_box_begin (out, "moov");
  put_mvhd (out);
  trak = rvi_fmp4_box_begin (out, "trak");
  put_tkhd (out, params);
  mdia = rvi_fmp4_box_begin (out, "mdia");
  put_mdhd_hdlr (out);
  if (!put_minf (out, params, error)) {
    g_byte_array_set_size (out, start);
    return FALSE;
  }
  rvi_fmp4_box_end (out, mdia);
  rvi_fmp4_box_end (out, trak);
  put_mvex (out);
  rvi_fmp4_box_end (out, moov);
  return TRUE;
}
