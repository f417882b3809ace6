/* jpeg-encoder.h: RviJpegEncoder, decoded pictures to JPEG stills of a
 * bounded width (picture-shrink.h + libjpeg-turbo), for the frame
 * sampler's stills and the live JPEG view. Not thread-safe: one thread per
 * encoder. */
#pragma once

#include <glib.h>
#include <libavutil/frame.h>

G_BEGIN_DECLS

typedef struct _RviJpegEncoder RviJpegEncoder;

/* (transfer full) an encoder writing JPEGs at most @max_width pixels wide
 * (a narrower picture keeps its size) at @quality, the MJPEG quantizer
 * scale from 2 (best) to 31. */
RviJpegEncoder *rvi_jpeg_encoder_new (guint max_width, guint quality);
void rvi_jpeg_encoder_free (RviJpegEncoder *encoder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviJpegEncoder, rvi_jpeg_encoder_free)

/* Encodes @frame. On success sets @data and @size (transfer none: valid
 * until the next call) and the JPEG's @width and @height. FALSE with
 * @error when the picture cannot be converted or encoded. */
gboolean rvi_jpeg_encoder_encode (RviJpegEncoder *encoder, const AVFrame *frame,
                                  const guint8 **data, gsize *size, guint *width, guint *height,
                                  GError **error);

/* How many scaling set-ups the encoder made: one per input size and format. */
guint rvi_jpeg_encoder_get_rebuilds (RviJpegEncoder *encoder);

G_END_DECLS
