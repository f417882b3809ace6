/* video-params-h265.c: the H.265 SPS parser of rvi_video_params_parse
 * (see video-params-private.h).
 *
 * DESIGN. As for H.264 (video-params.c), the SPS is read in two parts. The
 * core, from profile_tier_level through the sub-layer ordering info, gives
 * the profile, picture size and reorder depth and must be sane. The rest,
 * up to and through the VUI (coding block sizes, scaling lists, short-term
 * reference picture sets, long-term pictures), is walked only to reach the
 * VUI's frame rate and min_spatial_segmentation_idc; if it fails, those
 * two stay 0 and the parameter set is still usable. The VPS and PPS are
 * not parsed: the sample entry carries them as they are. */
#define G_LOG_DOMAIN "rvi-video"

#include "video-params-private.h"
#include "rbsp-reader.h"
#include "rvi-error.h"

/* profile_tier_level (7.3.3) with profilePresentFlag 1: the general part
 * into @p, the sub-layer parts skipped. */
static void
h265_parse_profile_tier_level (RviRbspReader *r, guint max_sub_layers_minus1, RviVideoProfile *p)
{
  gboolean profile_present[8] = { FALSE }, level_present[8] = { FALSE };

  p->profile_space = (guint8) rvi_rbsp_reader_bits (r, 2);
  p->tier = (guint8) rvi_rbsp_reader_bits (r, 1);
  p->profile_idc = (guint8) rvi_rbsp_reader_bits (r, 5);
  p->compatibility = rvi_rbsp_reader_bits (r, 32);
  for (guint i = 0; i < 6; i++)
    p->constraint_flags[i] = (guint8) rvi_rbsp_reader_bits (r, 8);
  p->level_idc = (guint8) rvi_rbsp_reader_bits (r, 8);
  for (guint i = 0; i < max_sub_layers_minus1; i++) {
    profile_present[i] = rvi_rbsp_reader_flag (r);
    level_present[i] = rvi_rbsp_reader_flag (r);
  }
  if (max_sub_layers_minus1 > 0)
    rvi_rbsp_reader_skip (r, 2 * (8 - max_sub_layers_minus1));  /* reserved_zero_2bits */
  for (guint i = 0; i < max_sub_layers_minus1; i++) {
    if (profile_present[i])
      rvi_rbsp_reader_skip (r, 88);
    if (level_present[i])
      rvi_rbsp_reader_skip (r, 8);
  }
}

/* scaling_list_data (7.3.4). */
static void
h265_skip_scaling_list_data (RviRbspReader *r)
{
  for (guint size_id = 0; size_id < 4; size_id++) {
    for (guint matrix_id = 0; matrix_id < 6 && !r->bad; matrix_id += size_id == 3 ? 3 : 1) {
      if (!rvi_rbsp_reader_flag (r)) {  /* scaling_list_pred_mode_flag */
        rvi_rbsp_reader_ue (r);
        continue;
      }
      if (size_id > 1)
        rvi_rbsp_reader_se (r);
      for (guint i = 0; i < MIN (64u, 1u << (4 + (size_id << 1))) && !r->bad; i++)
        rvi_rbsp_reader_se (r);
    }
  }
}

/* st_ref_pic_set (7.3.7) number @idx of an SPS; @num_delta_pocs holds
 * NumDeltaPocs of the sets before it and gets this one's. */
static gboolean
h265_skip_st_ref_pic_set (RviRbspReader *r, guint idx, guint *num_delta_pocs)
{
  if (idx != 0 && rvi_rbsp_reader_flag (r)) {  /* inter_ref_pic_set_prediction_flag */
    guint count = 0;

    rvi_rbsp_reader_skip (r, 1);  /* delta_rps_sign */
    rvi_rbsp_reader_ue (r);       /* abs_delta_rps_minus1 */
    for (guint j = 0; j <= num_delta_pocs[idx - 1] && !r->bad; j++) {
      /* used_by_curr_pic_flag, else use_delta_flag */
      if (rvi_rbsp_reader_flag (r) || rvi_rbsp_reader_flag (r))
        count++;
    }
    num_delta_pocs[idx] = count;
  } else {
    guint32 negative = rvi_rbsp_reader_ue (r);
    guint32 positive = rvi_rbsp_reader_ue (r);

    if (negative > 16 || positive > 16)
      return FALSE;
    for (guint32 i = 0; i < negative + positive && !r->bad; i++) {
      rvi_rbsp_reader_ue (r);
      rvi_rbsp_reader_skip (r, 1);
    }
    num_delta_pocs[idx] = negative + positive;
  }
  return !r->bad && num_delta_pocs[idx] <= 32;
}

