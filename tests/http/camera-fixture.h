/* camera-fixture.h: what the recording tests set up around an ApiFixture:
 * `rvi camsim` processes serving cameras over real RTSP, cameras linked to
 * them through the API, and waiting for their first closed segments. */
#pragma once

#include <gio/gio.h>

#include "api-fixture.h"

G_BEGIN_DECLS

/* Starts `rvi camsim --listen 127.0.0.1:0 --cameras 1` followed by @args
 * (NULL-terminated, may be NULL); sets @proc and returns its camera's RTSP
 * URL (transfer full). Fails the test when camsim does not start. */
char *camera_fixture_camsim (const char *const *args, GSubprocess **proc);

/* Starts `rvi camsim --listen 127.0.0.1:0 --cameras 1 --size 640x360
 * --fps 10` with a pipe on its stdin for scene commands
 * (camera_fixture_camsim_scene); it dies with the test. Sets @proc and
 * returns its camera's RTSP URL (transfer full). */
char *camera_fixture_camsim_scripted (GSubprocess **proc);

/* Switches every camera of @proc (camera_fixture_camsim_scripted) to
 * @scene (normal, covered, defocused, moved, frozen). */
void camera_fixture_camsim_scene (GSubprocess *proc, const char *scene);

/* Stops a camsim (SIGTERM), waits for it and drops @proc. */
void camera_fixture_camsim_stop (GSubprocess *proc);

/* User @op (an operator) links camera @name at @url; @extra is more JSON
 * members for the body (e.g. "\"segment_seconds\": 5") or NULL. Returns
 * its id (transfer full). Fails the test unless it is created. */
char *camera_fixture_add (ApiFixture *fx, guint op, const char *name, const char *url,
                          const char *extra);

/* User @op switches recording of @camera on or off (PATCH). */
void camera_fixture_set_recording (ApiFixture *fx, guint op, const char *camera, gboolean on);

/* Waits up to @seconds until @camera has @n closed segments; fails the
 * test when they do not come. */
void camera_fixture_wait_segments (ApiFixture *fx, const char *camera, gint64 n, guint seconds);

/* Decodes @jpeg and reads the stamp camsim burns into its pictures
 * (pipelines/timestamp-blocks.h) into @stamp_us (Unix us, whole ms) and
 * the picture's size; FALSE when either fails. */
gboolean camera_fixture_jpeg_stamp (GBytes *jpeg, int *width, int *height, gint64 *stamp_us);

G_END_DECLS
