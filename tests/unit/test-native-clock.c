/* test-native-clock: the recorded timeline of a native camera
 * (pipelines/native-clock.c) on made-up arrivals: the first frame anchors
 * on receipt; receipt time aims at the earliest arrival, re-aimed per file;
 * the camera's clock is followed when it agrees with ours and refused when
 * it is ahead of receipt or more than a second behind; the correction
 * never steps and never moves faster than the slew rate, also for frames
 * out of presentation order; a clock jump anchors again. */
#include <glib.h>

#include "native-clock.h"

#define FPS 10
#define TICK_PER_FRAME (90000 / FPS)
#define US_PER_FRAME (G_USEC_PER_SEC / FPS)
#define T0 G_GINT64_CONSTANT (1795000000000000) /* some wall clock, us */

/* Frame @n of a camera whose clock is @camera_at_0 at frame 0, read
 * @delay us after capture; returns its recorded wall clock. */
static gint64
feed (RviNativeClock *c, gint64 n, gint64 delay, gint64 *tpts_out)
{
  gboolean jumped;
  gint64 tpts
      = rvi_native_clock_frame (c, n * TICK_PER_FRAME, T0 + n * US_PER_FRAME + delay, &jumped);

  g_assert_false (jumped);
  if (tpts_out != NULL)
    *tpts_out = tpts;
  return rvi_native_clock_wall (c, tpts);
}

/* Consecutive frames @dt_us apart in camera time are recorded between
 * (1 -/+ rate) times that apart: no step. */
static void
assert_no_step (gint64 before, gint64 after, gint64 dt_us)
{
  gint64 most = dt_us * RVI_NATIVE_CLOCK_SLEW_PPM / 1000000 + 12; /* + a 90 kHz tick */

  g_assert_cmpint (ABS (after - before - dt_us), <=, most);
}

static void
test_anchor (void)
{
  RviNativeClock c = { 0 };

  g_assert_cmpint (feed (&c, 0, 40000, NULL), ==, T0 + 40000);
  /* a steady delay: recorded on receipt, frame after frame */
  for (gint64 n = 1; n < 50; n++)
    g_assert_cmpint (feed (&c, n, 40000, NULL), ==, T0 + n * US_PER_FRAME + 40000);
}

/* The first frame came late (80 ms); the others 20-80 ms: at the next
 * file the timeline aims at the earliest arrival and gets there at the
 * slew rate. */
static void
test_receipt_earliest (void)
{
  RviNativeClock c = { 0 };
  gint64 last, wall = 0;

  last = feed (&c, 0, 80000, NULL);
  for (gint64 n = 1; n < 100; n++) {
    wall = feed (&c, n, 20000 + (n * 37 % 61) * 1000, NULL);
    assert_no_step (last, wall, US_PER_FRAME);
    last = wall;
  }
  g_assert_cmpint (wall, ==, T0 + 99 * US_PER_FRAME + 80000); /* no aim before a new file */
  rvi_native_clock_file_start (&c);
  for (gint64 n = 100; n < 200; n++) {
    wall = feed (&c, n, 20000 + (n * 37 % 61) * 1000, NULL);
    assert_no_step (last, wall, US_PER_FRAME);
    last = wall;
  }
  /* 60 ms to go at 50 ms a second: there after 1.2 s */
  g_assert_cmpint (ABS (wall - (T0 + 199 * US_PER_FRAME + 20000)), <=, 12);
}

/* Sender reports say frames are captured 300 ms before they arrive: the
 * timeline slews to capture time, frame by frame, and stays. */