static gboolean
h265_skip_sub_layer_hrd (RviRbspReader *r, guint32 cpb_count, gboolean sub_pic)
{
  for (guint32 i = 0; i < cpb_count && !r->bad; i++) {
    rvi_rbsp_reader_ue (r);
    rvi_rbsp_reader_ue (r);
    if (sub_pic) {
      rvi_rbsp_reader_ue (r);
      rvi_rbsp_reader_ue (r);
    }
    rvi_rbsp_reader_skip (r, 1);
  }
  return !r->bad;
}

/* hrd_parameters (E.2.2) with commonInfPresentFlag 1. */
static gboolean
h265_skip_hrd (RviRbspReader *r, guint max_sub_layers_minus1)
{
  gboolean nal = rvi_rbsp_reader_flag (r), vcl = rvi_rbsp_reader_flag (r), sub_pic = FALSE;

  if (nal || vcl) {
    sub_pic = rvi_rbsp_reader_flag (r);
    if (sub_pic)
      rvi_rbsp_reader_skip (r, 19);
    rvi_rbsp_reader_skip (r, 8);
    if (sub_pic)
      rvi_rbsp_reader_skip (r, 4);
    rvi_rbsp_reader_skip (r, 15);
  }
  for (guint i = 0; i <= max_sub_layers_minus1 && !r->bad; i++) {
    gboolean fixed = rvi_rbsp_reader_flag (r), low_delay = FALSE;
    guint32 cpb_count = 1;

    if (!fixed)
      fixed = rvi_rbsp_reader_flag (r);  /* fixed_pic_rate_within_cvs_flag */
    if (fixed)
      rvi_rbsp_reader_ue (r);
    else
      low_delay = rvi_rbsp_reader_flag (r);
    if (!low_delay)
      cpb_count = rvi_rbsp_reader_ue (r) + 1;
    if (cpb_count > 32)
      return FALSE;
    if (nal && !h265_skip_sub_layer_hrd (r, cpb_count, sub_pic))
      return FALSE;
    if (vcl && !h265_skip_sub_layer_hrd (r, cpb_count, sub_pic))
      return FALSE;
  }
  return !r->bad;
}

/* vui_parameters (E.2.1): fps and min_spatial_segmentation_idc. */
static gboolean
h265_parse_vui (RviRbspReader *r, guint max_sub_layers_minus1, RviVideoParams *params)
{
  rvi_video_vui_skip_head (r);
  rvi_rbsp_reader_skip (r, 3);  /* neutral_chroma, field_seq, frame_field_info */
  if (rvi_rbsp_reader_flag (r)) {  /* default_display_window_flag */
    for (guint i = 0; i < 4; i++)
      rvi_rbsp_reader_ue (r);
  }
  if (rvi_rbsp_reader_flag (r)) {  /* vui_timing_info_present_flag */
    guint32 units = rvi_rbsp_reader_bits (r, 32);
    guint32 scale = rvi_rbsp_reader_bits (r, 32);

    if (units != 0 && scale != 0)
      params->fps = (double) scale / units;
    if (rvi_rbsp_reader_flag (r))  /* vui_poc_proportional_to_timing_flag */
      rvi_rbsp_reader_ue (r);
    if (rvi_rbsp_reader_flag (r) && !h265_skip_hrd (r, max_sub_layers_minus1))
      return FALSE;
  }
  if (rvi_rbsp_reader_flag (r)) {  /* bitstream_restriction_flag */
    guint32 segmentation;

    rvi_rbsp_reader_skip (r, 3);
    segmentation = rvi_rbsp_reader_ue (r);
    if (segmentation > 4095)
      return FALSE;
    params->profile.min_spatial_segmentation = (guint16) segmentation;
  }
  return !r->bad;
}

/* The SPS after the sub-layer ordering info (7.3.2.2.1), up to the VUI. */
static gboolean
h265_parse_tail (RviRbspReader *r, guint max_sub_layers_minus1, guint poc_lsb_bits,
                 RviVideoParams *params)
{
  guint num_delta_pocs[64];
  guint32 sets;

  for (guint i = 0; i < 6; i++)  /* block sizes and transform hierarchy depths */
    rvi_rbsp_reader_ue (r);
  if (rvi_rbsp_reader_flag (r) && rvi_rbsp_reader_flag (r))  /* scaling lists */
    h265_skip_scaling_list_data (r);
  rvi_rbsp_reader_skip (r, 2);  /* amp_enabled_flag, sample_adaptive_offset_enabled_flag */
  if (rvi_rbsp_reader_flag (r)) {  /* pcm_enabled_flag */
    rvi_rbsp_reader_skip (r, 8);
    rvi_rbsp_reader_ue (r);
    rvi_rbsp_reader_ue (r);
    rvi_rbsp_reader_skip (r, 1);
  }
  sets = rvi_rbsp_reader_ue (r);
  if (sets > 64)
    return FALSE;
  for (guint i = 0; i < sets; i++)
    if (!h265_skip_st_ref_pic_set (r, i, num_delta_pocs))
      return FALSE;
  if (rvi_rbsp_reader_flag (r)) {  /* long_term_ref_pics_present_flag */
    guint32 count = rvi_rbsp_reader_ue (r);

    if (count > 32)
      return FALSE;
    rvi_rbsp_reader_skip (r, count * (poc_lsb_bits + 1));
  }
  rvi_rbsp_reader_skip (r, 2);  /* temporal mvp, strong intra smoothing */
  if (rvi_rbsp_reader_flag (r) && !h265_parse_vui (r, max_sub_layers_minus1, params))
    return FALSE;
  return !r->bad;
}

