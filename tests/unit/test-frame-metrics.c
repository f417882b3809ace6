/* test-frame-metrics: luma statistics, sharpness, difference and
 * similarity on synthetic pictures whose answers are known. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "frame-metrics.h"

#define W 640
#define H 480

typedef struct {
  guint8 *p;
  gsize stride;
} Plane;

static Plane
plane_new (guint8 value)
{
  Plane pl = { g_malloc (W * H + 64 * H), W + 64 };   /* rows padded, like decoders do */
  memset (pl.p, value, pl.stride * H);
  return pl;
}

/* A scene: a bright horizon band, two dark "rails", posts, blocks. Shifted
 * right by @dx pixels and down by @dy. */
static void
draw_scene (Plane *pl, int dx, int dy)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      int sx = x - dx, sy = y - dy;
      int v = 90 + (sy * 60) / H;                        /* a gentle gradient */
      if (sy > 150 && sy < 200)
        v = 200;                                         /* horizon */
      if ((sy > 300 && sy < 310) || (sy > 360 && sy < 372))
        v = 30;                                          /* rails */
      if (sx % 80 < 8 && sy > 200 && sy < 300)
        v = 20;                                          /* posts */
      if (((sx / 40) + (sy / 40)) % 2 == 0 && sy > 380)
        v += 50;                                         /* ballast blocks */
      pl->p[(gsize) y * pl->stride + x] = (guint8) CLAMP (v, 0, 255);
    }
}

/* Box blur of radius @r, in place (a defocused lens). */
static void
blur (Plane *pl, int r)
{
  g_autofree guint8 *copy = g_memdup2 (pl->p, pl->stride * H);

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      int sum = 0, n = 0;
      for (int yy = MAX (0, y - r); yy <= MIN (H - 1, y + r); yy++)
        for (int xx = MAX (0, x - r); xx <= MIN (W - 1, x + r); xx++) {
          sum += copy[(gsize) yy * pl->stride + xx];
          n++;
        }
      pl->p[(gsize) y * pl->stride + x] = (guint8) (sum / n);
    }
}

static void
measure (Plane *pl, RviFrameMetrics *m, RviFrameView *v)
{
  g_assert_true (rvi_frame_metrics_measure (pl->p, W, H, pl->stride, m, v));
}

static void
test_flat (void)
{
  Plane pl = plane_new (17);
  RviFrameMetrics m;
  g_autofree RviFrameView *v = g_new (RviFrameView, 1);

  measure (&pl, &m, v);
  g_assert_cmpfloat (fabs (m.luma - 17), <, 0.01);
  g_assert_cmpfloat (m.contrast, <, 0.01);
  g_assert_cmpfloat (m.sharpness, ==, 0);
  /* a flat picture has no edges: it resembles nothing, not even itself */
  g_assert_cmpfloat (rvi_frame_view_similarity (v, v), ==, 0);
  g_assert_cmpfloat (rvi_frame_view_difference (v, v), ==, 0);
  g_free (pl.p);
}

static void
test_scene (void)
{
  Plane a = plane_new (0), b = plane_new (0);
  RviFrameMetrics ma, mb;
  g_autofree RviFrameView *va = g_new (RviFrameView, 1);
  g_autofree RviFrameView *vb = g_new (RviFrameView, 1);

  draw_scene (&a, 0, 0);
  measure (&a, &ma, va);
  g_assert_cmpfloat (ma.luma, >, 60);
  g_assert_cmpfloat (ma.luma, <, 160);
  g_assert_cmpfloat (ma.contrast, >, 30);
  g_assert_cmpfloat (fabs (rvi_frame_view_similarity (va, va) - 1.0), <, 1e-3);

  /* the same view again: identical */
  draw_scene (&b, 0, 0);
  measure (&b, &mb, vb);
  g_assert_cmpfloat (rvi_frame_view_difference (va, vb), ==, 0);

  /* the OSD bands are not measured: change them, nothing moves */
  memset (b.p, 255, b.stride * 40);                        /* top 40 of 480 < 4.5/45 */
  memset (b.p + b.stride * (H - 25), 0, b.stride * 25);   /* bottom 25 < 3/45 */
  measure (&b, &mb, vb);
  g_assert_cmpfloat (rvi_frame_view_difference (va, vb), ==, 0);
  g_assert_cmpfloat (fabs (mb.luma - ma.luma), <, 1e-9);
  g_free (a.p);
  g_free (b.p);
}