static void
test_camera_clock (void)
{
  RviNativeClock c = { 0 };
  gint64 last, wall = 0, tpts, offset;

  last = feed (&c, 0, 300000, &tpts);
  offset = rvi_native_clock_camera (&c, "cam", tpts, T0, T0 + 300000);
  g_assert_cmpint (offset, ==, -300000);
  g_assert_true (c.on_camera_clock);
  for (gint64 n = 1; n < 100; n++) {
    wall = feed (&c, n, 300000, &tpts);
    assert_no_step (last, wall, US_PER_FRAME);
    g_assert_cmpint (wall, >=, T0 + n * US_PER_FRAME - 12); /* never past the aim */
    last = wall;
    if (n % 10 == 0) { /* a key frame: the report says the same */
      rvi_native_clock_camera (&c, "cam", tpts, T0 + n * US_PER_FRAME,
                               T0 + n * US_PER_FRAME + 300000);
      rvi_native_clock_file_start (&c); /* no effect on the camera's clock */
    }
  }
  /* 300 ms at 50 ms a second of camera time: 6 s, 60 frames */
  g_assert_cmpint (ABS (wall - (T0 + 99 * US_PER_FRAME)), <=, 12);
  g_assert_cmpint (ABS (rvi_native_clock_camera (&c, "cam", tpts, T0 + 99 * US_PER_FRAME,
                                                 T0 + 99 * US_PER_FRAME + 300000)),
                   <=, 12);
}

/* A camera whose clock is ahead of ours, or more than a second behind, is
 * not followed: receipt time stays. */
static void
test_camera_clock_refused (void)
{
  gint64 off[] = { 200000, 5 * G_USEC_PER_SEC, -1500000 }; /* camera minus receipt */

  for (guint i = 0; i < G_N_ELEMENTS (off); i++) {
    RviNativeClock c = { 0 };
    gint64 tpts, wall = 0;

    feed (&c, 0, 30000, &tpts);
    g_assert_cmpint (rvi_native_clock_camera (&c, "cam", tpts, T0 + 30000 + off[i], T0 + 30000), ==,
                     off[i]);
    g_assert_false (c.on_camera_clock);
    for (gint64 n = 1; n < 50; n++)
      wall = feed (&c, n, 30000, NULL);
    g_assert_cmpint (wall, ==, T0 + 49 * US_PER_FRAME + 30000);
  }
}

/* Frames in decode order I0 P3 B1 B2 P6 B4 B5...: recorded in presentation
 * order, each step within the slew rate of the camera's. */
static void
test_out_of_order (void)
{
  RviNativeClock c = { 0 };
  gint64 walls[64], tpts;
  gboolean jumped;

  feed (&c, 0, 300000, &tpts);
  walls[0] = rvi_native_clock_wall (&c, tpts);
  rvi_native_clock_camera (&c, "cam", tpts, T0, T0 + 300000);
  for (gint64 k = 1; k + 2 < 64; k += 3) {
    gint64 order[] = { k + 2, k, k + 1 };

    for (guint i = 0; i < 3; i++) {
      gint64 n = order[i];

      tpts = rvi_native_clock_frame (&c, n * TICK_PER_FRAME, T0 + (k + i) * US_PER_FRAME + 300000,
                                     &jumped);
      walls[n] = rvi_native_clock_wall (&c, tpts);
    }
  }
  for (guint n = 1; n < 64; n++)
    assert_no_step (walls[n - 1], walls[n], US_PER_FRAME);
}

/* The camera restarts its clock: the timeline anchors again on receipt. */
static void
test_jump (void)
{
  RviNativeClock c = { 0 };
  gboolean jumped;
  gint64 tpts;

  for (gint64 n = 0; n < 20; n++)
    feed (&c, n, 50000, NULL);
  tpts = rvi_native_clock_frame (&c, 900000 * 100, T0 + 20 * US_PER_FRAME + 50000, &jumped);
  g_assert_true (jumped);
  g_assert_cmpint (rvi_native_clock_wall (&c, tpts), ==, T0 + 20 * US_PER_FRAME + 50000);
  tpts = rvi_native_clock_frame (&c, 900000 * 100 + TICK_PER_FRAME, T0 + 21 * US_PER_FRAME + 50000,
                                 &jumped);
  g_assert_false (jumped);
  g_assert_cmpint (rvi_native_clock_wall (&c, tpts), ==, T0 + 21 * US_PER_FRAME + 50000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/native-clock/anchor", test_anchor);
  g_test_add_func ("/native-clock/receipt-earliest", test_receipt_earliest);
  g_test_add_func ("/native-clock/camera-clock", test_camera_clock);
  g_test_add_func ("/native-clock/camera-clock-refused", test_camera_clock_refused);
  g_test_add_func ("/native-clock/out-of-order", test_out_of_order);
  g_test_add_func ("/native-clock/jump", test_jump);
  return g_test_run ();
}
