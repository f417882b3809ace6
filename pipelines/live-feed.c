/* live-feed.c: one camera's access units fanned out to its live viewers,
 * with the current group of pictures cached for new ones.
 *
 * The cache is one byte buffer (reused: cleared, not freed, at each key
 * frame) and an array of frame records pointing into it, so an unwatched
 * camera costs no allocation per frame once the buffers have grown. A
 * group of pictures larger than the bounds below is not cached past them:
 * a viewer joining then waits for the next key frame. */
#define G_LOG_DOMAIN "rvi-live"
#include "live-feed.h"

#define CACHE_MAX_BYTES (16u << 20)
#define CACHE_MAX_FRAMES 600u

typedef struct {
  gsize offset, size;
  gint64 pts_90k, wall_us;
  gboolean key;
} CachedFrame;

typedef struct {
  guint id;
  RviLiveFrameFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Viewer;

struct _RviLiveFeed {
  gatomicrefcount ref;
  char *camera_id;

  GMutex lock;
  RviVideoParams params;     /* of the current group of pictures */
  guint params_serial;
  gboolean have_video;
  gboolean caching;          /* the current group still fits the cache */
  GByteArray *cache;
  GArray *cached;            /* CachedFrame */
  GArray *viewers;           /* Viewer */
  guint next_id;
  gint64 last_frame_us;
  guint64 frames;
};

RviLiveFeed *
rvi_live_feed_new (const char *camera_id)
{
  RviLiveFeed *feed = g_new0 (RviLiveFeed, 1);

  g_atomic_ref_count_init (&feed->ref);
  feed->camera_id = g_strdup (camera_id);
  g_mutex_init (&feed->lock);
  feed->cache = g_byte_array_new ();
  feed->cached = g_array_new (FALSE, FALSE, sizeof (CachedFrame));
  feed->viewers = g_array_new (FALSE, FALSE, sizeof (Viewer));
  feed->next_id = 1;
  return feed;
}

RviLiveFeed *
rvi_live_feed_ref (RviLiveFeed *feed)
{
  g_atomic_ref_count_inc (&feed->ref);
  return feed;
}

void
rvi_live_feed_unref (RviLiveFeed *feed)
{
  if (!feed || !g_atomic_ref_count_dec (&feed->ref))
    return;
  for (guint i = 0; i < feed->viewers->len; i++) {
    Viewer *v = &g_array_index (feed->viewers, Viewer, i);

    if (v->destroy)
      v->destroy (v->user_data);
  }
  g_array_unref (feed->viewers);
  g_array_unref (feed->cached);
  g_byte_array_unref (feed->cache);
  rvi_video_params_clear (&feed->params);
  g_mutex_clear (&feed->lock);
  g_free (feed->camera_id);
  g_free (feed);
}

const char *
rvi_live_feed_get_camera_id (RviLiveFeed *feed)
{
  return feed->camera_id;
}

static void
drop_cache (RviLiveFeed *feed)
{
  g_byte_array_set_size (feed->cache, 0);
  g_array_set_size (feed->cached, 0);
}

static void
cache_frame (RviLiveFeed *feed, gint64 pts_90k, gint64 wall_us, gboolean key, const guint8 *au,
             gsize size)
{
  CachedFrame f = { feed->cache->len, size, pts_90k, wall_us, key };

  if (key) {
    drop_cache (feed);
    f.offset = 0;
    feed->caching = TRUE;
  }
  if (!feed->caching)
    return;
  if (feed->cached->len >= CACHE_MAX_FRAMES || feed->cache->len + size > CACHE_MAX_BYTES) {
    /* too long a group: keep its head (decodable), stop adding */
    feed->caching = FALSE;
    return;
  }
  g_byte_array_append (feed->cache, au, (guint) size);
  g_array_append_val (feed->cached, f);
}

void
rvi_live_feed_publish (RviLiveFeed *feed, const RviVideoParams *params, gint64 pts_90k,
                       gint64 wall_us, gboolean key, const guint8 *au, gsize size)
{
  RviLiveFrame frame = { pts_90k, wall_us, key, NULL, 0 };

  g_mutex_lock (&feed->lock);
  if (key) {
    if (!feed->have_video || !rvi_video_params_equal (params, &feed->params)) {
      rvi_video_params_copy (&feed->params, params);
      feed->params_serial++;
    }
    feed->have_video = TRUE;
  }
  if (!feed->have_video) {
    g_mutex_unlock (&feed->lock);
    return;
  }
  feed->frames++;
  feed->last_frame_us = wall_us;
  cache_frame (feed, pts_90k, wall_us, key, au, size);
  if (feed->viewers->len > 0) {
    frame.data = g_bytes_new (au, size);
    frame.params_serial = feed->params_serial;
    for (guint i = 0; i < feed->viewers->len; i++) {
      Viewer *v = &g_array_index (feed->viewers, Viewer, i);

      v->func (&frame, &feed->params, FALSE, v->user_data);
    }
    g_bytes_unref (frame.data);
  }
  g_mutex_unlock (&feed->lock);
}

void
rvi_live_feed_reset (RviLiveFeed *feed)
{
  g_mutex_lock (&feed->lock);
  feed->have_video = FALSE;
  feed->caching = FALSE;
  drop_cache (feed);
  g_mutex_unlock (&feed->lock);
}

guint
rvi_live_feed_subscribe (RviLiveFeed *feed, RviLiveFrameFunc func, gpointer user_data,
                         GDestroyNotify destroy)
{
  Viewer v = { 0, func, user_data, destroy };

  g_mutex_lock (&feed->lock);
  v.id = feed->next_id++;
  if (feed->next_id == 0)
    feed->next_id = 1;
  g_array_append_val (feed->viewers, v);
  if (feed->have_video && feed->cached->len > 0) {
    /* one copy of the whole group; each frame a slice of it */
    g_autoptr (GBytes) group = g_bytes_new (feed->cache->data, feed->cache->len);

    for (guint i = 0; i < feed->cached->len; i++) {
      const CachedFrame *c = &g_array_index (feed->cached, CachedFrame, i);
      g_autoptr (GBytes) data = g_bytes_new_from_bytes (group, c->offset, c->size);
      RviLiveFrame frame = { c->pts_90k, c->wall_us, c->key, data, feed->params_serial };

      func (&frame, &feed->params, TRUE, user_data);
    }
  }
  g_mutex_unlock (&feed->lock);
  return v.id;
}

void
rvi_live_feed_unsubscribe (RviLiveFeed *feed, guint id)
{
  Viewer found = { 0 };

  g_mutex_lock (&feed->lock);
  for (guint i = 0; i < feed->viewers->len; i++) {
    if (g_array_index (feed->viewers, Viewer, i).id == id) {
      found = g_array_index (feed->viewers, Viewer, i);
      g_array_remove_index (feed->viewers, i);
      break;
    }
  }
  g_mutex_unlock (&feed->lock);
  if (found.id && found.destroy)
    found.destroy (found.user_data);
}

void
rvi_live_feed_get_state (RviLiveFeed *feed, RviLiveFeedState *state)
{
  memset (state, 0, sizeof *state);
  g_mutex_lock (&feed->lock);
  state->have_video = feed->have_video;
  state->codec = feed->have_video ? feed->params.codec : RVI_CODEC_NONE;
  state->width = feed->have_video ? (guint) feed->params.width : 0;
  state->height = feed->have_video ? (guint) feed->params.height : 0;
  state->reorder = feed->have_video ? feed->params.reorder : 0;
  state->last_frame_us = feed->last_frame_us;
  state->viewers = feed->viewers->len;
  state->cached_frames = feed->cached->len;
  state->cached_bytes = feed->cache->len;
  state->frames = feed->frames;
  g_mutex_unlock (&feed->lock);
}

/* ---- the hub ---- */

struct _RviLiveHub {
  GMutex lock;
  GHashTable *feeds;   /* camera id -> RviLiveFeed * (a reference) */
};

RviLiveHub *
rvi_live_hub_new (void)
{
  RviLiveHub *hub = g_new0 (RviLiveHub, 1);

  g_mutex_init (&hub->lock);
  hub->feeds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) rvi_live_feed_unref);
  return hub;
}

