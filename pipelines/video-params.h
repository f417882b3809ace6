/* video-params.h: what the recorder needs to know about an H.264 or H.265
 * stream, read from its parameter sets (SPS, PPS, and VPS for H.265):
 * picture size, the RFC 6381 codec string, the reorder depth (B-frames),
 * and the parameter sets themselves for the MP4 sample entry. Pure
 * bitstream parsing; every read is bounds-checked, so a hostile parameter
 * set is an error, never a read out of bounds. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RVI_CODEC_NONE = 0,
  RVI_CODEC_H264,
  RVI_CODEC_H265,
} RviCodec;

/* The profile fields the MP4 sample entry (avcC, hvcC) repeats from the
 * SPS; filled by rvi_video_params_parse. */
typedef struct {
  guint8 profile_idc;          /* H.264 profile_idc; H.265 general_profile_idc */
  guint8 constraints;          /* H.264: the byte of constraint_set0..5 flags */
  guint8 level_idc;            /* H.264 level_idc; H.265 general_level_idc */
  guint8 chroma_format_idc;
  guint8 bit_depth_luma;       /* bits: 8 + bit_depth_luma_minus8 */
  guint8 bit_depth_chroma;
  guint8 profile_space;        /* H.265 general_profile_space */
  guint8 tier;                 /* H.265 general_tier_flag */
  guint32 compatibility;       /* H.265 general_profile_compatibility_flag[0] in bit 31 */
  guint8 constraint_flags[6];  /* H.265 the 48 bits from general_progressive_source_flag */
  guint16 min_spatial_segmentation; /* H.265 VUI min_spatial_segmentation_idc; 0 if absent */
  guint8 temporal_layers;      /* H.265 sps_max_sub_layers_minus1 + 1 */
  gboolean temporal_id_nested; /* H.265 sps_temporal_id_nesting_flag */
} RviVideoProfile;

typedef struct {
  RviCodec codec;
  GBytes *vps;            /* H.265 only; NAL unit with its header, no start code or length */
  GBytes *sps;
  GBytes *pps;
  int width;              /* after the conformance window / frame cropping */
  int height;
  guint reorder;          /* frames a decoder may hold back for B-frames; 0 when none or unknown */
  double fps;             /* from the VUI timing info; 0 when absent */
  char codec_string[48];  /* RFC 6381: "avc1.64001f", "hvc1.1.6.L93.B0" */
  RviVideoProfile profile;
} RviVideoParams;

/* Parses @sps (and @vps for H.265) and keeps references to all three
 * parameter sets in @params (which is cleared first). FALSE with @error
 * (RVI_ERROR_INVALID_INPUT) when a parameter set is missing or malformed. */
gboolean rvi_video_params_parse (RviVideoParams *params, RviCodec codec, GBytes *vps, GBytes *sps,
                                 GBytes *pps, GError **error);

void rvi_video_params_clear (RviVideoParams *params);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RviVideoParams, rvi_video_params_clear)

/* Clears @to, then makes it a copy of @from holding its own references to
 * the parameter sets. */
void rvi_video_params_copy (RviVideoParams *to, const RviVideoParams *from);

/* TRUE when both describe the same parameter sets (byte for byte). */
gboolean rvi_video_params_equal (const RviVideoParams *a, const RviVideoParams *b);

G_END_DECLS
