/* timestamp-blocks.h: a machine-readable wall-clock stamp burned into video.
 *
 * The camera simulator paints, into every frame it generates, a row of
 * black and white blocks that encode the frame's capture time in
 * milliseconds since the Unix epoch. Latency and seek-accuracy tests decode
 * the row from a decoded frame and compare it with their own clock.
 *
 * LAYOUT. Positions are fractions of the frame, so the row survives scaling:
 * a cell is width/80 wide and height/45 high (16x16 px at 1280x720, 8x8 at
 * 640x360). The row is cell row 3 (y from 3/45 to 4/45 of the height) and
 * holds 70 cells at cell columns 5..74. A black quiet zone surrounds it
 * (columns 4..75, half a cell above and below), so the band of rows from
 * 2.5/45 to 4.5/45 of the height belongs to the stamp; image analysis that
 * wants scene content only should skip it. Cells, left to right:
 *
 *   4 cells   start marker 1 0 1 0
 *   48 cells  the time in ms since the epoch, unsigned, most significant
 *             bit first
 *   16 cells  CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff) of those 48
 *             bits as 6 bytes, big endian, most significant bit first
 *   2 cells   end marker 0 1
 *
 * A 1 is white (Y 235), a 0 is black (Y 16).
 *
 * DECODING averages the centre half of each cell (in both directions),
 * takes the mean of the white and the black marker cells as references,
 * requires a contrast of at least 64 between them, classifies each cell
 * against the midpoint (a cell within a fifth of the contrast of the
 * midpoint makes the row unreadable), then checks the markers and the CRC.
 * Noise, blank frames and frames without a stamp are rejected.
 *
 * What the time means depends on the producer; for `rvi camsim` see
 * camsim-source.h (live mode: the time the frame was generated; loop mode:
 * the time the clip frame was generated at start, repeating each loop). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RVI_TIMESTAMP_BLOCKS_MIN_WIDTH 160
#define RVI_TIMESTAMP_BLOCKS_MIN_HEIGHT 90

/* Largest value the 48 data bits carry. */
#define RVI_TIMESTAMP_BLOCKS_MAX_MS ((G_GINT64_CONSTANT (1) << 48) - 1)

/* Paints the stamp for @ms into the luma plane @y (@width x @height, rows
 * @stride bytes apart). Only luma is written; callers that want neutral
 * blocks set the chroma of the band to 128. Returns FALSE and paints nothing
 * when the frame is smaller than the minimum size or @ms is out of range. */
gboolean rvi_timestamp_blocks_paint (guint8 *y, gint width, gint height, gint stride, gint64 ms);

/* Reads the stamp from the luma plane @y. On success returns TRUE and sets
 * @ms_out; returns FALSE, leaving @ms_out untouched, when no valid stamp is
 * found. */
gboolean rvi_timestamp_blocks_read (const guint8 *y, gint width, gint height, gint stride,
                                    gint64 *ms_out);

/* The band of rows the stamp and its quiet zone cover, for a frame of
 * @height rows: rows [*first_row, *end_row). */
void rvi_timestamp_blocks_band (gint height, gint *first_row, gint *end_row);

G_END_DECLS
