/* video-params.c: parameter sets to picture size, codec string and reorder
 * depth (see video-params.h); the H.264 SPS parser lives here, the H.265
 * one in video-params-h265.c.
 *
 * DESIGN. An SPS is read in two parts. The core, up to the VUI (profile,
 * level, chroma format, picture size and cropping), must be complete and
 * sane, or the parameter set is an error. The VUI is best effort: cameras
 * are known to send a VUI cut short, and FFmpeg and GStreamer play such
 * streams, so a VUI that runs past the end or holds nonsense is ignored as
 * a whole (fps 0, the default reorder depth) and logged at debug level.
 *
 * The reorder depth is what the fMP4 writer needs to derive decode times
 * from presentation times. H.264 states it in the VUI's bitstream
 * restriction (max_num_reorder_frames); without one, Baseline and the
 * intra profiles have no B-frames (0) and any other profile gets 2, which
 * covers what IP cameras send. H.265 always states it
 * (sps_max_num_reorder_pics). */
#define G_LOG_DOMAIN "rvi-video"

#include "video-params.h"
#include "video-params-private.h"
#include "rbsp-reader.h"
#include "rvi-error.h"

#include <string.h>

#define H264_NAL_SPS 7
#define H264_NAL_PPS 8
#define H265_NAL_VPS 32
#define H265_NAL_SPS 33
#define H265_NAL_PPS 34

/* The H.264 profiles whose SPS carries chroma_format_idc and bit depths. */
static gboolean
h264_has_chroma_info (guint profile_idc)
{
  static const guint8 profiles[] = { 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 };

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    if (profiles[i] == profile_idc)
      return TRUE;
  return FALSE;
}

static void
h264_skip_scaling_list (RviRbspReader *r, guint size)
{
  gint last = 8, next = 8;

  for (guint j = 0; j < size && !r->bad; j++) {
    if (next != 0)
      next = (last + rvi_rbsp_reader_se (r) + 256) % 256;
    last = next == 0 ? last : next;
  }
}

static gboolean
h264_skip_hrd (RviRbspReader *r)
{
  guint32 count = rvi_rbsp_reader_ue (r) + 1;

  if (count > 32)
    return FALSE;
  rvi_rbsp_reader_skip (r, 8);  /* bit_rate_scale, cpb_size_scale */
  for (guint32 i = 0; i < count && !r->bad; i++) {
    rvi_rbsp_reader_ue (r);
    rvi_rbsp_reader_ue (r);
    rvi_rbsp_reader_skip (r, 1);
  }
  rvi_rbsp_reader_skip (r, 20);  /* four 5-bit delay lengths */
  return !r->bad;
}

/* The H.264 VUI (E.1.1): fps and reorder. FALSE when it is malformed. */
void
rvi_video_vui_skip_head (RviRbspReader *r)
{
  if (rvi_rbsp_reader_flag (r) && rvi_rbsp_reader_bits (r, 8) == 255)  /* aspect ratio */
    rvi_rbsp_reader_skip (r, 32);
  if (rvi_rbsp_reader_flag (r))  /* overscan_info_present_flag */
    rvi_rbsp_reader_skip (r, 1);
  if (rvi_rbsp_reader_flag (r)) {  /* video_signal_type_present_flag */
    rvi_rbsp_reader_skip (r, 4);
    if (rvi_rbsp_reader_flag (r))
      rvi_rbsp_reader_skip (r, 24);
  }
  if (rvi_rbsp_reader_flag (r)) {  /* chroma_loc_info_present_flag */
    rvi_rbsp_reader_ue (r);
    rvi_rbsp_reader_ue (r);
  }
}

