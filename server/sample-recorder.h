/* sample-recorder.h: RviSampleRecorder, this node's key-frame sampling:
 * the frame sampler (pipelines/frame-sampler.h) fed by every camera's
 * ingest, a tamper detector per camera (pipelines/tamper-detect.h), and the
 * rows they produce: frame_samples, camera_alerts and the alerts' audit
 * events (sql/007).
 *
 * Rows are written in batches on the database pool, in order. The queue is
 * bounded: when the database is away too long, samples are dropped first
 * (they are periodic and derived from the recording); alert changes wait
 * and are retried. Main loop only, except where noted. */
#pragma once

#include <glib.h>

#include "config.h"
#include "db-pool.h"
#include "frame-sampler.h"
#include "tamper-detect.h"

G_BEGIN_DECLS

typedef struct _RviSampleRecorder RviSampleRecorder;

/* (transfer full) a recorder writing stills under @media_dir, rows as
 * @node. Closes the alerts this node left open when it last stopped (at
 * the camera's last sample), since nothing watched the cameras meanwhile. */
RviSampleRecorder *rvi_sample_recorder_new (RviDbPool *pool, const RviConfig *config,
                                            const char *node, const char *media_dir);

/* Stops sampling, writes what is queued (waiting at most @timeout_ms for
 * the database) and frees @recorder. NULL is ignored. */
void rvi_sample_recorder_free (RviSampleRecorder *recorder, guint timeout_ms);

/* An operator accepted @camera_id's current view (docs/recording.md): at
 * its next sample the tamper detector forgets its reference view and
 * baseline (clearing a moved or defocused alert) and learns them again.
 * Main loop. */
void rvi_sample_recorder_accept_view (RviSampleRecorder *recorder, const char *camera_id);

/* Called on the main loop with each alert this node's detectors raise or
 * clear, as they do (before its row is written). */
typedef void (*RviSampleAlertFunc) (const char *camera_id, RviAlertKind kind, gboolean raised,
                                    gpointer user_data);

/* Sets the function told about alerts (NULL: none); @user_data must
 * outlive @recorder. Main loop. */
void rvi_sample_recorder_set_alert_func (RviSampleRecorder *recorder, RviSampleAlertFunc func,
                                         gpointer user_data);

/* The sampler ingest offers key frames to (transfer none; any thread). */
RviFrameSampler *rvi_sample_recorder_get_sampler (RviSampleRecorder *recorder);

typedef struct {
  RviFrameSamplerStats sampler;
  guint64 rows;             /* sample rows written */
  guint64 dropped;          /* samples dropped: queue full */
  guint64 alerts_raised;
  guint64 alerts_cleared;
  guint pending;            /* rows waiting */
} RviSampleRecorderStats;

void rvi_sample_recorder_get_stats (RviSampleRecorder *recorder, RviSampleRecorderStats *stats);

G_END_DECLS
