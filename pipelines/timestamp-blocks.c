/* timestamp-blocks.c: paint and read the block-coded wall-clock stamp.
 *
 * The layout is documented in timestamp-blocks.h. Both directions compute
 * cell edges from the same fractions of the frame size, so a reader needs
 * nothing but the decoded luma plane. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "timestamp-blocks.h"

#include <string.h>

#define CELLS_ACROSS 80
#define CELLS_DOWN 45
#define FIRST_COLUMN 5
#define ROW 3
#define N_MARK_START 4
#define N_DATA 48
#define N_CRC 16
#define N_MARK_END 2
#define N_CELLS (N_MARK_START + N_DATA + N_CRC + N_MARK_END)
#define WHITE 235
#define BLACK 16
#define MIN_CONTRAST 64

/* Cell edge @i of @cells across @size pixels. */
static gint
edge (gint size, gint cells, gint i)
{
  return (gint)(((gint64)size * i + cells / 2) / cells);
}

static guint16
crc16_ccitt (guint64 value)
{
  guint16 crc = 0xffff;

  for (gint byte = 5; byte >= 0; byte--) {
    crc ^= (guint16)(((value >> (8 * byte)) & 0xff) << 8);
    for (gint bit = 0; bit < 8; bit++)
      crc = (crc & 0x8000) ? (guint16)((crc << 1) ^ 0x1021) : (guint16)(crc << 1);
  }
  return crc;
}

/* The bit pattern of the whole row for @ms, cell 0 first. */
static void
pattern (gint64 ms, gboolean bits[N_CELLS])
{
  static const gboolean start[N_MARK_START] = { TRUE, FALSE, TRUE, FALSE };
  static const gboolean end[N_MARK_END] = { FALSE, TRUE };
  guint16 crc = crc16_ccitt ((guint64)ms);
  gint i = 0;

  for (gint k = 0; k < N_MARK_START; k++)
    bits[i++] = start[k];
  for (gint k = N_DATA - 1; k >= 0; k--)
    bits[i++] = (((guint64)ms >> k) & 1) != 0;
  for (gint k = N_CRC - 1; k >= 0; k--)
    bits[i++] = ((crc >> k) & 1) != 0;
  for (gint k = 0; k < N_MARK_END; k++)
    bits[i++] = end[k];
}

static void
fill (guint8 *y, gint stride, gint x0, gint y0, gint x1, gint y1, guint8 value)
{
  for (gint row = y0; row < y1; row++)
    memset (y + (gsize)row * stride + x0, value, (gsize)(x1 - x0));
}

void
rvi_timestamp_blocks_band (gint height, gint *first_row, gint *end_row)
{
  *first_row = edge (height, 2 * CELLS_DOWN, 2 * ROW - 1);
  *end_row = edge (height, 2 * CELLS_DOWN, 2 * ROW + 3);
}

gboolean
rvi_timestamp_blocks_paint (guint8 *y, gint width, gint height, gint stride, gint64 ms)
{
  gboolean bits[N_CELLS];
  gint top, bottom, band_top, band_bottom;

  g_return_val_if_fail (y != NULL, FALSE);
  if (width < RVI_TIMESTAMP_BLOCKS_MIN_WIDTH || height < RVI_TIMESTAMP_BLOCKS_MIN_HEIGHT)
    return FALSE;
  if (ms < 0 || ms > RVI_TIMESTAMP_BLOCKS_MAX_MS)
    return FALSE;

  pattern (ms, bits);
  rvi_timestamp_blocks_band (height, &band_top, &band_bottom);
  fill (y, stride, edge (width, CELLS_ACROSS, FIRST_COLUMN - 1), band_top,
        edge (width, CELLS_ACROSS, FIRST_COLUMN + N_CELLS + 1), band_bottom, BLACK);

  top = edge (height, CELLS_DOWN, ROW);
  bottom = edge (height, CELLS_DOWN, ROW + 1);
  for (gint i = 0; i < N_CELLS; i++) {
    if (bits[i])
      fill (y, stride, edge (width, CELLS_ACROSS, FIRST_COLUMN + i), top,
            edge (width, CELLS_ACROSS, FIRST_COLUMN + i + 1), bottom, WHITE);
  }
  return TRUE;
}

/* Mean luma of the centre half of cell @i. */
static gint
sample (const guint8 *y, gint width, gint height, gint stride, gint i)
{
  gint x0 = edge (width, 4 * CELLS_ACROSS, 4 * (FIRST_COLUMN + i) + 1);
  gint x1 = edge (width, 4 * CELLS_ACROSS, 4 * (FIRST_COLUMN + i) + 3);
  gint y0 = edge (height, 4 * CELLS_DOWN, 4 * ROW + 1);
  gint y1 = edge (height, 4 * CELLS_DOWN, 4 * ROW + 3);
  guint64 sum = 0;

  if (x1 <= x0)
    x1 = x0 + 1;
  if (y1 <= y0)
    y1 = y0 + 1;
  for (gint row = y0; row < y1; row++) {
    const guint8 *p = y + (gsize)row * stride;
    for (gint col = x0; col < x1; col++)
      sum += p[col];
  }
  return (gint)(sum / ((guint64)(x1 - x0) * (guint64)(y1 - y0)));
}

gboolean
rvi_timestamp_blocks_read (const guint8 *y, gint width, gint height, gint stride, gint64 *ms_out)
{
  gint values[N_CELLS];
  gboolean bits[N_CELLS], expected[N_CELLS];
  gint white, black, threshold, margin;
  guint64 ms = 0;

  g_return_val_if_fail (y != NULL, FALSE);
  g_return_val_if_fail (ms_out != NULL, FALSE);
  if (width < RVI_TIMESTAMP_BLOCKS_MIN_WIDTH || height < RVI_TIMESTAMP_BLOCKS_MIN_HEIGHT)
    return FALSE;

  for (gint i = 0; i < N_CELLS; i++)
    values[i] = sample (y, width, height, stride, i);

  /* References: white cells 0, 2, 69; black cells 1, 3, 68. */
  white = (values[0] + values[2] + values[N_CELLS - 1]) / 3;
  black = (values[1] + values[3] + values[N_CELLS - 2]) / 3;
  if (white - black < MIN_CONTRAST)
    return FALSE;
  threshold = (white + black) / 2;
  margin = (white - black) / 5;

  for (gint i = 0; i < N_CELLS; i++) {
    if (ABS (values[i] - threshold) <= margin)
      return FALSE;
    bits[i] = values[i] > threshold;
  }

  for (gint i = 0; i < N_DATA; i++)
    ms = (ms << 1) | (bits[N_MARK_START + i] ? 1 : 0);

  /* Markers and CRC at once: the whole row must be the pattern of ms. */
  pattern ((gint64)ms, expected);
  for (gint i = 0; i < N_CELLS; i++) {
    if (bits[i] != expected[i])
      return FALSE;
  }

  *ms_out = (gint64)ms;
  return TRUE;
}