static gboolean
h264_parse_vui (RviRbspReader *r, RviVideoParams *params, gboolean *have_reorder)
{
  gboolean nal_hrd, vcl_hrd;

  rvi_video_vui_skip_head (r);
  if (rvi_rbsp_reader_flag (r)) {  /* timing_info_present_flag */
    guint32 units = rvi_rbsp_reader_bits (r, 32);
    guint32 scale = rvi_rbsp_reader_bits (r, 32);

    rvi_rbsp_reader_skip (r, 1);  /* fixed_frame_rate_flag */
    if (units != 0 && scale != 0)
      params->fps = (double) scale / (2.0 * units);
  }
  nal_hrd = rvi_rbsp_reader_flag (r);
  if (nal_hrd && !h264_skip_hrd (r))
    return FALSE;
  vcl_hrd = rvi_rbsp_reader_flag (r);
  if (vcl_hrd && !h264_skip_hrd (r))
    return FALSE;
  if (nal_hrd || vcl_hrd)
    rvi_rbsp_reader_skip (r, 1);  /* low_delay_hrd_flag */
  rvi_rbsp_reader_skip (r, 1);    /* pic_struct_present_flag */
  if (rvi_rbsp_reader_flag (r)) { /* bitstream_restriction_flag */
    guint32 reorder;

    rvi_rbsp_reader_skip (r, 1);
    for (guint i = 0; i < 4; i++)
      rvi_rbsp_reader_ue (r);
    reorder = rvi_rbsp_reader_ue (r);
    rvi_rbsp_reader_ue (r);  /* max_dec_frame_buffering */
    if (reorder > 16)
      return FALSE;
    params->reorder = reorder;
    *have_reorder = TRUE;
  }
  return !r->bad;
}

/* Reads the SPS fields before the VUI (7.3.2.1.1) into @params; returns
 * FALSE with @error when one is missing or out of range. */
static gboolean
h264_parse_core (RviRbspReader *r, RviVideoParams *params, GError **error)
{
  RviVideoProfile *p = &params->profile;
  guint32 chroma = 1, width_mbs, height_units, crop[4] = { 0 };
  guint crop_x = 2, crop_y = 2;
  gboolean separate_planes = FALSE, frame_mbs_only;

  p->profile_idc = (guint8) rvi_rbsp_reader_bits (r, 8);
  p->constraints = (guint8) rvi_rbsp_reader_bits (r, 8);
  p->level_idc = (guint8) rvi_rbsp_reader_bits (r, 8);
  if (rvi_rbsp_reader_ue (r) > 31)  /* seq_parameter_set_id */
    goto bad;
  p->bit_depth_luma = p->bit_depth_chroma = 8;
  if (h264_has_chroma_info (p->profile_idc)) {
    guint32 luma, chroma_depth;

    chroma = rvi_rbsp_reader_ue (r);
    if (chroma > 3)
      goto bad;
    if (chroma == 3)
      separate_planes = rvi_rbsp_reader_flag (r);
    luma = rvi_rbsp_reader_ue (r);
    chroma_depth = rvi_rbsp_reader_ue (r);
    if (luma > 6 || chroma_depth > 6)
      goto bad;
    p->bit_depth_luma = (guint8) (8 + luma);
    p->bit_depth_chroma = (guint8) (8 + chroma_depth);
    rvi_rbsp_reader_skip (r, 1);  /* qpprime_y_zero_transform_bypass_flag */
    if (rvi_rbsp_reader_flag (r)) {  /* seq_scaling_matrix_present_flag */
      for (guint i = 0; i < (chroma != 3 ? 8u : 12u) && !r->bad; i++)
        if (rvi_rbsp_reader_flag (r))
          h264_skip_scaling_list (r, i < 6 ? 16 : 64);
    }
  }
  p->chroma_format_idc = (guint8) chroma;
  if (rvi_rbsp_reader_ue (r) > 12)  /* log2_max_frame_num_minus4 */
    goto bad;
  switch (rvi_rbsp_reader_ue (r)) {  /* pic_order_cnt_type */
    case 0:
      if (rvi_rbsp_reader_ue (r) > 12)
        goto bad;
      break;
    case 1: {
      guint32 cycle;

      rvi_rbsp_reader_skip (r, 1);
      rvi_rbsp_reader_se (r);
      rvi_rbsp_reader_se (r);
      cycle = rvi_rbsp_reader_ue (r);
      if (cycle > 255)
        goto bad;
      for (guint32 i = 0; i < cycle && !r->bad; i++)
        rvi_rbsp_reader_se (r);
      break;
    }
    case 2:
      break;
    default:
      goto bad;
  }
  if (rvi_rbsp_reader_ue (r) > 16)  /* max_num_ref_frames */
    goto bad;
  rvi_rbsp_reader_skip (r, 1);  /* gaps_in_frame_num_value_allowed_flag */
  width_mbs = rvi_rbsp_reader_ue (r) + 1;
  height_units = rvi_rbsp_reader_ue (r) + 1;
  frame_mbs_only = rvi_rbsp_reader_flag (r);
  if (!frame_mbs_only)
    rvi_rbsp_reader_skip (r, 1);  /* mb_adaptive_frame_field_flag */
  rvi_rbsp_reader_skip (r, 1);    /* direct_8x8_inference_flag */
  if (rvi_rbsp_reader_flag (r)) { /* frame_cropping_flag */
    for (guint i = 0; i < 4; i++)
      crop[i] = rvi_rbsp_reader_ue (r);
  }
  if (r->bad || width_mbs > RVI_VIDEO_MAX_SIDE / 16 || height_units > RVI_VIDEO_MAX_SIDE / 16)
    goto bad;
  /* crop units (7-19 .. 7-22): ChromaArrayType 0 crops in luma samples */
  if (separate_planes || chroma == 0)
    crop_x = crop_y = 1;
  else if (chroma == 2)
    crop_y = 1;
  else if (chroma == 3)
    crop_x = crop_y = 1;
  crop_y *= frame_mbs_only ? 1 : 2;
  params->width = (int) (width_mbs * 16);
  params->height = (int) (height_units * 16 * (frame_mbs_only ? 1 : 2));
  if ((guint64) crop_x * ((guint64) crop[0] + crop[1]) >= (guint64) params->width ||
      (guint64) crop_y * ((guint64) crop[2] + crop[3]) >= (guint64) params->height)
    goto bad;
  params->width -= (int) (crop_x * (crop[0] + crop[1]));
  params->height -= (int) (crop_y * (crop[2] + crop[3]));
  return TRUE;

bad:
  g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "malformed h264 sps");
  return FALSE;
}

