/* camsim-clip.h: a short encoded clip that loop mode replays forever.
 *
 * The clip is CLIP_SECONDS long (two 2 s GOPs), rendered with the camera's
 * picture and encoded once with the same encoder as live mode, then held
 * in memory as one GstBuffer per access unit. Frame 0 is a key frame and
 * there are no B-frames, so replaying the frames in order with rewritten
 * timestamps is a valid stream. Its timestamp blocks carry the wall-clock
 * time at which each frame was rendered during start-up: they are stale
 * and repeat every loop, usable for identifying frames, not for latency.
 *
 * A clip is immutable once made and reference counted, so streaming
 * threads can hold it while the main loop swaps in another. */
#pragma once

#include <gst/gst.h>

#include "camsim-settings.h"

G_BEGIN_DECLS

#define RVI_CAMSIM_CLIP_SECONDS 4

typedef struct {
  GstCaps *caps;     /* of the encoded stream */
  GPtrArray *frames; /* GstBuffer, one access unit each, PTS order */
  GstClockTime frame_duration;
} RviCamsimClip;

/* Renders and encodes the clip of camera @index (1-based) in @scene.
 * Blocks for the encoding (about half a CPU-second at 720p). Returns NULL
 * with @error set when the encoder fails. Transfer full. */
RviCamsimClip *rvi_camsim_clip_encode (const RviCamsimSettings *settings, guint index,
                                       const gchar *label, RviCamsimScene scene, GError **error);

RviCamsimClip *rvi_camsim_clip_ref (RviCamsimClip *clip);
void rvi_camsim_clip_unref (RviCamsimClip *clip);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCamsimClip, rvi_camsim_clip_unref)

G_END_DECLS
