/* tamper-detect.c: per-alert run counters over the camera's samples.
 *
 * DESIGN. Each sample is put in or out of each condition; a counter per
 * alert counts the current run (in while lowered, out while raised), and
 * remembers when the run began, which becomes the alert's start or end.
 * Learning: the reference view is the first sample in no condition, then
 * blended towards every later such sample (5 % each) while no alert is
 * raised; the baseline sharpness is the mean of the first
 * baseline_samples, then an exponential average (5 %). A sample judged
 * dark is in no other condition: a covered lens has no sharpness, no
 * edges and no motion to speak of. */
#include "tamper-detect.h"

#define BLEND 0.05

typedef struct {
  gboolean raised;
  guint run;          /* consecutive samples in (lowered) or out (raised) of the condition */
  gint64 run_start;
  double run_value;   /* the measure of the run's first sample */
} AlertState;

struct _RviTamperDetect {
  RviTamperThresholds t;
  AlertState alerts[RVI_ALERT_KINDS];
  RviFrameView reference;
  gboolean have_reference;
  guint learnt;       /* samples in no condition seen, up to baseline_samples */
  double baseline;    /* sharpness */
  double similarity;  /* of the last sample */
};

static const char *const kind_names[RVI_ALERT_KINDS] = { "covered", "defocused", "moved",
                                                         "frozen" };

const char *
rvi_alert_kind_to_string (RviAlertKind kind)
{
  return kind < RVI_ALERT_KINDS ? kind_names[kind] : "unknown";
}

void
rvi_tamper_thresholds_init (RviTamperThresholds *t)
{
  t->dark_luma = 28;
  t->dark_contrast = 10;
  t->defocus_ratio = 0.4;
  t->moved_similarity = 0.5;
  t->frozen_difference = 0.3;
  t->raise_after = 3;
  t->clear_after = 3;
  t->baseline_samples = 5;
}

RviTamperDetect *
rvi_tamper_detect_new (const RviTamperThresholds *thresholds)
{
  RviTamperDetect *d = g_new0 (RviTamperDetect, 1);

  d->t = *thresholds;
  d->t.raise_after = MAX (d->t.raise_after, 1);
  d->t.clear_after = MAX (d->t.clear_after, 1);
  d->t.baseline_samples = MAX (d->t.baseline_samples, 1);
  return d;
}

void
rvi_tamper_detect_free (RviTamperDetect *d)
{
  g_free (d);
}

/* Moves alert @kind's counter with this sample; appends a change. */
static void
judge (RviTamperDetect *d, RviAlertKind kind, gboolean in, double value, gint64 at_us,
       RviAlertChange *changes, guint *n)
{
  AlertState *a = &d->alerts[kind];
  gboolean counts = a->raised ? !in : in;

  if (!counts) {
    a->run = 0;
    return;
  }
  if (a->run++ == 0) {
    a->run_start = at_us;
    a->run_value = value;
  }
  if (a->run >= (a->raised ? d->t.clear_after : d->t.raise_after)) {
    a->raised = !a->raised;
    a->run = 0;
    changes[(*n)++] = (RviAlertChange) { kind, a->raised, a->run_start, a->run_value };
  }
}

static gboolean
any_raised (RviTamperDetect *d)
{
  for (guint k = 0; k < RVI_ALERT_KINDS; k++)
    if (d->alerts[k].raised)
      return TRUE;
  return FALSE;
}

static void
learn (RviTamperDetect *d, const RviFrameMetrics *m, const RviFrameView *view)
{
  if (!d->have_reference) {
    d->reference = *view;
    d->have_reference = TRUE;
  } else {
    for (guint i = 0; i < G_N_ELEMENTS (d->reference.edges); i++)
      d->reference.edges[i] = (float) ((1 - BLEND) * d->reference.edges[i] + BLEND * view->edges[i]);
  }
  if (d->learnt < d->t.baseline_samples) {
    d->baseline = (d->baseline * d->learnt + m->sharpness) / (d->learnt + 1);
    d->learnt++;
  } else {
    d->baseline = (1 - BLEND) * d->baseline + BLEND * m->sharpness;
  }
}

guint
rvi_tamper_detect_feed (RviTamperDetect *d, gint64 at_us, const RviFrameMetrics *m,
                        const RviFrameView *view, double difference, RviAlertChange *changes)
{
  gboolean dark = m->luma < d->t.dark_luma && m->contrast < d->t.dark_contrast;
  gboolean judged = d->learnt >= d->t.baseline_samples;
  gboolean frozen, defocused, moved;
  guint n = 0;

  d->similarity = d->have_reference ? rvi_frame_view_similarity (view, &d->reference) : 0;
  frozen = !dark && difference >= 0 && difference < d->t.frozen_difference;
  defocused = !dark && judged && m->sharpness < d->t.defocus_ratio * d->baseline;
  moved = !dark && judged && d->similarity < d->t.moved_similarity;

  judge (d, RVI_ALERT_COVERED, dark, m->luma, at_us, changes, &n);
  judge (d, RVI_ALERT_DEFOCUSED, defocused, m->sharpness, at_us, changes, &n);
  judge (d, RVI_ALERT_MOVED, moved, d->similarity, at_us, changes, &n);
  judge (d, RVI_ALERT_FROZEN, frozen, difference, at_us, changes, &n);

  if (!dark && !frozen && !defocused && !moved && !any_raised (d))
    learn (d, m, view);
  return n;
}

guint
rvi_tamper_detect_accept_view (RviTamperDetect *d, gint64 at_us, RviAlertChange *changes)
{
  static const RviAlertKind learnt_kinds[] = { RVI_ALERT_DEFOCUSED, RVI_ALERT_MOVED };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (learnt_kinds); i++) {
    AlertState *a = &d->alerts[learnt_kinds[i]];

    if (a->raised)
      changes[n++] = (RviAlertChange) { learnt_kinds[i], FALSE, at_us,
                                        learnt_kinds[i] == RVI_ALERT_MOVED ? d->similarity : 0 };
    *a = (AlertState) { 0 };
  }
  d->have_reference = FALSE;
  d->learnt = 0;
  d->baseline = 0;
  d->similarity = 0;
  return n;
}

gboolean
rvi_tamper_detect_is_raised (RviTamperDetect *d, RviAlertKind kind)
{
  return kind < RVI_ALERT_KINDS && d->alerts[kind].raised;
}

double
rvi_tamper_detect_similarity (RviTamperDetect *d)
{
  return d->similarity;
}

double
rvi_tamper_detect_baseline (RviTamperDetect *d)
{
  return d->learnt ? d->baseline : 0;
}