gboolean
rvi_video_params_parse_h264_sps (RviVideoParams *params, const guint8 *nal, gsize size,
                                 GError **error)
{
  g_auto (RviRbspReader) r = { 0 };
  const RviVideoProfile *p = &params->profile;
  gboolean have_reorder = FALSE;

  rvi_rbsp_reader_init (&r, nal, size, 1);
  if (!h264_parse_core (&r, params, error))
    return FALSE;
  if (rvi_rbsp_reader_flag (&r) && !h264_parse_vui (&r, params, &have_reorder)) {
    g_debug ("ignoring a malformed vui in an h264 sps");
    params->fps = 0;
    have_reorder = FALSE;
  }
  if (!have_reorder) {
    gboolean intra = p->profile_idc == 44 ||
                     ((p->constraints & 0x10) &&
                      (p->profile_idc == 86 || p->profile_idc == 100 || p->profile_idc == 110 ||
                       p->profile_idc == 122 || p->profile_idc == 244));

    params->reorder = p->profile_idc == 66 || intra ? 0 : 2;
  }
  g_snprintf (params->codec_string, sizeof params->codec_string, "avc1.%02x%02x%02x",
              p->profile_idc, p->constraints, p->level_idc);
  return TRUE;
}

/* ISO/IEC 14496-15 E.3: hvc1.[A-C]?profile.compat(reversed).{L,H}level.constraint bytes,
 * trailing zero bytes dropped; as GStreamer and FFmpeg write it. */
