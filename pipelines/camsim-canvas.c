/* camsim-canvas.c: rectangles, text and blur on I420 frames.
 *
 * Chroma planes are half size in both directions; a shape covers the
 * chroma samples whose 2x2 luma block it touches. The blur is a separable
 * running-sum box filter, so its cost does not grow with the radius. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "camsim-canvas.h"
#include "camsim-font.h"

#include <string.h>

RviCamsimColour
rvi_camsim_colour_rgb (guint8 r, guint8 g, guint8 b)
{
  RviCamsimColour c;

  c.y = (guint8)CLAMP (16 + (66 * r + 129 * g + 25 * b + 128) / 256, 16, 235);
  c.u = (guint8)CLAMP (128 + (-38 * r - 74 * g + 112 * b + 128) / 256, 16, 240);
  c.v = (guint8)CLAMP (128 + (112 * r - 94 * g - 18 * b + 128) / 256, 16, 240);
  return c;
}

static void
fill_plane (GstVideoFrame *frame, guint plane, gint x0, gint y0, gint x1, gint y1, guint8 value)
{
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);

  for (gint row = y0; row < y1; row++)
    memset (data + (gsize)row * stride + x0, value, (gsize)(x1 - x0));
}

void
rvi_camsim_canvas_fill (GstVideoFrame *frame, gint x, gint y, gint w, gint h,
                        RviCamsimColour colour)
{
  gint width = GST_VIDEO_FRAME_WIDTH (frame);
  gint height = GST_VIDEO_FRAME_HEIGHT (frame);
  gint x0 = CLAMP (x, 0, width), x1 = CLAMP (x + w, 0, width);
  gint y0 = CLAMP (y, 0, height), y1 = CLAMP (y + h, 0, height);

  if (x1 <= x0 || y1 <= y0)
    return;
  fill_plane (frame, 0, x0, y0, x1, y1, colour.y);
  fill_plane (frame, 1, x0 / 2, y0 / 2, (x1 + 1) / 2, (y1 + 1) / 2, colour.u);
  fill_plane (frame, 2, x0 / 2, y0 / 2, (x1 + 1) / 2, (y1 + 1) / 2, colour.v);
}

gint
rvi_camsim_canvas_text_width (const gchar *text, gint scale)
{
  gsize n = strlen (text);

  return n == 0 ? 0 : (gint)n * (RVI_CAMSIM_FONT_WIDTH + 1) * scale - scale;
}

void
rvi_camsim_canvas_text (GstVideoFrame *frame, gint x, gint y, gint scale, const gchar *text,
                        RviCamsimColour colour)
{
  for (const gchar *c = text; *c != '\0'; c++, x += (RVI_CAMSIM_FONT_WIDTH + 1) * scale) {
    const guint8 *glyph = rvi_camsim_font_glyph (*c);

    for (gint row = 0; row < RVI_CAMSIM_FONT_HEIGHT; row++) {
      for (gint col = 0; col < RVI_CAMSIM_FONT_WIDTH; col++) {
        if (glyph[row] & (0x10 >> col))
          rvi_camsim_canvas_fill (frame, x + col * scale, y + row * scale, scale, scale, colour);
      }
    }
  }
}

gsize
rvi_camsim_canvas_blur_scratch_size (gint width, gint height)
{
  return (gsize)width * (gsize)height + (gsize)width * sizeof (guint32);
}

/* One plane: horizontal pass row by row, then vertical pass over a copy. */
static void
blur_plane (guint8 *data, gint width, gint height, gint stride, gint radius, guint8 *scratch)
{
  guint32 *sums = (guint32 *)(scratch + (gsize)width * (gsize)height);
  guint32 n = (guint32)(2 * radius + 1);

  for (gint row = 0; row < height; row++) {
    guint8 *p = data + (gsize)row * stride;
    guint32 sum = 0;

    memcpy (scratch, p, (gsize)width);
    for (gint k = -radius; k <= radius; k++)
      sum += scratch[CLAMP (k, 0, width - 1)];
    for (gint col = 0; col < width; col++) {
      p[col] = (guint8)(sum / n);
      sum += scratch[MIN (col + radius + 1, width - 1)];
      sum -= scratch[MAX (col - radius, 0)];
    }
  }

  for (gint row = 0; row < height; row++)
    memcpy (scratch + (gsize)row * width, data + (gsize)row * stride, (gsize)width);
  memset (sums, 0, (gsize)width * sizeof (guint32));
  for (gint k = -radius; k <= radius; k++) {
    const guint8 *src = scratch + (gsize)CLAMP (k, 0, height - 1) * width;
    for (gint col = 0; col < width; col++)
      sums[col] += src[col];
  }
  for (gint row = 0; row < height; row++) {
    guint8 *p = data + (gsize)row * stride;
    const guint8 *add = scratch + (gsize)MIN (row + radius + 1, height - 1) * width;
    const guint8 *sub = scratch + (gsize)MAX (row - radius, 0) * width;

    for (gint col = 0; col < width; col++) {
      p[col] = (guint8)(sums[col] / n);
      sums[col] += (guint32)add[col] - sub[col];
    }
  }
}

void
rvi_camsim_canvas_blur (GstVideoFrame *frame, gint radius, guint8 *scratch)
{
  for (guint plane = 0; plane < 3; plane++) {
    gint r = plane == 0 ? radius : MAX (radius / 2, 1);

    blur_plane (GST_VIDEO_FRAME_PLANE_DATA (frame, plane),
                GST_VIDEO_FRAME_COMP_WIDTH (frame, plane),
                GST_VIDEO_FRAME_COMP_HEIGHT (frame, plane),
                GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane), r, scratch);
  }
}
