/* tamper-detect.h: RviTamperDetect, one camera's tamper and scene alerts,
 * judged from its key-frame samples (frame-sampler.h).
 *
 *   covered   the picture is dark and flat: lens covered, or no light
 *   defocused sharpness fell well below the camera's own baseline
 *   moved     the edges no longer match the camera's reference view: it
 *             was re-aimed or knocked (a change of light, or the day/night
 *             infrared switch, keeps the edges where they are)
 *   frozen    consecutive samples are identical although frames still
 *             arrive (a stuck encoder or a replayed picture)
 *
 * An alert is raised after raise_after consecutive samples in its
 * condition and cleared after clear_after consecutive samples out of it;
 * it starts at the first sample of the run that raised it and ends at the
 * first sample of the run that cleared it. The baseline sharpness and the
 * reference view are learnt from the first baseline_samples samples that
 * are in no condition, and follow slow changes afterwards (only while no
 * alert is raised, so a tampered view is never learnt). Pure logic: no
 * clock, no I/O, no thread. */
#pragma once

#include <glib.h>

#include "frame-metrics.h"

G_BEGIN_DECLS

typedef enum {
  RVI_ALERT_COVERED,
  RVI_ALERT_DEFOCUSED,
  RVI_ALERT_MOVED,
  RVI_ALERT_FROZEN,
  RVI_ALERT_KINDS,
} RviAlertKind;

/* "covered", "defocused", "moved", "frozen" (transfer none). */
const char *rvi_alert_kind_to_string (RviAlertKind kind);

typedef struct {
  double dark_luma;         /* covered: mean luma below this ... */
  double dark_contrast;     /* ... and contrast below this */
  double defocus_ratio;     /* defocused: sharpness below this share of the baseline */
  double moved_similarity;  /* moved: similarity to the reference view below this */
  double frozen_difference; /* frozen: difference from the previous sample below this */
  guint raise_after;        /* consecutive samples in a condition to raise its alert */
  guint clear_after;        /* consecutive samples out of it to clear the alert */
  guint baseline_samples;   /* samples learnt before defocus and moves are judged */
} RviTamperThresholds;

/* The defaults, documented in deploy/rvi.conf.example. */
void rvi_tamper_thresholds_init (RviTamperThresholds *thresholds);

typedef struct {
  RviAlertKind kind;
  gboolean raised;          /* TRUE: raised; FALSE: cleared */
  gint64 at_us;             /* start (raised) or end (cleared) of the alert */
  double value;             /* the measure of the sample that decided */
} RviAlertChange;

typedef struct _RviTamperDetect RviTamperDetect;

/* (transfer full) a detector with a copy of @thresholds. */
RviTamperDetect *rvi_tamper_detect_new (const RviTamperThresholds *thresholds);
void rvi_tamper_detect_free (RviTamperDetect *detect);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviTamperDetect, rvi_tamper_detect_free)

/* Judges the sample taken at @at_us with @metrics and @view, @difference
 * from the previous sample (negative for the first). Writes the alerts
 * raised or cleared by it into @changes (room for RVI_ALERT_KINDS) and
 * returns how many. */
guint rvi_tamper_detect_feed (RviTamperDetect *detect, gint64 at_us,
                              const RviFrameMetrics *metrics, const RviFrameView *view,
                              double difference, RviAlertChange *changes);

/* An operator accepted the camera's current view (it was re-aimed on
 * purpose, or its lens replaced): the reference view and the baseline
 * sharpness are forgotten and learnt again from the next samples, and a
 * raised moved or defocused alert is cleared at @at_us. Writes those
 * changes into @changes (room for RVI_ALERT_KINDS) and returns how many. */
guint rvi_tamper_detect_accept_view (RviTamperDetect *detect, gint64 at_us,
                                     RviAlertChange *changes);

/* Whether the alert of @kind is raised now. */
gboolean rvi_tamper_detect_is_raised (RviTamperDetect *detect, RviAlertKind kind);

/* The similarity of the last sample to the reference view (0 before one
 * was learnt), and the baseline sharpness (0 before it was learnt). */
double rvi_tamper_detect_similarity (RviTamperDetect *detect);
double rvi_tamper_detect_baseline (RviTamperDetect *detect);

G_END_DECLS
