/* camsim-picture.h: renders one camera's raw frames from a buffer pool.
 *
 * A picture owns a GstVideoBufferPool of I420 buffers and the blur scratch,
 * so steady-state rendering allocates nothing. It also implements the
 * frozen scene: while frozen it keeps drawing the normal scene with the
 * time and stamp of the first frozen frame, so every frame is identical.
 * A picture is used by one thread at a time (a stream's streaming thread,
 * or the clip encoder at start). */
#pragma once

#include <gst/video/video.h>

#include "camsim-scene.h"

G_BEGIN_DECLS

typedef struct _RviCamsimPicture RviCamsimPicture;

/* Creates the picture of camera @index (1-based), labelled @label on
 * screen, @width x @height at @fps. Returns NULL and sets @error when the
 * pool cannot be set up. Transfer full. */
RviCamsimPicture *rvi_camsim_picture_new (guint index, const gchar *label, gint width, gint height,
                                          gint fps, GError **error);

void rvi_camsim_picture_free (RviCamsimPicture *self);

/* The raw caps of the rendered buffers. Transfer full. */
GstCaps *rvi_camsim_picture_get_caps (RviCamsimPicture *self);

/* Renders the frame at @t seconds into the stream with capture time
 * @wall_ms (ms since the epoch) in @scene. Returns a pool buffer without
 * timestamps (transfer full), or NULL when the pool is inactive. */
GstBuffer *rvi_camsim_picture_render (RviCamsimPicture *self, RviCamsimScene scene, gdouble t,
                                      gint64 wall_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCamsimPicture, rvi_camsim_picture_free)

G_END_DECLS
