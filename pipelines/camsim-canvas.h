/* camsim-canvas.h: drawing primitives over a mapped I420 video frame.
 *
 * Everything clips to the frame and writes luma and chroma together, so
 * callers think in pixels and colours, not planes. Nothing allocates: the
 * blur takes a scratch buffer the caller keeps across frames. */
#pragma once

#include <gst/video/video.h>

G_BEGIN_DECLS

typedef struct {
  guint8 y, u, v;
} RviCamsimColour;

/* BT.601 limited-range colour of the 8-bit RGB triple. */
RviCamsimColour rvi_camsim_colour_rgb (guint8 r, guint8 g, guint8 b);

/* Fills the rectangle (@x, @y, @w, @h) of @frame, clipped. */
void rvi_camsim_canvas_fill (GstVideoFrame *frame, gint x, gint y, gint w, gint h,
                             RviCamsimColour colour);

/* Draws @text with its top-left corner at (@x, @y), each font pixel a
 * @scale x @scale square, clipped. */
void rvi_camsim_canvas_text (GstVideoFrame *frame, gint x, gint y, gint scale, const gchar *text,
                             RviCamsimColour colour);

/* Width in pixels that rvi_camsim_canvas_text() covers for @text. */
gint rvi_camsim_canvas_text_width (const gchar *text, gint scale);

/* Bytes of scratch rvi_camsim_canvas_blur() needs for a frame of this size. */
gsize rvi_camsim_canvas_blur_scratch_size (gint width, gint height);

/* Box-blurs all three planes of @frame with @radius (luma pixels), using
 * @scratch of at least rvi_camsim_canvas_blur_scratch_size() bytes. */
void rvi_camsim_canvas_blur (GstVideoFrame *frame, gint radius, guint8 *scratch);

G_END_DECLS
