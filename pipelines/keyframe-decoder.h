/* keyframe-decoder.h: RviKeyframeDecoder, one camera's key frames decoded
 * one at a time with libavcodec (H.264 or H.265), for the frame sampler.
 *
 * A key frame decodes on its own: the decoder gets the parameter sets and
 * the frame's NAL units as one Annex-B packet, is drained, and is reset for
 * the next one. Non-key frames never reach it. Not thread-safe: one thread
 * uses a decoder at a time. */
#pragma once

#include <glib.h>
#include <libavutil/frame.h>

#include "video-params.h"

G_BEGIN_DECLS

typedef struct _RviKeyframeDecoder RviKeyframeDecoder;

/* (transfer full) a decoder for @codec, or NULL with @error when libavcodec
 * has no decoder for it. */
RviKeyframeDecoder *rvi_keyframe_decoder_new (RviCodec codec, GError **error);
void rvi_keyframe_decoder_free (RviKeyframeDecoder *decoder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviKeyframeDecoder, rvi_keyframe_decoder_free)

/* Decodes the key frame @au (NAL units with 4-byte big-endian lengths, as
 * rtp-depay.h produces them) using the parameter sets of @params. Returns
 * the picture (transfer none, valid until the next call or the free), or
 * NULL with @error (RVI_ERROR_INVALID_INPUT) when the data does not decode
 * to a picture. */
const AVFrame *rvi_keyframe_decoder_decode (RviKeyframeDecoder *decoder,
                                            const RviVideoParams *params, const guint8 *au,
                                            gsize size, GError **error);

G_END_DECLS
