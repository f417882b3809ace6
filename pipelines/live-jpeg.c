/* live-jpeg.c: key frames of a live feed to JPEG stills (see live-jpeg.h).
 *
 * DESIGN. Three parties, each with one slot:
 *  - the feed's callback (ingest thread, feed lock held) only references
 *    the key frame and its parameter sets in a job and puts it in the
 *    waiting slot (replacing an older job), then signals the worker: no
 *    copy, no decoding, nothing that can block on the worker;
 *  - the worker, one GThread per viewer, sleeps on a condition until a
 *    job waits and its next start time has come (1/max_fps after the
 *    previous start), takes the job, decodes and encodes it without the
 *    lock, and puts the JPEG in the outlet;
 *  - the outlet, a GSource on the caller's context, holds the last JPEG
 *    not yet delivered; the worker wakes it with g_source_set_ready_time.
 * A thread per viewer rather than a shared pool: a JPEG viewer owns a
 * decoder and an encoder that are not thread-safe, viewers are few (the
 * fallback serves H.265 cameras), the thread sleeps when idle, and joining
 * it in free() makes "no callback after free" simple to keep.
 *
 * free() order: unsubscribe (no new jobs), stop and join the worker (no
 * new stills), destroy the outlet (no dispatch after, on the context's
 * thread). The outlet's dispatch touches only the outlet, which GLib keeps
 * alive while dispatching, so the callback may free the viewer. */
#define G_LOG_DOMAIN "rvi-live"
#include "live-jpeg.h"
#include "jpeg-encoder.h"
#include "keyframe-decoder.h"

#define QUALITY 5   /* MJPEG quantizer scale: finer than stills (8), an inspector watches */

typedef struct {
  RviVideoParams params;   /* the parameter sets referenced */
  GBytes *au;
  gint64 wall_us;
} Job;

typedef struct {
  GSource base;
  GMutex lock;
  GBytes *jpeg;            /* waiting for the context, or NULL */
  gint64 at_us;
  RviLiveJpegFunc func;
  gpointer user_data;
  guint64 delivered, dropped;
} Outlet;

struct _RviLiveJpeg {
  RviLiveFeed *feed;
  char *camera_id;
  guint subscription;
  guint max_width;
  gint64 period_us;
  GThread *thread;
  Outlet *outlet;

  GMutex lock;             /* guards the fields below */
  GCond cond;
  Job *waiting;
  gboolean quit;
  RviLiveJpegStats stats;  /* but delivered, and the outlet's drops */
};

static void
job_free (Job *job)
{
  if (!job)
    return;
  rvi_video_params_clear (&job->params);
  g_bytes_unref (job->au);
  g_free (job);
}

/* ---- the outlet: stills to the caller's context ---- */

static gboolean
outlet_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  Outlet *o = (Outlet *) source;
  g_autoptr (GBytes) jpeg = NULL;
  gint64 at_us;

  /* before taking: a still posted after this wakes the source again */
  g_source_set_ready_time (source, -1);
  g_mutex_lock (&o->lock);
  jpeg = g_steal_pointer (&o->jpeg);
  at_us = o->at_us;
  if (jpeg)
    o->delivered++;
  g_mutex_unlock (&o->lock);
  if (jpeg)
    o->func (jpeg, at_us, o->user_data);
  return G_SOURCE_CONTINUE;
}

static void
outlet_finalize (GSource *source)
{
  Outlet *o = (Outlet *) source;

  g_clear_pointer (&o->jpeg, g_bytes_unref);
  g_mutex_clear (&o->lock);
}

static GSourceFuncs outlet_funcs = { NULL, NULL, outlet_dispatch, outlet_finalize, NULL, NULL };

static Outlet *
outlet_new (RviLiveJpegFunc func, gpointer user_data, GMainContext *context)
{
  GSource *source = g_source_new (&outlet_funcs, sizeof (Outlet));
  Outlet *o = (Outlet *) source;

  g_mutex_init (&o->lock);
  o->func = func;
  o->user_data = user_data;
  g_source_set_name (source, "rvi-live-jpeg");
  g_source_set_ready_time (source, -1);
  g_source_attach (source, context);
  return o;
}

/* Worker thread. Takes @jpeg. */
static void
outlet_post (Outlet *o, GBytes *jpeg, gint64 at_us)
{
  g_mutex_lock (&o->lock);
  if (o->jpeg) {
    g_bytes_unref (o->jpeg);
    o->dropped++;
  }
  o->jpeg = jpeg;
  o->at_us = at_us;
  g_mutex_unlock (&o->lock);
  g_source_set_ready_time ((GSource *) o, 0);
}

/* ---- the worker ---- */

typedef struct {
  RviCodec codec;
  RviKeyframeDecoder *decoder;
  RviJpegEncoder *encoder;
} Coder;

