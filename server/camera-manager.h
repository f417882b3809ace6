/* camera-manager.h: RviCameraManager, every camera this node records:
 * start-up repair, one supervisor per camera, the node heartbeat and
 * retention (see camera-manager.c). Main loop only. */
#pragma once

#include <glib.h>

#include "app.h"
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

/* Stops every camera (finishing its segment), writes what the index still
 * holds, and frees @m; waits at most about @timeout_ms for each stage. */
void rvi_camera_manager_free (RviCameraManager *m, guint timeout_ms);

G_END_DECLS