static void
test_defocus (void)
{
  Plane pl = plane_new (0);
  RviFrameMetrics sharp, soft;
  g_autofree RviFrameView *v1 = g_new (RviFrameView, 1);
  g_autofree RviFrameView *v2 = g_new (RviFrameView, 1);

  draw_scene (&pl, 0, 0);
  measure (&pl, &sharp, v1);
  blur (&pl, W / 40);   /* as camsim's defocused scene */
  measure (&pl, &soft, v2);
  g_test_message ("sharpness %.4f -> %.4f", sharp.sharpness, soft.sharpness);
  g_assert_cmpfloat (soft.sharpness, <, 0.35 * sharp.sharpness);
  /* the view is still where it was */
  g_assert_cmpfloat (rvi_frame_view_similarity (v1, v2), >, 0.5);
  g_free (pl.p);
}

static void
test_light_and_aim (void)
{
  Plane day = plane_new (0), night = plane_new (0), moved = plane_new (0);
  RviFrameMetrics m;
  g_autofree RviFrameView *vd = g_new (RviFrameView, 1);
  g_autofree RviFrameView *vn = g_new (RviFrameView, 1);
  g_autofree RviFrameView *vm = g_new (RviFrameView, 1);
  double same_place, elsewhere;

  draw_scene (&day, 0, 0);
  /* night: infrared, darker and flatter, the same edges */
  memcpy (night.p, day.p, day.stride * H);
  for (gsize i = 0; i < night.stride * H; i++)
    night.p[i] = (guint8) (night.p[i] * 0.4 + 10);
  draw_scene (&moved, 120, -90);
  measure (&day, &m, vd);
  measure (&night, &m, vn);
  measure (&moved, &m, vm);
  same_place = rvi_frame_view_similarity (vd, vn);
  elsewhere = rvi_frame_view_similarity (vd, vm);
  g_test_message ("similarity: night %.3f, re-aimed %.3f", same_place, elsewhere);
  g_assert_cmpfloat (same_place, >, 0.9);
  g_assert_cmpfloat (elsewhere, <, 0.5);
  /* the night picture differs in luma all the same */
  g_assert_cmpfloat (rvi_frame_view_difference (vd, vn), >, 20);
  g_free (day.p);
  g_free (night.p);
  g_free (moved.p);
}

static void
test_too_small (void)
{
  guint8 tiny[32 * 32] = { 0 };
  RviFrameMetrics m = { 1, 2, 3 };
  g_autofree RviFrameView *v = g_new0 (RviFrameView, 1);

  g_assert_false (rvi_frame_metrics_measure (tiny, 32, 32, 32, &m, v));
  g_assert_cmpfloat (m.luma, ==, 1);
  /* odd sizes measure (boxes of unequal size), without reading past the rows */
  {
    g_autofree guint8 *odd = g_malloc0 (333 * 101);
    g_assert_true (rvi_frame_metrics_measure (odd, 333, 101, 333, &m, v));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/frame-metrics/flat", test_flat);
  g_test_add_func ("/frame-metrics/scene", test_scene);
  g_test_add_func ("/frame-metrics/defocus", test_defocus);
  g_test_add_func ("/frame-metrics/light-and-aim", test_light_and_aim);
  g_test_add_func ("/frame-metrics/too-small", test_too_small);
  return g_test_run ();
}
