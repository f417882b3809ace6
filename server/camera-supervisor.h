/* camera-supervisor.h: RviCameraSupervisor keeps one camera recording.
 *
 * A state machine around one RviIngest at a time:
 *
 *   disabled <-> connecting -> streaming -> (failure) -> backing_off -> connecting ...
 *                                      \-> auth_failed (longer back-off, says so)
 *                                      \-> disk_full / db_unavailable (wait, retry)
 *
 * Every interval without recording becomes a gap row with its cause; gaps
 * open when recording stops and close when the next segment opens. */
#pragma once

#include <glib.h>

#include "camera-stats.h"
#include "cameras.h"
#include "credential-box.h"
#include "frame-sampler.h"
#include "live-feed.h"
#include "index-writer.h"

G_BEGIN_DECLS

typedef struct {
  const char *node;
  const char *media_dir;       /* segments go to MEDIA_DIR/<camera id>/ */
  RviIndexWriter *writer;
  RviCredentialBox *credentials;
  guint backoff_cap_s;         /* reconnect back-off cap (default 30) */
  guint auth_backoff_cap_s;    /* after an authentication failure (default 300) */
  guint stall_timeout_ms;
  guint connect_timeout_ms;
  guint fragment_ms;
  RviFrameSampler *sampler;    /* NULL: no key-frame sampling */
  RviLiveHub *live;            /* the node's live feeds; NULL: no live view */
} RviSupervisorContext;

typedef struct _RviCameraSupervisor RviCameraSupervisor;

typedef void (*RviSupervisorDone) (gpointer user_data);

/* Creates and starts a supervisor for @config (copied); @ctx must outlive
 * it. @last_end_us is the end of the camera's last recording (0: none);
 * with a @gap_cause (server_restart, node_failover) a gap of that cause and
 * @gap_detail runs from there until the first new segment (or the first
 * failure). The supervisor counts into @stats (a reference is held). */
RviCameraSupervisor *rvi_camera_supervisor_new (const RviSupervisorContext *ctx,
                                                const RviCameraConfig *config, gint64 last_end_us,
                                                const char *gap_cause, const char *gap_detail,
                                                RviCameraStats *stats);

/* Applies a changed configuration: reconnects if the connection changed,
 * stops (with a "disabled" gap) when recording was switched off. */
void rvi_camera_supervisor_update (RviCameraSupervisor *sup, const RviCameraConfig *config);

/* Disk full (TRUE) stops recording with a disk_full gap until FALSE. */
void rvi_camera_supervisor_set_disk_full (RviCameraSupervisor *sup, gboolean full);

/* The state name ("streaming", ...) (transfer none). */
const char *rvi_camera_supervisor_get_state (RviCameraSupervisor *sup);

/* The states a supervisor reports, sorted by name: "auth_failed", ...
 * "streaming" for 0 .. RVI_CAMERA_STATES - 1 (transfer none). */
#define RVI_CAMERA_STATES 7
const char *rvi_camera_state_name (guint i);

/* What the camera does now, for /metrics. */
typedef struct {
  const char *state;     /* as rvi_camera_supervisor_get_state() (transfer none) */
  gboolean up;           /* streaming */
  double fps;            /* frames a second received over the last ~5 s; 0 unless up */
  double bitrate_bps;    /* bits a second received, likewise */
} RviCameraLive;

void rvi_camera_supervisor_get_live (RviCameraSupervisor *sup, RviCameraLive *live);

/* Graceful stop for shutdown or removal: the open segment is finished and
 * indexed; no gap is recorded (a restart records server_restart). @done
 * runs once the ingest stopped. */
void rvi_camera_supervisor_stop (RviCameraSupervisor *sup, RviSupervisorDone done, gpointer user_data);

/* Frees a supervisor (hard stop if still running). */
void rvi_camera_supervisor_free (RviCameraSupervisor *sup);

G_END_DECLS
