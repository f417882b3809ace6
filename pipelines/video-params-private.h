/* video-params-private.h: the per-codec SPS parsers behind
 * rvi_video_params_parse (video-params.c for H.264, video-params-h265.c
 * for H.265). Each fills width, height, reorder, fps and profile of
 * @params from a whole SPS NAL unit (header included). */
#pragma once

#include "rbsp-reader.h"
#include "video-params.h"

G_BEGIN_DECLS

/* Largest picture side we accept, in pixels. */
#define RVI_VIDEO_MAX_SIDE 16384

/* Skips the start of vui_parameters() that H.264 (E.1.1) and H.265
 * (E.2.1) share: aspect ratio, overscan, video signal type, chroma location. */
void rvi_video_vui_skip_head (RviRbspReader *r);

gboolean rvi_video_params_parse_h264_sps (RviVideoParams *params, const guint8 *nal, gsize size,
                                          GError **error);
gboolean rvi_video_params_parse_h265_sps (RviVideoParams *params, const guint8 *nal, gsize size,
                                          GError **error);

G_END_DECLS
