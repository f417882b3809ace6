/* fmp4-sample-entry.c: avc1/avcC and hvc1/hvcC (see fmp4-sample-entry.h).
 *
 * Parameter sets go in the configuration record only; the samples carry
 * NAL units with 4-byte lengths (lengthSizeMinusOne 3). hvcC leaves
 * parallelismType, avgFrameRate and constantFrameRate 0 ("unknown"), which
 * the format allows, so the PPS need not be parsed. */
#include "fmp4-sample-entry.h"
#include "fmp4-put.h"
#include "rvi-error.h"

static void
put_nal (GByteArray *out, GBytes *nal)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (nal, &size);

  rvi_fmp4_put_u16 (out, (guint16) size);
  g_byte_array_append (out, data, (guint) size);
}

/* AVCDecoderConfigurationRecord (14496-15 5.3.3.1). */
static void
put_avcc (GByteArray *out, const RviVideoParams *params)
{
  const RviVideoProfile *p = &params->profile;
  gsize box = rvi_fmp4_box_begin (out, "avcC");

  rvi_fmp4_put_u8 (out, 1);
  rvi_fmp4_put_u8 (out, p->profile_idc);
  rvi_fmp4_put_u8 (out, p->constraints);
  rvi_fmp4_put_u8 (out, p->level_idc);
  rvi_fmp4_put_u8 (out, 0xfc | 3);  /* lengthSizeMinusOne */
  rvi_fmp4_put_u8 (out, 0xe0 | 1);  /* one SPS */
  put_nal (out, params->sps);
  rvi_fmp4_put_u8 (out, 1);         /* one PPS */
  put_nal (out, params->pps);
  if (p->profile_idc == 100 || p->profile_idc == 110 || p->profile_idc == 122 ||
      p->profile_idc == 144) {
    rvi_fmp4_put_u8 (out, 0xfc | (p->chroma_format_idc & 3));
    rvi_fmp4_put_u8 (out, 0xf8 | ((p->bit_depth_luma - 8) & 7));
    rvi_fmp4_put_u8 (out, 0xf8 | ((p->bit_depth_chroma - 8) & 7));
    rvi_fmp4_put_u8 (out, 0);       /* numOfSequenceParameterSetExt */
  }
  rvi_fmp4_box_end (out, box);
}

/* HEVCDecoderConfigurationRecord (14496-15 8.3.3.1). */
static void
put_hvcc (GByteArray *out, const RviVideoParams *params)
{
  const RviVideoProfile *p = &params->profile;
  GBytes *sets[3] = { params->vps, params->sps, params->pps };
  const guint8 types[3] = { 32, 33, 34 };
  gsize box = rvi_fmp4_box_begin (out, "hvcC");

  rvi_fmp4_put_u8 (out, 1);
  rvi_fmp4_put_u8 (out, (guint8) ((p->profile_space & 3) << 6 | (p->tier & 1) << 5 |
                                  (p->profile_idc & 0x1f)));
  rvi_fmp4_put_u32 (out, p->compatibility);
  g_byte_array_append (out, p->constraint_flags, sizeof p->constraint_flags);
  rvi_fmp4_put_u8 (out, p->level_idc);
  rvi_fmp4_put_u16 (out, (guint16) (0xf000 | (p->min_spatial_segmentation & 0xfff)));
  rvi_fmp4_put_u8 (out, 0xfc);      /* parallelismType unknown */
  rvi_fmp4_put_u8 (out, 0xfc | (p->chroma_format_idc & 3));
  rvi_fmp4_put_u8 (out, 0xf8 | ((p->bit_depth_luma - 8) & 7));
  rvi_fmp4_put_u8 (out, 0xf8 | ((p->bit_depth_chroma - 8) & 7));
  rvi_fmp4_put_u16 (out, 0);        /* avgFrameRate */
  /* constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3 */
  rvi_fmp4_put_u8 (out, (guint8) ((p->temporal_layers & 7) << 3 |
                                  (p->temporal_id_nested ? 1 : 0) << 2 | 3));
  rvi_fmp4_put_u8 (out, G_N_ELEMENTS (sets));
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++) {
    rvi_fmp4_put_u8 (out, 0x80 | types[i]);  /* array_completeness */
    rvi_fmp4_put_u16 (out, 1);
    put_nal (out, sets[i]);
  }
  rvi_fmp4_box_end (out, box);
}

static gboolean
fits (GBytes *nal)
{
  return nal != NULL && g_bytes_get_size (nal) > 0 && g_bytes_get_size (nal) <= G_MAXUINT16;
}

gboolean
rvi_fmp4_sample_entry_write (GByteArray *out, const RviVideoParams *params, GError **error)
{
  gboolean h265 = params->codec == RVI_CODEC_H265;
  gsize box;

  if ((params->codec != RVI_CODEC_H264 && !h265) || !fits (params->sps) || !fits (params->pps) ||
      (h265 && !fits (params->vps)) || params->width <= 0 || params->width > G_MAXUINT16 ||
      params->height <= 0 || params->height > G_MAXUINT16) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "video parameters cannot be written to mp4");
    return FALSE;
  }
  box = rvi_fmp4_box_begin (out, h265 ? "hvc1" : "avc1");
  rvi_fmp4_put_zeros (out, 6);
  rvi_fmp4_put_u16 (out, 1);        /* data_reference_index */
  rvi_fmp4_put_zeros (out, 16);     /* pre_defined, reserved */
  rvi_fmp4_put_u16 (out, (guint16) params->width);
  rvi_fmp4_put_u16 (out, (guint16) params->height);
  rvi_fmp4_put_u32 (out, 0x00480000);  /* 72 dpi */
  rvi_fmp4_put_u32 (out, 0x00480000);
  rvi_fmp4_put_u32 (out, 0);
  rvi_fmp4_put_u16 (out, 1);        /* frame_count */
  rvi_fmp4_put_zeros (out, 32);     /* compressorname */
  rvi_fmp4_put_u16 (out, 0x0018);   /* depth */
  rvi_fmp4_put_u16 (out, 0xffff);   /* pre_defined -1 */
  if (h265)
    put_hvcc (out, params);
  else
    put_avcc (out, params);
  rvi_fmp4_box_end (out, box);
  return TRUE;
}