gboolean
rvi_video_params_parse_h265_sps (RviVideoParams *params, const guint8 *nal, gsize size,
                                 GError **error)
{
  g_auto (RviRbspReader) r = { 0 };
  RviVideoProfile *p = &params->profile;
  guint32 max_sub_layers_minus1, chroma, width, height, window[4] = { 0 }, luma, chroma_depth;
  guint32 poc_lsb_minus4, reorder = 0;
  guint sub_width, sub_height;

  rvi_rbsp_reader_init (&r, nal, size, 2);
  rvi_rbsp_reader_skip (&r, 4);  /* sps_video_parameter_set_id */
  max_sub_layers_minus1 = rvi_rbsp_reader_bits (&r, 3);
  if (max_sub_layers_minus1 > 6)
    goto bad;
  p->temporal_layers = (guint8) (max_sub_layers_minus1 + 1);
  p->temporal_id_nested = rvi_rbsp_reader_flag (&r);
  h265_parse_profile_tier_level (&r, max_sub_layers_minus1, p);
  if (rvi_rbsp_reader_ue (&r) > 15)  /* sps_seq_parameter_set_id */
    goto bad;
  chroma = rvi_rbsp_reader_ue (&r);
  if (chroma > 3)
    goto bad;
  /* SubWidthC, SubHeightC (table 6-1); with separate_colour_plane_flag
   * (ChromaArrayType 0) the window is in luma samples */
  if (chroma == 3)
    rvi_rbsp_reader_skip (&r, 1);
  sub_width = chroma == 1 || chroma == 2 ? 2 : 1;
  sub_height = chroma == 1 ? 2 : 1;
  width = rvi_rbsp_reader_ue (&r);
  height = rvi_rbsp_reader_ue (&r);
  if (rvi_rbsp_reader_flag (&r)) {  /* conformance_window_flag */
    for (guint i = 0; i < 4; i++)
      window[i] = rvi_rbsp_reader_ue (&r);
  }
  luma = rvi_rbsp_reader_ue (&r);
  chroma_depth = rvi_rbsp_reader_ue (&r);
  poc_lsb_minus4 = rvi_rbsp_reader_ue (&r);
  if (r.bad || width == 0 || height == 0 || width > RVI_VIDEO_MAX_SIDE ||
      height > RVI_VIDEO_MAX_SIDE || luma > 8 || chroma_depth > 8 || poc_lsb_minus4 > 12 ||
      (guint64) sub_width * ((guint64) window[0] + window[1]) >= width ||
      (guint64) sub_height * ((guint64) window[2] + window[3]) >= height)
    goto bad;
  p->chroma_format_idc = (guint8) chroma;
  p->bit_depth_luma = (guint8) (8 + luma);
  p->bit_depth_chroma = (guint8) (8 + chroma_depth);
  params->width = (int) (width - sub_width * (window[0] + window[1]));
  params->height = (int) (height - sub_height * (window[2] + window[3]));
  /* sps_sub_layer_ordering_info: the last entry is the highest sub-layer's */
  for (guint i = rvi_rbsp_reader_flag (&r) ? 0 : max_sub_layers_minus1;
       i <= max_sub_layers_minus1 && !r.bad; i++) {
    guint32 buffering = rvi_rbsp_reader_ue (&r);

    reorder = rvi_rbsp_reader_ue (&r);
    rvi_rbsp_reader_ue (&r);  /* sps_max_latency_increase_plus1 */
    if (buffering > 15 || reorder > buffering)
      goto bad;
  }
  if (r.bad)
    goto bad;
  params->reorder = reorder;
  if (!h265_parse_tail (&r, max_sub_layers_minus1, poc_lsb_minus4 + 4, params)) {
    g_debug ("ignoring a malformed vui in an h265 sps");
    params->fps = 0;
    p->min_spatial_segmentation = 0;
  }
  return TRUE;

bad:
  g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "malformed h265 sps");
  return FALSE;
}
