/* live-feed.h: RviLiveFeed, one camera's access units for its live viewers;
 * RviLiveHub, the node's feeds by camera id.
 *
 * Ingest publishes every access unit of a camera to its feed (any thread,
 * one publisher at a time). The feed keeps the current group of pictures
 * (from the latest key frame on) in one reused buffer, so a new viewer
 * starts at once on a decodable picture instead of waiting for the next
 * key frame: subscribing delivers the cached frames first (catch_up TRUE),
 * then every new frame as it is published. Viewers share the camera's one
 * ingest: nothing here decodes or re-encodes.
 *
 * Callbacks run on the publisher's thread (or the subscriber's, for the
 * cached frames) with the feed's lock held: they must be quick and must
 * not call back into the feed. A frame's data is shared by all viewers
 * (one copy per frame while the camera is watched; none while it is not). */
#pragma once

#include <glib.h>

#include "video-params.h"

G_BEGIN_DECLS

typedef struct {
  gint64 pts_90k;      /* presentation time, 90 kHz, unwrapped (stream time) */
  gint64 wall_us;      /* capture time on the node's clock, us since the epoch */
  gboolean key;
  GBytes *data;        /* NAL units with 4-byte big-endian lengths (transfer none) */
  guint params_serial; /* changes whenever the parameter sets change */
} RviLiveFrame;

/* @params decodes @frame (valid during the call only). */
typedef void (*RviLiveFrameFunc) (const RviLiveFrame *frame, const RviVideoParams *params,
                                  gboolean catch_up, gpointer user_data);

typedef struct _RviLiveFeed RviLiveFeed;

typedef struct {
  gboolean have_video;   /* a key frame arrived since the stream (re)started */
  RviCodec codec;
  guint width, height;
  guint reorder;         /* frames a decoder holds back (B-frames); 0 when none */
  gint64 last_frame_us;  /* wall clock of the latest frame; 0 = none */
  guint viewers;
  guint cached_frames;
  gsize cached_bytes;
  guint64 frames;        /* published */
} RviLiveFeedState;

RviLiveFeed *rvi_live_feed_new (const char *camera_id);
RviLiveFeed *rvi_live_feed_ref (RviLiveFeed *feed);
void rvi_live_feed_unref (RviLiveFeed *feed);
const char *rvi_live_feed_get_camera_id (RviLiveFeed *feed);

/* Publisher side. @au is NAL units with 4-byte lengths, decodable with
 * @params (whose parameter sets are compared with the last ones only on
 * key frames). Non-key frames before the first key frame are ignored. */
void rvi_live_feed_publish (RviLiveFeed *feed, const RviVideoParams *params, gint64 pts_90k,
                            gint64 wall_us, gboolean key, const guint8 *au, gsize size);

/* The stream stopped or restarts: the cache is dropped, viewers wait for
 * the next key frame. */
void rvi_live_feed_reset (RviLiveFeed *feed);

/* Adds a viewer: @func gets the cached group of pictures at once (on this
 * thread), then every frame. Returns its id (never 0). @destroy frees
 * @user_data after unsubscribe. */
guint rvi_live_feed_subscribe (RviLiveFeed *feed, RviLiveFrameFunc func, gpointer user_data,
                               GDestroyNotify destroy);

/* After this returns @func is not running and is not called again. */
void rvi_live_feed_unsubscribe (RviLiveFeed *feed, guint id);

void rvi_live_feed_get_state (RviLiveFeed *feed, RviLiveFeedState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviLiveFeed, rvi_live_feed_unref)

typedef struct _RviLiveHub RviLiveHub;

RviLiveHub *rvi_live_hub_new (void);
void rvi_live_hub_free (RviLiveHub *hub);

/* (transfer full) the feed of @camera_id, created on first use. */
RviLiveFeed *rvi_live_hub_feed (RviLiveHub *hub, const char *camera_id);

/* (transfer full) the feed of @camera_id or NULL when it has none. */
RviLiveFeed *rvi_live_hub_lookup (RviLiveHub *hub, const char *camera_id);

/* Forgets @camera_id's feed (the camera was removed); viewers holding it
 * keep their reference and simply see no more frames. */
void rvi_live_hub_remove (RviLiveHub *hub, const char *camera_id);

G_END_DECLS
