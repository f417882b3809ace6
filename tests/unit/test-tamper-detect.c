/* test-tamper-detect: alerts raised and cleared from sequences of sample
 * measures whose answers are known: covered, defocused, moved, frozen, the
 * night (infrared) picture that must raise nothing, and no learning of a
 * tampered view. */
#include <glib.h>
#include <math.h>

#include "tamper-detect.h"

#define S G_USEC_PER_SEC

static RviFrameView view_a, view_b;

/* A standardized edge map from a pseudo-random pattern of @seed. */
static void
make_view (RviFrameView *v, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  double sum = 0, sum2 = 0;
  guint n = G_N_ELEMENTS (v->edges);

  for (guint i = 0; i < n; i++) {
    v->edges[i] = (float) g_rand_double (r);
    sum += v->edges[i];
    sum2 += v->edges[i] * v->edges[i];
  }
  for (guint i = 0; i < n; i++)
    v->edges[i] = (float) ((v->edges[i] - sum / n) / sqrt (sum2 / n - (sum / n) * (sum / n)));
  g_rand_free (r);
}

typedef struct {
  RviTamperDetect *d;
  gint64 t;
  RviAlertChange changes[RVI_ALERT_KINDS];
  guint n;
} Run;

/* One sample 2 s after the previous one. */
static guint
feed (Run *r, double luma, double contrast, double sharpness, const RviFrameView *v, double diff)
{
  RviFrameMetrics m = { luma, contrast, sharpness };

  r->t += 2 * S;
  r->n = rvi_tamper_detect_feed (r->d, r->t, &m, v, diff, r->changes);
  return r->n;
}

static guint
normal (Run *r)
{
  return feed (r, 110, 45, 1.0, &view_a, 6);
}

static Run *
learnt_run (void)
{
  RviTamperThresholds t;
  Run *r = g_new0 (Run, 1);

  rvi_tamper_thresholds_init (&t);
  r->d = rvi_tamper_detect_new (&t);
  r->t = 1000 * S;
  for (int i = 0; i < 5; i++)
    g_assert_cmpuint (normal (r), ==, 0);
  g_assert_cmpfloat (fabs (rvi_tamper_detect_baseline (r->d) - 1.0), <, 1e-9);
  g_assert_cmpfloat (rvi_tamper_detect_similarity (r->d), >, 0.999);
  return r;
}

static void
run_free (Run *r)
{
  rvi_tamper_detect_free (r->d);
  g_free (r);
}

static void
expect_change (Run *r, RviAlertKind kind, gboolean raised, gint64 at)
{
  g_assert_cmpuint (r->n, ==, 1);
  g_assert_cmpint (r->changes[0].kind, ==, kind);
  g_assert_cmpint (r->changes[0].raised, ==, raised);
  g_assert_cmpint (r->changes[0].at_us, ==, at);
  g_assert_cmpint (rvi_tamper_detect_is_raised (r->d, kind), ==, raised);
}

static void
test_covered (void)
{
  Run *r = learnt_run ();
  gint64 start, end;

  g_assert_cmpuint (feed (r, 4, 2, 0, &view_b, 1), ==, 0);
  start = r->t;
  g_assert_cmpuint (feed (r, 3, 1, 0, &view_b, 0), ==, 0);
  feed (r, 3, 1, 0, &view_b, 0);
  /* raised at the third dark sample, starting at the first; the covered
   * lens is neither frozen, defocused nor moved */
  expect_change (r, RVI_ALERT_COVERED, TRUE, start);
  for (int i = 0; i < 5; i++)
    g_assert_cmpuint (feed (r, 3, 1, 0, &view_b, 0), ==, 0);
  g_assert_cmpuint (normal (r), ==, 0);
  end = r->t;
  g_assert_cmpuint (normal (r), ==, 0);
  normal (r);
  expect_change (r, RVI_ALERT_COVERED, FALSE, end);
  run_free (r);
}