static void
h265_codec_string (RviVideoParams *params)
{
  const RviVideoProfile *p = &params->profile;
  char *s = params->codec_string;
  gsize n = sizeof params->codec_string, len;
  guint32 reversed = 0;
  guint last = 0;

  for (guint i = 0; i < 32; i++)
    if (p->compatibility & (1u << i))
      reversed |= 1u << (31 - i);
  len = (gsize) g_snprintf (s, n, "hvc1.%s%u.%X.%c%u",
                            p->profile_space == 0 ? "" :
                            p->profile_space == 1 ? "A" :
                            p->profile_space == 2 ? "B" : "C",
                            p->profile_idc, reversed, p->tier ? 'H' : 'L', p->level_idc);
  for (guint i = 0; i < 6; i++)
    if (p->constraint_flags[i] != 0)
      last = i + 1;
  for (guint i = 0; i < last && len < n; i++)
    len += (gsize) g_snprintf (s + len, n - len, ".%X", p->constraint_flags[i]);
}

/* TRUE when @nal is a NAL unit of @type (after its @header_bytes header). */
static gboolean
nal_is (GBytes *nal, RviCodec codec, guint type)
{
  gsize size;
  const guint8 *data = nal != NULL ? g_bytes_get_data (nal, &size) : NULL;

  if (data == NULL)
    return FALSE;
  if (codec == RVI_CODEC_H264)
    return size > 1 && (data[0] & 0x80) == 0 && (data[0] & 0x1f) == type;
  return size > 2 && (data[0] & 0x80) == 0 && ((data[0] >> 1) & 0x3f) == type;
}

gboolean
rvi_video_params_parse (RviVideoParams *params, RviCodec codec, GBytes *vps, GBytes *sps,
                        GBytes *pps, GError **error)
{
  g_auto (RviVideoParams) parsed = { 0 };  /* @params may own the sets we are given */
  gboolean h264 = codec == RVI_CODEC_H264, ok;
  const guint8 *data;
  gsize size;

  g_return_val_if_fail (params != NULL, FALSE);
  if (codec != RVI_CODEC_H264 && codec != RVI_CODEC_H265) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "unsupported codec");
    rvi_video_params_clear (params);
    return FALSE;
  }
  if (!nal_is (sps, codec, h264 ? H264_NAL_SPS : H265_NAL_SPS) ||
      !nal_is (pps, codec, h264 ? H264_NAL_PPS : H265_NAL_PPS) ||
      (!h264 && !nal_is (vps, codec, H265_NAL_VPS))) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "missing or malformed %s parameter set",
                 h264 ? "h264" : "h265");
    rvi_video_params_clear (params);
    return FALSE;
  }
  data = g_bytes_get_data (sps, &size);
  ok = h264 ? rvi_video_params_parse_h264_sps (&parsed, data, size, error)
            : rvi_video_params_parse_h265_sps (&parsed, data, size, error);
  if (!ok) {
    rvi_video_params_clear (params);
    return FALSE;
  }
  if (!h264)
    h265_codec_string (&parsed);
  parsed.codec = codec;
  parsed.vps = h264 ? NULL : g_bytes_ref (vps);
  parsed.sps = g_bytes_ref (sps);
  parsed.pps = g_bytes_ref (pps);
  rvi_video_params_clear (params);
  *params = parsed;
  memset (&parsed, 0, sizeof parsed);
  return TRUE;
}

void
rvi_video_params_clear (RviVideoParams *params)
{
  g_clear_pointer (&params->vps, g_bytes_unref);
  g_clear_pointer (&params->sps, g_bytes_unref);
  g_clear_pointer (&params->pps, g_bytes_unref);
  memset (params, 0, sizeof *params);
}

void
rvi_video_params_copy (RviVideoParams *to, const RviVideoParams *from)
{
  rvi_video_params_clear (to);
  *to = *from;
  to->vps = from->vps ? g_bytes_ref (from->vps) : NULL;
  to->sps = from->sps ? g_bytes_ref (from->sps) : NULL;
  to->pps = from->pps ? g_bytes_ref (from->pps) : NULL;
}

static gboolean
bytes_equal (GBytes *a, GBytes *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_bytes_equal (a, b);
}

gboolean
rvi_video_params_equal (const RviVideoParams *a, const RviVideoParams *b)
{
  return a->codec == b->codec && bytes_equal (a->vps, b->vps) && bytes_equal (a->sps, b->sps) &&
         bytes_equal (a->pps, b->pps);
}
