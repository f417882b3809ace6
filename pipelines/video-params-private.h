/* video-params-private.h: the per-codec SPS parsers behind
 * rvi_video_params_parse (video-params.c for H.264, video-params-h265.c
 * for H.265). Each fills width, height, reorder, fps and profile of
 * @params from a whole SPS NAL unit (header included). */
#pragma once

#include "video-params.h"

G_BEGIN_DECLS

/* Largest picture side we accept, in pixels. */
#define RVI_VIDEO_MAX_SIDE 16384

gboolean rvi_video_params_parse_h264_sps (RviVideoParams *params, const guint8 *nal, gsize size,
                                          GError **error);
gboolean rvi_video_params_parse_h265_sps (RviVideoParams *params, const guint8 *nal, gsize size,
                                          GError **error);

G_END_DECLS