static void
test_flicker_does_not_raise (void)
{
  Run *r = learnt_run ();

  /* two dark samples, one normal, two dark: never three in a row */
  for (int round = 0; round < 4; round++) {
    g_assert_cmpuint (feed (r, 3, 1, 0, &view_a, 2), ==, 0);
    g_assert_cmpuint (feed (r, 3, 1, 0, &view_a, 2), ==, 0);
    g_assert_cmpuint (normal (r), ==, 0);
  }
  g_assert_false (rvi_tamper_detect_is_raised (r->d, RVI_ALERT_COVERED));
  run_free (r);
}

static void
test_defocused (void)
{
  Run *r = learnt_run ();
  gint64 start;

  feed (r, 110, 45, 0.2, &view_a, 4);
  start = r->t;
  feed (r, 110, 45, 0.25, &view_a, 4);
  feed (r, 110, 45, 0.2, &view_a, 4);
  expect_change (r, RVI_ALERT_DEFOCUSED, TRUE, start);
  g_assert_cmpfloat (r->changes[0].value, ==, 0.2);
  /* a little sharper, still well under the baseline: stays raised */
  for (int i = 0; i < 4; i++)
    g_assert_cmpuint (feed (r, 110, 45, 0.3, &view_a, 4), ==, 0);
  normal (r);
  normal (r);
  normal (r);
  expect_change (r, RVI_ALERT_DEFOCUSED, FALSE, r->t - 4 * S);
  run_free (r);
}

static void
test_moved_and_not_learnt (void)
{
  Run *r = learnt_run ();
  gint64 start;

  feed (r, 100, 40, 1.0, &view_b, 30);
  start = r->t;
  feed (r, 100, 40, 1.0, &view_b, 8);
  feed (r, 100, 40, 1.0, &view_b, 8);
  expect_change (r, RVI_ALERT_MOVED, TRUE, start);
  g_assert_cmpfloat (r->changes[0].value, <, 0.2);
  /* the new view is never learnt while the alert stands */
  for (int i = 0; i < 50; i++)
    g_assert_cmpuint (feed (r, 100, 40, 1.0, &view_b, 8), ==, 0);
  g_assert_true (rvi_tamper_detect_is_raised (r->d, RVI_ALERT_MOVED));
  /* back to where it was: cleared */
  normal (r);
  normal (r);
  normal (r);
  expect_change (r, RVI_ALERT_MOVED, FALSE, r->t - 4 * S);
  run_free (r);
}

/* The camera was re-aimed on purpose: an operator accepts the view. The
 * alert clears at once, the new view is learnt, and moving back to the
 * old view is now the move. */
static void
test_accept_view (void)
{
  Run *r = learnt_run ();
  RviAlertChange changes[RVI_ALERT_KINDS];
  guint n;

  for (int i = 0; i < 3; i++)
    feed (r, 100, 40, 1.0, &view_b, 8);
  g_assert_true (rvi_tamper_detect_is_raised (r->d, RVI_ALERT_MOVED));
  n = rvi_tamper_detect_accept_view (r->d, r->t + S, changes);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (changes[0].kind, ==, RVI_ALERT_MOVED);
  g_assert_false (changes[0].raised);
  g_assert_cmpint (changes[0].at_us, ==, r->t + S);
  g_assert_false (rvi_tamper_detect_is_raised (r->d, RVI_ALERT_MOVED));
  g_assert_cmpfloat (rvi_tamper_detect_baseline (r->d), ==, 0);
  /* learnt again from view b: nothing raised */
  for (int i = 0; i < 20; i++)
    g_assert_cmpuint (feed (r, 100, 40, 2.0, &view_b, 8), ==, 0);
  g_assert_cmpfloat (fabs (rvi_tamper_detect_baseline (r->d) - 2.0), <, 1e-9);
  /* the old view is a move now */
  for (int i = 0; i < 3; i++)
    normal (r);
  expect_change (r, RVI_ALERT_MOVED, TRUE, r->t - 4 * S);
  /* accepting with nothing raised changes nothing but the learning */
  run_free (r);
  r = learnt_run ();
  g_assert_cmpuint (rvi_tamper_detect_accept_view (r->d, r->t, changes), ==, 0);
  g_assert_cmpuint (normal (r), ==, 0);
  run_free (r);
}

