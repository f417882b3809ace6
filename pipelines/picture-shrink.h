/* picture-shrink.h: RviPictureShrink, a decoded picture to a smaller
 * 8-bit 4:2:0 picture in full range (the JPEG range), for stills.
 * Not thread-safe: one thread per shrinker. */
#pragma once

#include <glib.h>
#include <libavutil/frame.h>

G_BEGIN_DECLS

typedef struct _RviPictureShrink RviPictureShrink;

RviPictureShrink *rvi_picture_shrink_new (void);
void rvi_picture_shrink_free (RviPictureShrink *shrink);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviPictureShrink, rvi_picture_shrink_free)

/* (transfer none: valid until the next call) @frame at @width x @height
 * (both even), 4:2:0 8-bit full range (AV_PIX_FMT_YUVJ420P), each row
 * padded to a multiple of 16 luma (8 chroma) samples by repeating its last
 * one, as JPEG's raw input needs. NULL with @error when the picture's
 * format cannot be converted. */
const AVFrame *rvi_picture_shrink_run (RviPictureShrink *shrink, const AVFrame *frame,
                                       int width, int height, GError **error);

/* How many set-ups the shrinker made: one per input size and format and
 * output size (a camera's stills reuse one). */
guint rvi_picture_shrink_get_setups (RviPictureShrink *shrink);

/* TRUE when the last run averaged whole boxes itself (the input a whole
 * multiple of the output); FALSE when libswscale scaled it. */
gboolean rvi_picture_shrink_last_was_boxed (RviPictureShrink *shrink);

G_END_DECLS
