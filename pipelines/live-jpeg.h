/* live-jpeg.h: RviLiveJpeg, one JPEG viewer of a camera's live feed: the
 * fallback for codecs a browser cannot decode (H.265), and for any camera
 * when the client asks for stills.
 *
 * The viewer subscribes to the feed (live-feed.h) and takes key frames
 * only: non-key frames are counted and never reach a decoder. Each key
 * frame is decoded alone (keyframe-decoder.h) and encoded as a JPEG at
 * most max_width wide (jpeg-encoder.h) on the viewer's own worker thread,
 * at most max_fps stills a second. At most one key frame waits for the
 * worker: a newer one replaces it (counted as dropped), so the picture is
 * always the freshest. The cached group of pictures given at subscribing
 * starts with a key frame, so the first still follows at once.
 *
 * Stills are delivered on the caller's GMainContext. At most one waits
 * there too: a still not yet delivered when the next is made is replaced
 * (dropped). */
#pragma once

#include <glib.h>

#include "live-feed.h"

G_BEGIN_DECLS

#define RVI_LIVE_JPEG_MAX_WIDTH 640
#define RVI_LIVE_JPEG_MAX_FPS 4

/* A still: @jpeg (transfer none: ref it to keep it) of the key frame
 * captured at @at_us (the node's clock, us since the epoch). Runs on the
 * viewer's GMainContext. May free the viewer. */
typedef void (*RviLiveJpegFunc) (GBytes *jpeg, gint64 at_us, gpointer user_data);

typedef struct _RviLiveJpeg RviLiveJpeg;

typedef struct {
  guint64 keys;          /* key frames received from the feed */
  guint64 skipped;       /* non-key frames received: never decoded */
  guint64 decoded;       /* key frames given to the decoder */
  guint64 stills;        /* JPEGs made */
  guint64 delivered;     /* JPEGs handed to the callback */
  guint64 dropped;       /* key frames replaced while waiting, stills replaced before delivery */
  guint64 failed;        /* key frames that did not decode or encode */
} RviLiveJpegStats;

/* (transfer full) a viewer of @feed (a reference is taken) calling @func
 * with @user_data on @context (NULL: the global default). @max_width 0
 * means RVI_LIVE_JPEG_MAX_WIDTH, @max_fps 0 RVI_LIVE_JPEG_MAX_FPS. Starts
 * the worker and subscribes before returning. */
RviLiveJpeg *rvi_live_jpeg_new (RviLiveFeed *feed, guint max_width, guint max_fps,
                                RviLiveJpegFunc func, gpointer user_data, GMainContext *context);

/* Unsubscribes, waits for the still being made (one decode and encode)
 * and drops what waits. Call it on the thread running the context (the
 * callback included): after it returns @func is not called again, even
 * for a still already waiting there. NULL is ignored. */
void rvi_live_jpeg_free (RviLiveJpeg *jpeg);

/* Any thread. */
void rvi_live_jpeg_get_stats (RviLiveJpeg *jpeg, RviLiveJpegStats *stats);

G_END_DECLS