static void
test_frozen (void)
{
  Run *r = learnt_run ();
  gint64 start;

  feed (r, 110, 45, 1.0, &view_a, 0.0);
  start = r->t;
  feed (r, 110, 45, 1.0, &view_a, 0.1);
  feed (r, 110, 45, 1.0, &view_a, 0.0);
  expect_change (r, RVI_ALERT_FROZEN, TRUE, start);
  normal (r);
  normal (r);
  normal (r);
  expect_change (r, RVI_ALERT_FROZEN, FALSE, r->t - 4 * S);
  run_free (r);
}

static void
test_night_raises_nothing (void)
{
  Run *r = learnt_run ();
  RviFrameView night = view_a;

  /* infrared at dusk: darker, flatter, noisier (sharper per variance),
   * the same edges give or take noise; a large one-off difference */
  for (guint i = 0; i < G_N_ELEMENTS (night.edges); i++)
    night.edges[i] = (float) (night.edges[i] * 0.9 + ((int) ((i * 7919) % 13) - 6) * 0.03);
  g_assert_cmpuint (feed (r, 45, 14, 1.6, &night, 60), ==, 0);
  for (int i = 0; i < 200; i++) {
    if (feed (r, 45, 14, 1.6, &night, 3))
      g_error ("sample %d raised %s (%g)", i, rvi_alert_kind_to_string (r->changes[0].kind),
               r->changes[0].value);
  }
  for (guint k = 0; k < RVI_ALERT_KINDS; k++)
    g_assert_false (rvi_tamper_detect_is_raised (r->d, k));
  run_free (r);
}

static void
test_nothing_learnt_while_dark (void)
{
  RviTamperThresholds t;
  Run r = { 0 };

  rvi_tamper_thresholds_init (&t);
  r.d = rvi_tamper_detect_new (&t);
  for (int i = 0; i < 10; i++)
    feed (&r, 2, 1, 0, &view_a, 0);
  g_assert_true (rvi_tamper_detect_is_raised (r.d, RVI_ALERT_COVERED));
  g_assert_cmpfloat (rvi_tamper_detect_baseline (r.d), ==, 0);
  /* uncovered: the first real samples are learnt, nothing else raised */
  for (int i = 0; i < 8; i++)
    feed (&r, 110, 45, 1.0, &view_a, 6);
  g_assert_false (rvi_tamper_detect_is_raised (r.d, RVI_ALERT_COVERED));
  g_assert_false (rvi_tamper_detect_is_raised (r.d, RVI_ALERT_MOVED));
  g_assert_cmpfloat (rvi_tamper_detect_baseline (r.d), >, 0.9);
  rvi_tamper_detect_free (r.d);
  g_assert_cmpstr (rvi_alert_kind_to_string (RVI_ALERT_MOVED), ==, "moved");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  make_view (&view_a, 1);
  make_view (&view_b, 2);
  g_test_add_func ("/tamper-detect/covered", test_covered);
  g_test_add_func ("/tamper-detect/flicker", test_flicker_does_not_raise);
  g_test_add_func ("/tamper-detect/defocused", test_defocused);
  g_test_add_func ("/tamper-detect/moved", test_moved_and_not_learnt);
  g_test_add_func ("/tamper-detect/accept-view", test_accept_view);
  g_test_add_func ("/tamper-detect/frozen", test_frozen);
  g_test_add_func ("/tamper-detect/night", test_night_raises_nothing);
  g_test_add_func ("/tamper-detect/dark-start", test_nothing_learnt_while_dark);
  return g_test_run ();
}
