/* camsim-source.h: one simulated camera and the RTSP media that serves it.
 *
 * A source is the camera: its number, its current scene and, in loop mode,
 * its encoded clip. It makes the shared GstRTSPMediaFactory mounted at
 * /camN: one pipeline per camera however many clients watch.
 *
 *   live: appsrc (raw I420, drawn per frame) ! ENCODER ! PAYLOADER
 *   loop: appsrc (the clip's access units, replayed) ! PAYLOADER
 *
 * Each appsrc is live and paced by the pipeline clock: before producing
 * frame n it waits until running time first + n / fps, so frames leave at
 * the real frame rate. In live mode the timestamp blocks carry the
 * wall-clock time (g_get_real_time) at which the frame was drawn and the
 * PTS is the running time of that same instant, so stamp and PTS agree
 * even when an overloaded machine wakes the thread late; if it falls a
 * whole frame behind it skips frames rather than drifting. Loop mode uses
 * the nominal frame times (its stamps are stale anyway, see camsim-clip.h).
 *
 * THREADS. The main loop sets the scene and swaps the clip; the appsrc
 * streaming thread of each media reads them, the scene through an atomic
 * int and the clip under the source's lock, and owns everything else it
 * touches (picture, frame counter). */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "camsim-clip.h"
#include "camsim-settings.h"

G_BEGIN_DECLS

typedef struct _RviCamsimSource RviCamsimSource;

/* Creates camera @index (1-based). In loop mode the caller must give it a
 * clip (rvi_camsim_source_set_clip) before its factory serves. Transfer
 * full. */
RviCamsimSource *rvi_camsim_source_new (const RviCamsimSettings *settings, guint index);

RviCamsimSource *rvi_camsim_source_ref (RviCamsimSource *self);
void rvi_camsim_source_unref (RviCamsimSource *self);

/* "camN", the mount point without the slash. Transfer none. */
const gchar *rvi_camsim_source_get_name (RviCamsimSource *self);

RviCamsimScene rvi_camsim_source_get_scene (RviCamsimSource *self);

/* Live mode: frames drawn from the next one on show @scene. Loop mode:
 * the caller also encodes a clip for @scene and hands it to
 * rvi_camsim_source_set_clip(). */
void rvi_camsim_source_set_scene (RviCamsimSource *self, RviCamsimScene scene);

/* Loop mode: replaces the clip; streams switch to it at their next loop.
 * Transfer none: the source takes its own reference. */
void rvi_camsim_source_set_clip (RviCamsimSource *self, RviCamsimClip *clip);

/* Loop mode: renders and encodes a clip of this camera in @scene without
 * touching the source; safe from any thread. Transfer full. */
RviCamsimClip *rvi_camsim_source_encode_clip (RviCamsimSource *self, RviCamsimScene scene,
                                              GError **error);

/* The shared media factory that serves this camera. Transfer full. */
GstRTSPMediaFactory *rvi_camsim_source_create_factory (RviCamsimSource *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCamsimSource, rvi_camsim_source_unref)

G_END_DECLS
