/* frame-sampler.c: the sampling worker.
 *
 * DESIGN. Offering is cheap and safe from any ingest thread: under one
 * mutex, a table of camera id -> time of the last key frame taken says
 * whether the camera is due; a due key frame is copied into a job and
 * pushed on the queue, unless the queue already holds queue_max jobs or
 * queue_bytes_max bytes. The worker owns everything else per camera (its
 * decoder, its JPEG encoder, its previous view), in a table only it
 * touches; a "forget" is a job too, so it runs in order with the samples.
 *
 * A JPEG is written to .NAME.tmp, fdatasync'ed and renamed, so a sample
 * handed on always names a complete file (the directory entry itself is
 * not synced: after a power loss the newest stills may be missing, and
 * their rows are removed by whoever finds them missing). */
#define G_LOG_DOMAIN "rvi-sampler"
#include "frame-sampler.h"
#include "durable-file.h"
#include "jpeg-encoder.h"
#include "keyframe-decoder.h"
#include "rvi-error.h"
#include "sha256-hex.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <time.h>
#include <unistd.h>

typedef enum { JOB_SAMPLE, JOB_FORGET, JOB_QUIT } JobKind;

typedef struct {
  JobKind kind;
  char camera_id[37];
  RviVideoParams params;    /* references taken */
  guint8 *au;
  gsize size;
  gint64 at_us;
} Job;

typedef struct {
  RviCodec codec;
  RviKeyframeDecoder *decoder;
  RviJpegEncoder *jpeg;
  RviFrameView *previous;
} Camera;

struct _RviFrameSampler {
  RviFrameSamplerConfig config;
  char *media_dir;
  RviFrameSamplerFunc func;
  gpointer user_data;
  GThread *thread;
  GAsyncQueue *jobs;

  GMutex lock;              /* guards the fields below */
  gboolean stopped;
  GHashTable *last_taken;   /* camera id -> gint64 *, wall time of the last key frame taken */
  guint queued;
  gsize queued_bytes;
  RviFrameSamplerStats stats;

  GHashTable *cameras;      /* the worker's: camera id -> Camera * */
};

void
rvi_frame_sample_free (RviFrameSample *sample)
{
  if (!sample)
    return;
  g_free (sample->path);
  g_free (sample->view);
  g_free (sample);
}

static void
job_free (Job *job)
{
  rvi_video_params_clear (&job->params);
  g_free (job->au);
  g_free (job);
}