/* (transfer full) the JPEG of @job, or NULL with @error. */
static GBytes *
make_still (Coder *c, const Job *job, GError **error)
{
  const AVFrame *frame;
  const guint8 *data;
  gsize size, au_size;
  const guint8 *au = g_bytes_get_data (job->au, &au_size);
  guint width, height;

  if (!c->decoder || c->codec != job->params.codec) {
    g_clear_pointer (&c->decoder, rvi_keyframe_decoder_free);
    c->codec = job->params.codec;
    if (!(c->decoder = rvi_keyframe_decoder_new (c->codec, error)))
      return NULL;
  }
  if (!(frame = rvi_keyframe_decoder_decode (c->decoder, &job->params, au, au_size, error))
      || !rvi_jpeg_encoder_encode (c->encoder, frame, &data, &size, &width, &height, error))
    return NULL;
  return g_bytes_new (data, size);
}

static gpointer
worker (gpointer data)
{
  RviLiveJpeg *lj = data;
  Coder c = { RVI_CODEC_NONE, NULL, rvi_jpeg_encoder_new (lj->max_width, QUALITY) };
  gint64 next_us = 0;   /* monotonic: the earliest start of the next still */

  g_mutex_lock (&lj->lock);
  for (;;) {
    g_autoptr (GError) error = NULL;
    GBytes *jpeg;
    Job *job;

    while (!lj->quit && (!lj->waiting || g_get_monotonic_time () < next_us)) {
      if (lj->waiting)
        g_cond_wait_until (&lj->cond, &lj->lock, next_us);
      else
        g_cond_wait (&lj->cond, &lj->lock);
    }
    if (lj->quit)
      break;
    job = g_steal_pointer (&lj->waiting);
    lj->stats.decoded++;
    g_mutex_unlock (&lj->lock);

    next_us = g_get_monotonic_time () + lj->period_us;
    jpeg = make_still (&c, job, &error);
    if (jpeg)
      outlet_post (lj->outlet, jpeg, job->wall_us);
    else
      g_info ("camera %s: no live still: %s", lj->camera_id, error->message);
    job_free (job);

    g_mutex_lock (&lj->lock);
    if (jpeg)
      lj->stats.stills++;
    else
      lj->stats.failed++;
  }
  g_mutex_unlock (&lj->lock);
  rvi_keyframe_decoder_free (c.decoder);
  rvi_jpeg_encoder_free (c.encoder);
  return NULL;
}

/* ---- the feed side ---- */

/* Ingest thread (or the subscriber's, for the cached frames), feed lock held. */
static void
on_frame (const RviLiveFrame *frame, const RviVideoParams *params, gboolean catch_up,
          gpointer user_data)
{
  RviLiveJpeg *lj = user_data;
  Job *job, *replaced;

  if (!frame->key) {
    g_mutex_lock (&lj->lock);
    lj->stats.skipped++;
    g_mutex_unlock (&lj->lock);
    return;
  }
  job = g_new0 (Job, 1);
  rvi_video_params_copy (&job->params, params);
  job->au = g_bytes_ref (frame->data);
  job->wall_us = frame->wall_us;

  g_mutex_lock (&lj->lock);
  lj->stats.keys++;
  replaced = lj->waiting;
  if (replaced)
    lj->stats.dropped++;
  lj->waiting = job;
  g_cond_signal (&lj->cond);
  g_mutex_unlock (&lj->lock);
  job_free (replaced);
}

RviLiveJpeg *
rvi_live_jpeg_new (RviLiveFeed *feed, guint max_width, guint max_fps, RviLiveJpegFunc func,
                   gpointer user_data, GMainContext *context)
{
  RviLiveJpeg *lj = g_new0 (RviLiveJpeg, 1);

  lj->feed = rvi_live_feed_ref (feed);
  lj->camera_id = g_strdup (rvi_live_feed_get_camera_id (feed));
  lj->max_width = max_width ? max_width : RVI_LIVE_JPEG_MAX_WIDTH;
  lj->period_us = G_USEC_PER_SEC / (max_fps ? max_fps : RVI_LIVE_JPEG_MAX_FPS);
  lj->outlet = outlet_new (func, user_data, context);
  g_mutex_init (&lj->lock);
  g_cond_init (&lj->cond);
  lj->thread = g_thread_new ("rvi-live-jpeg", worker, lj);
  lj->subscription = rvi_live_feed_subscribe (feed, on_frame, lj, NULL);
  return lj;
}

void
rvi_live_jpeg_free (RviLiveJpeg *lj)
{
  if (!lj)
    return;
  rvi_live_feed_unsubscribe (lj->feed, lj->subscription);
  g_mutex_lock (&lj->lock);
  lj->quit = TRUE;
  g_cond_signal (&lj->cond);
  g_mutex_unlock (&lj->lock);
  g_thread_join (lj->thread);
  g_source_destroy ((GSource *) lj->outlet);
  g_source_unref ((GSource *) lj->outlet);
  job_free (lj->waiting);
  g_cond_clear (&lj->cond);
  g_mutex_clear (&lj->lock);
  rvi_live_feed_unref (lj->feed);
  g_free (lj->camera_id);
  g_free (lj);
}

void
rvi_live_jpeg_get_stats (RviLiveJpeg *lj, RviLiveJpegStats *stats)
{
  g_mutex_lock (&lj->lock);
  *stats = lj->stats;
  g_mutex_unlock (&lj->lock);
  g_mutex_lock (&lj->outlet->lock);
  stats->delivered = lj->outlet->delivered;
  stats->dropped += lj->outlet->dropped;
  g_mutex_unlock (&lj->outlet->lock);
}