void
rvi_live_hub_free (RviLiveHub *hub)
{
  if (!hub)
    return;
  g_hash_table_unref (hub->feeds);
  g_mutex_clear (&hub->lock);
  g_free (hub);
}

RviLiveFeed *
rvi_live_hub_feed (RviLiveHub *hub, const char *camera_id)
{
  RviLiveFeed *feed;

  g_mutex_lock (&hub->lock);
  feed = g_hash_table_lookup (hub->feeds, camera_id);
  if (!feed) {
    feed = rvi_live_feed_new (camera_id);
    g_hash_table_insert (hub->feeds, g_strdup (camera_id), feed);
  }
  rvi_live_feed_ref (feed);
  g_mutex_unlock (&hub->lock);
  return feed;
}

RviLiveFeed *
rvi_live_hub_lookup (RviLiveHub *hub, const char *camera_id)
{
  RviLiveFeed *feed;

  g_mutex_lock (&hub->lock);
  feed = g_hash_table_lookup (hub->feeds, camera_id);
  if (feed)
    rvi_live_feed_ref (feed);
  g_mutex_unlock (&hub->lock);
  return feed;
}

void
rvi_live_hub_remove (RviLiveHub *hub, const char *camera_id)
{
  g_mutex_lock (&hub->lock);
  g_hash_table_remove (hub->feeds, camera_id);
  g_mutex_unlock (&hub->lock);
}