static void
camera_free (gpointer data)
{
  Camera *c = data;

  rvi_keyframe_decoder_free (c->decoder);
  rvi_jpeg_encoder_free (c->jpeg);
  g_free (c->previous);
  g_free (c);
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* ---- writing the still ---- */

static char *
still_path (RviFrameSampler *s, const char *camera_id, gint64 at_us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (at_us / G_USEC_PER_SEC);
  g_autofree char *day = g_date_time_format (t, "%Y-%m-%d");
  g_autofree char *hms = g_date_time_format (t, "%H%M%S");
  g_autofree char *name = g_strdup_printf ("%s%03d.jpg", hms, (int) (at_us / 1000 % 1000));

  return g_build_filename (s->media_dir, camera_id, "samples", day, name, NULL);
}

/* ---- the worker ---- */

static Camera *
camera_for (RviFrameSampler *s, const Job *job, GError **error)
{
  Camera *c = g_hash_table_lookup (s->cameras, job->camera_id);

  if (c && c->codec == job->params.codec)
    return c;
  g_hash_table_remove (s->cameras, job->camera_id);
  c = g_new0 (Camera, 1);
  c->codec = job->params.codec;
  c->decoder = rvi_keyframe_decoder_new (c->codec, error);
  if (!c->decoder) {
    camera_free (c);
    return NULL;
  }
  c->jpeg = rvi_jpeg_encoder_new (s->config.max_width, s->config.quality);
  g_hash_table_insert (s->cameras, g_strdup (job->camera_id), c);
  return c;
}

const char *
rvi_frame_sampler_stage_name (RviFrameSamplerStage stage)
{
  static const char *const names[RVI_FRAME_SAMPLER_STAGES] = { "decode", "measure", "jpeg",
                                                               "write" };

  return stage < RVI_FRAME_SAMPLER_STAGES ? names[stage] : "unknown";
}

/* Adds the thread CPU time since *@mark to @stage's total; moves the mark. */
static void
lap (guint64 *stages, RviFrameSamplerStage stage, gint64 *mark)
{
  gint64 now = thread_cpu_us ();

  stages[stage] += (guint64) (now - *mark);
  *mark = now;
}

/* Samples @job; returns (transfer full) the sample or NULL with @error.
 * Adds the CPU time of each stage to @stages. */
static RviFrameSample *
sample (RviFrameSampler *s, const Job *job, guint64 *stages, GError **error)
{
  gint64 mark = thread_cpu_us ();
  g_autoptr (RviFrameSample) out = g_new0 (RviFrameSample, 1);
  Camera *c = camera_for (s, job, error);
  const AVFrame *frame;
  const guint8 *jpeg;
  gsize jpeg_size;

  if (!c || !(frame = rvi_keyframe_decoder_decode (c->decoder, &job->params, job->au,
                                                   job->size, error)))
    return NULL;
  lap (stages, RVI_FRAME_SAMPLER_DECODE, &mark);
  out->view = g_new (RviFrameView, 1);
  if (!rvi_frame_metrics_measure (frame->data[0], (guint) frame->width, (guint) frame->height,
                                  (gsize) frame->linesize[0], &out->metrics, out->view)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "picture too small (%dx%d)",
                 frame->width, frame->height);
    return NULL;
  }
  lap (stages, RVI_FRAME_SAMPLER_MEASURE, &mark);
  if (!rvi_jpeg_encoder_encode (c->jpeg, frame, &jpeg, &jpeg_size, &out->width, &out->height,
                                error))
    return NULL;
  lap (stages, RVI_FRAME_SAMPLER_JPEG, &mark);
  g_strlcpy (out->camera_id, job->camera_id, sizeof out->camera_id);
  out->at_us = job->at_us;
  out->source_width = (guint) frame->width;
  out->source_height = (guint) frame->height;
  out->bytes = jpeg_size;
  out->path = still_path (s, job->camera_id, job->at_us);
  rvi_sha256_hex (jpeg, jpeg_size, out->sha256);
  if (!rvi_durable_file_write (out->path, jpeg, jpeg_size, FALSE, error))
    return NULL;
  lap (stages, RVI_FRAME_SAMPLER_WRITE, &mark);
  out->difference = c->previous ? rvi_frame_view_difference (c->previous, out->view) : -1;
  if (!c->previous)
    c->previous = g_new (RviFrameView, 1);
  *c->previous = *out->view;
  return g_steal_pointer (&out);
}

static gpointer
worker (gpointer data)
{
  RviFrameSampler *s = data;

  for (;;) {
    Job *job = g_async_queue_pop (s->jobs);
    g_autoptr (GError) error = NULL;
    RviFrameSample *result = NULL;
    guint64 stages[RVI_FRAME_SAMPLER_STAGES] = { 0 };
    gint64 cpu0;

    if (job->kind == JOB_QUIT) {
      job_free (job);
      break;
    }
    g_mutex_lock (&s->lock);
    s->queued--;
    s->queued_bytes -= job->size;
    g_mutex_unlock (&s->lock);
    if (job->kind == JOB_FORGET) {
      g_hash_table_remove (s->cameras, job->camera_id);
      job_free (job);
      continue;
    }
    cpu0 = thread_cpu_us ();
    result = sample (s, job, stages, &error);
    g_mutex_lock (&s->lock);
    s->stats.cpu_us += (guint64) (thread_cpu_us () - cpu0);
    for (guint i = 0; i < RVI_FRAME_SAMPLER_STAGES; i++)
      s->stats.stage_cpu_us[i] += stages[i];
    if (result)
      s->stats.written++;
    else
      s->stats.failed++;
    g_mutex_unlock (&s->lock);
    if (!result)
      g_info ("camera %s: key frame not sampled: %s", job->camera_id, error->message);
    s->func (result, job->camera_id, error, s->user_data);
    job_free (job);
  }
  return NULL;
}

/* ---- the ingest side ---- */

