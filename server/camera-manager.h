/* camera-manager.h: RviCameraManager, every camera this node records:
 * start-up repair, one supervisor per camera, the node heartbeat and
 * retention (see camera-manager.c). Main loop only. */
#pragma once

#include <glib.h>

#include "app.h"
#include "camera-stats.h"
#include "camera-supervisor.h"
#include "sample-recorder.h"

G_BEGIN_DECLS

/* Starts the manager (transfer full): repair, then recording. Segments go
 * under @media_dir. */
RviCameraManager *rvi_camera_manager_new (RviApp *app, const char *media_dir);

/* Re-reads the cameras soon (after an API change). */
void rvi_camera_manager_refresh (RviCameraManager *m);

/* Runs retention now instead of at the next interval (tests, operators). */
void rvi_camera_manager_run_retention (RviCameraManager *m);

/* Writes the node's heartbeat (and its URL, app->node_url) now. */
void rvi_camera_manager_heartbeat (RviCameraManager *m);

const char *rvi_camera_manager_get_media_dir (RviCameraManager *m);

/* Key-frame sampling of this node (sample-recorder.h); FALSE when off. */
/* Passes an operator's acceptance of @camera_id's view to the tamper
 * detector (sample-recorder.h). FALSE when this node samples nothing. */
gboolean rvi_camera_manager_accept_view (RviCameraManager *m, const char *camera_id);

gboolean rvi_camera_manager_get_sample_stats (RviCameraManager *m,
                                              RviSampleRecorderStats *stats);

/* One camera's figures for /metrics (camera-manager-figures.c). */
typedef struct {
  char *id;
  char *name;
  RviCameraStats *stats;     /* a reference */
  gboolean recording;        /* this node holds its lease and runs it: @live is set */
  RviCameraLive live;
  gboolean alerts_known;     /* @stats's alerts come from a sampler (sampling is on) */
} RviCameraFigures;

typedef struct {
  const char *node;          /* transfer none */
  guint leases_held;         /* leases this node held at its last lease tick */
  gboolean have_disk;        /* the media directory's file system read within DISK_STALE_S */
  guint64 disk_free_bytes;   /* available to rvi (statvfs f_bavail) */
  guint64 disk_total_bytes;
  GPtrArray *cameras;        /* RviCameraFigures *, sorted by id: every camera this node
                              * recorded since it started and that still exists */
} RviNodeFigures;

/* Fills @figures (clear it with rvi_node_figures_clear()). Main loop;
 * reads no file and no database. */
void rvi_camera_manager_get_figures (RviCameraManager *m, RviNodeFigures *figures);
void rvi_node_figures_clear (RviNodeFigures *figures);

/* Stops every camera (finishing its segment), writes what the index still
 * holds, and frees @m; waits at most about @timeout_ms for each stage. */
void rvi_camera_manager_free (RviCameraManager *m, guint timeout_ms);

G_END_DECLS
