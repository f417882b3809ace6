/* camsim-font.h: a 5x7 bitmap font for the simulator's burned-in text.
 *
 * Covers digits, A-Z (lower case is drawn as upper case), space and
 * - . : / which is all a camera's on-screen display needs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RVI_CAMSIM_FONT_WIDTH 5
#define RVI_CAMSIM_FONT_HEIGHT 7

/* The 7 rows of glyph @c, each the 5 low bits with bit 4 the leftmost
 * pixel; characters the font lacks come back as a blank glyph. Transfer
 * none: static data. */
const guint8 *rvi_camsim_font_glyph (gchar c);

G_END_DECLS
