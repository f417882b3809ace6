/* test-timestamp-blocks.c: the block-coded stamp, painted and read back on
 * synthetic luma planes, and the simulator's Beijing clock text. */
#include "camsim-scene.h"
#include "timestamp-blocks.h"

#include <string.h>

typedef struct {
  gint width, height, stride;
  guint8 *y;
} Plane;

static Plane *
plane_new (gint width, gint height, gint padding, guint8 fill)
{
  Plane *p = g_new0 (Plane, 1);

  p->width = width;
  p->height = height;
  p->stride = width + padding;
  p->y = g_malloc ((gsize)p->stride * (gsize)height);
  memset (p->y, fill, (gsize)p->stride * (gsize)height);
  return p;
}

static void
plane_free (Plane *p)
{
  g_free (p->y);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Plane, plane_free)

static void
test_round_trip (void)
{
  const gint sizes[][2]
      = { { 1280, 720 }, { 640, 360 }, { 1920, 1080 }, { 320, 180 }, { 704, 576 }, { 160, 90 } };
  const gint64 values[]
      = { 0, 1, 1700000000123, g_get_real_time () / 1000, RVI_TIMESTAMP_BLOCKS_MAX_MS };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
    for (guint v = 0; v < G_N_ELEMENTS (values); v++) {
      g_autoptr (Plane) p = plane_new (sizes[s][0], sizes[s][1], 32, 128);
      gint64 ms = -1;

      g_assert_true (rvi_timestamp_blocks_paint (p->y, p->width, p->height, p->stride, values[v]));
      g_assert_true (rvi_timestamp_blocks_read (p->y, p->width, p->height, p->stride, &ms));
      g_assert_cmpint (ms, ==, values[v]);
    }
  }
}

/* Painted at 1280x720, read after a 2:1 box downscale plus noise. */
static void
test_scaled_and_noisy (void)
{
  g_autoptr (Plane) big = plane_new (1280, 720, 0, 90);
  g_autoptr (Plane) small = plane_new (640, 360, 16, 0);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  gint64 want = 1717171717171, ms = -1;

  g_assert_true (rvi_timestamp_blocks_paint (big->y, 1280, 720, 1280, want));
  for (gint r = 0; r < 360; r++) {
    for (gint c = 0; c < 640; c++) {
      const guint8 *q = big->y + (gsize)(2 * r) * 1280 + 2 * c;
      gint v = (q[0] + q[1] + q[1280] + q[1281]) / 4 + g_rand_int_range (rand, -25, 26);
      small->y[(gsize)r * small->stride + c] = (guint8)CLAMP (v, 0, 255);
    }
  }
  g_assert_true (rvi_timestamp_blocks_read (small->y, 640, 360, small->stride, &ms));
  g_assert_cmpint (ms, ==, want);
}

static void
test_rejects_garbage (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  const guint8 fills[] = { 0, 16, 128, 235, 255 };
  gint64 ms = 12345;

  for (guint i = 0; i < G_N_ELEMENTS (fills); i++) {
    g_autoptr (Plane) p = plane_new (1280, 720, 0, fills[i]);
    g_assert_false (rvi_timestamp_blocks_read (p->y, 1280, 720, 1280, &ms));
  }
  for (gint round = 0; round < 200; round++) {
    g_autoptr (Plane) p = plane_new (640, 360, 0, 0);
    for (gsize k = 0; k < 640 * 360; k++)
      p->y[k] = (guint8)g_rand_int_range (rand, 0, 256);
    g_assert_false (rvi_timestamp_blocks_read (p->y, 640, 360, 640, &ms));
  }
  /* Random blocks with good contrast: cells are clean but the pattern fails. */
  for (gint round = 0; round < 200; round++) {
    g_autoptr (Plane) p = plane_new (320, 180, 0, 0);
    for (gint r = 0; r < 180; r++)
      for (gint c = 0; c < 320; c++)
        p->y[r * 320 + c] = (guint8)((g_rand_int (rand) & 1) && (c / 4 + r / 4) % 2 ? 235 : 16);
    g_assert_false (rvi_timestamp_blocks_read (p->y, 320, 180, 320, &ms));
  }
  g_assert_cmpint (ms, ==, 12345);
}

/* One flipped data cell breaks the CRC. */
static void
test_rejects_flipped_bit (void)
{
  g_autoptr (Plane) p = plane_new (1280, 720, 0, 100);
  gint64 ms = -1;
  gint cell = 5 + 4 + 20; /* first column + start marker + data bit 20 */
  gint x0 = cell * 16, y0 = 3 * 16;

  g_assert_true (rvi_timestamp_blocks_paint (p->y, 1280, 720, 1280, 1700000000000));
  for (gint r = y0; r < y0 + 16; r++)
    for (gint c = x0; c < x0 + 16; c++)
      p->y[r * 1280 + c] = p->y[r * 1280 + c] > 128 ? 16 : 235;
  g_assert_false (rvi_timestamp_blocks_read (p->y, 1280, 720, 1280, &ms));
}

static void
test_too_small (void)
{
  g_autoptr (Plane) p = plane_new (120, 80, 0, 0);
  gint64 ms;

  g_assert_false (rvi_timestamp_blocks_paint (p->y, 120, 80, 120, 5));
  g_assert_false (rvi_timestamp_blocks_read (p->y, 120, 80, 120, &ms));
  g_assert_false (rvi_timestamp_blocks_paint (p->y, 120, 80, 120, -1));
}

static void
test_beijing_clock (void)
{
  gchar buf[32];

  rvi_camsim_scene_format_clock (0, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "1970-01-01 08:00:00");
  rvi_camsim_scene_format_clock (1700000000999, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "2023-11-15 06:13:20");
  rvi_camsim_scene_format_clock (1709222400000, buf, sizeof buf); /* 2024-02-29 16:00 UTC */
  g_assert_cmpstr (buf, ==, "2024-03-01 00:00:00");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/timestamp-blocks/round-trip", test_round_trip);
  g_test_add_func ("/timestamp-blocks/scaled-and-noisy", test_scaled_and_noisy);
  g_test_add_func ("/timestamp-blocks/rejects-garbage", test_rejects_garbage);
  g_test_add_func ("/timestamp-blocks/rejects-flipped-bit", test_rejects_flipped_bit);
  g_test_add_func ("/timestamp-blocks/too-small", test_too_small);
  g_test_add_func ("/camsim/beijing-clock", test_beijing_clock);
  return g_test_run ();
}