RviFrameSampler *
rvi_frame_sampler_new (const RviFrameSamplerConfig *config, RviFrameSamplerFunc func,
                       gpointer user_data)
{
  RviFrameSampler *s = g_atomic_rc_box_new0 (RviFrameSampler);

  s->config = *config;
  s->media_dir = g_strdup (config->media_dir);
  s->config.media_dir = s->media_dir;
  s->func = func;
  s->user_data = user_data;
  s->jobs = g_async_queue_new_full ((GDestroyNotify) job_free);
  g_mutex_init (&s->lock);
  s->last_taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s->cameras = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, camera_free);
  s->thread = g_thread_new ("rvi-sampler", worker, s);
  return s;
}

void
rvi_frame_sampler_stop (RviFrameSampler *s)
{
  Job *quit;
  GThread *thread;

  g_mutex_lock (&s->lock);
  thread = g_steal_pointer (&s->thread);
  s->stopped = TRUE;
  g_mutex_unlock (&s->lock);
  if (!thread)
    return;
  /* the quit job goes first: whatever is still queued is dropped */
  quit = g_new0 (Job, 1);
  quit->kind = JOB_QUIT;
  g_async_queue_push_front (s->jobs, quit);
  g_thread_join (thread);
  g_hash_table_remove_all (s->cameras);
}

static void
sampler_clear (gpointer data)
{
  RviFrameSampler *s = data;

  rvi_frame_sampler_stop (s);
  g_async_queue_unref (s->jobs);   /* frees what is still queued */
  g_hash_table_unref (s->cameras);
  g_hash_table_unref (s->last_taken);
  g_mutex_clear (&s->lock);
  g_free (s->media_dir);
}

RviFrameSampler *
rvi_frame_sampler_ref (RviFrameSampler *s)
{
  return g_atomic_rc_box_acquire (s);
}

void
rvi_frame_sampler_unref (RviFrameSampler *s)
{
  g_atomic_rc_box_release_full (s, sampler_clear);
}

void
rvi_frame_sampler_free (RviFrameSampler *s)
{
  if (!s)
    return;
  rvi_frame_sampler_stop (s);
  rvi_frame_sampler_unref (s);
}

gboolean
rvi_frame_sampler_offer (RviFrameSampler *s, const char *camera_id, const RviVideoParams *params,
                         const guint8 *au, gsize size, gint64 at_us)
{
  gint64 *last;
  Job *job;

  g_mutex_lock (&s->lock);
  if (s->stopped) {
    g_mutex_unlock (&s->lock);
    return FALSE;
  }
  last = g_hash_table_lookup (s->last_taken, camera_id);
  /* due: the interval has passed, or the clock went back (a new anchor) */
  if (last && at_us >= *last && at_us - *last < s->config.interval_us) {
    g_mutex_unlock (&s->lock);
    return FALSE;
  }
  s->stats.offered++;
  if (s->queued >= s->config.queue_max || s->queued_bytes + size > s->config.queue_bytes_max) {
    s->stats.dropped++;
    g_mutex_unlock (&s->lock);
    return FALSE;
  }
  if (!last) {
    last = g_new (gint64, 1);
    g_hash_table_insert (s->last_taken, g_strdup (camera_id), last);
  }
  *last = at_us;
  s->queued++;
  s->queued_bytes += size;
  s->stats.taken++;
  g_mutex_unlock (&s->lock);

  job = g_new0 (Job, 1);
  job->kind = JOB_SAMPLE;
  g_strlcpy (job->camera_id, camera_id, sizeof job->camera_id);
  rvi_video_params_copy (&job->params, params);
  job->au = g_memdup2 (au, size);
  job->size = size;
  job->at_us = at_us;
  g_async_queue_push (s->jobs, job);
  return TRUE;
}

void
rvi_frame_sampler_forget (RviFrameSampler *s, const char *camera_id)
{
  Job *job = g_new0 (Job, 1);

  g_mutex_lock (&s->lock);
  if (s->stopped) {
    g_mutex_unlock (&s->lock);
    g_free (job);
    return;
  }
  g_hash_table_remove (s->last_taken, camera_id);
  s->queued++;
  g_mutex_unlock (&s->lock);
  job->kind = JOB_FORGET;
  g_strlcpy (job->camera_id, camera_id, sizeof job->camera_id);
  g_async_queue_push (s->jobs, job);
}

void
rvi_frame_sampler_get_stats (RviFrameSampler *s, RviFrameSamplerStats *stats)
{
  g_mutex_lock (&s->lock);
  *stats = s->stats;
  g_mutex_unlock (&s->lock);
}
