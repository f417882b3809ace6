/* codec-data.h: the parameter sets of an avcC (H.264) or hvcC (H.265)
 * record, as GStreamer's parsers put it in their caps' codec_data, read
 * into RviVideoParams. Every read is bounds-checked. */
#pragma once

#include <glib.h>

#include "video-params.h"

G_BEGIN_DECLS

/* Reads the first VPS (H.265), SPS and PPS of @data and parses them into
 * @params (rvi_video_params_parse). Sets @length_size to the NAL unit
 * length size the stream uses (1, 2 or 4). FALSE with @error
 * (RVI_ERROR_INVALID_INPUT) when the record is malformed or lacks a set. */
gboolean rvi_codec_data_parse (RviVideoParams *params, RviCodec codec, const guint8 *data,
                               gsize size, guint *length_size, GError **error);

G_END_DECLS
