/* camera-stats.h: RviCameraStats, one camera's running figures on this
 * node for /metrics: what its recording received and wrote (the media
 * plane's RviRecordingCounters), reconnects, seconds without recording by
 * gap cause, and its tamper alerts. Kept by the camera manager for every
 * camera this node recorded since it started, across the camera's
 * connections and supervisors, so a camera handed over and back goes on
 * counting instead of starting again at zero.
 *
 * Main loop only, except @media, which the ingest's threads bump. Counted
 * where the work happens: the supervisor (reconnects, gaps), the ingest
 * (frames, bytes, segments), the sample recorder (alerts). */
#pragma once

#include <glib.h>

#include "recording-counters.h"
#include "tamper-detect.h"

G_BEGIN_DECLS

/* Gap causes (sql/002_cameras.sql), in the order of their names. */
#define RVI_GAP_CAUSES 12

/* "auth_failed", ... "unsupported" for 0 .. RVI_GAP_CAUSES - 1 (transfer none). */
const char *rvi_gap_cause_name (guint cause);

typedef struct {
  RviRecordingCounters *media;           /* (transfer none) frames, bytes, segments */
  guint64 reconnects;                    /* connections that failed */
  guint64 alerts_raised[RVI_ALERT_KINDS];
  gboolean alert_open[RVI_ALERT_KINDS];
  /* private: see rvi_camera_stats_gap_seconds() */
  gint64 gap_us[RVI_GAP_CAUSES];         /* gaps closed */
  int open_cause;                        /* -1: no gap open */
  gint64 open_start_us;
  gint64 open_shown_us;                  /* the open gap's length as last read */
} RviCameraStats;

/* (transfer full) a camera's figures at zero (g_rc_box). */
RviCameraStats *rvi_camera_stats_new (void);
RviCameraStats *rvi_camera_stats_ref (RviCameraStats *stats);
void rvi_camera_stats_unref (RviCameraStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCameraStats, rvi_camera_stats_unref)

/* A gap of @cause (a name of the gaps table; unknown ones count as
 * "error") runs from @start_us; one still open ends there. */
void rvi_camera_stats_gap_opened (RviCameraStats *stats, const char *cause, gint64 start_us);
/* The open gap (if any) ends at @end_us. */
void rvi_camera_stats_gap_closed (RviCameraStats *stats, gint64 end_us);
/* A gap of @cause from @start_us to @end_us, recorded after the fact. */
void rvi_camera_stats_gap (RviCameraStats *stats, const char *cause, gint64 start_us,
                           gint64 end_us);

/* Seconds of gaps of @cause up to @now_us, the open one included. Never
 * less than what it returned before: a gap that ends before the time it
 * was last read at (its end is the next segment's first frame, known a
 * moment later) keeps the length it was read with. -1 when the camera
 * had no gap of that cause. */
double rvi_camera_stats_gap_seconds (RviCameraStats *stats, guint cause, gint64 now_us);

/* This node's tamper detector raised (@raised) or cleared an alert. */
void rvi_camera_stats_alert (RviCameraStats *stats, RviAlertKind kind, gboolean raised);

G_END_DECLS
