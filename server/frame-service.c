/* frame-service.c: a bounded pool of frame-decoding workers (see
 * frame-service.h).
 *
 * DESIGN. A GThreadPool of exclusive threads; idle extractors wait in an
 * async queue, a job takes one (or makes one, at most one per thread ever
 * runs at a time) and gives it back, so each decoder is reused by the
 * next job whatever thread runs it, and all of them are freed with the
 * service rather than at thread exit. The done callback goes back to the
 * main context with g_main_context_invoke_full, as in db-pool.c; freeing
 * the service waits for the queued jobs and runs their callbacks, so no
 * request is left paused. */
#define G_LOG_DOMAIN "rvi-frames"
#include "frame-service.h"
#include "rvi-error.h"

struct _RviFrameService {
  GThreadPool *threads;
  GMainContext *context;
  GAsyncQueue *idle;        /* RviFrameExtractor, not in use */
  guint queue_max;
  gint pending;             /* submitted jobs whose done has not run yet */
};

typedef struct {
  RviFrameService *service;
  RviFrameWorkFunc work;
  RviFrameDoneFunc done;
  gpointer data;
  GError *error;
} Job;

static gboolean
job_done_cb (gpointer user_data)
{
  Job *job = user_data;
  RviFrameService *service = job->service;

  job->done (job->data, job->error);
  g_clear_error (&job->error);
  g_free (job);
  g_atomic_int_add (&service->pending, -1);
  return G_SOURCE_REMOVE;
}

static void
worker_run (gpointer job_data, gpointer pool_data)
{
  Job *job = job_data;
  RviFrameService *service = pool_data;
  RviFrameExtractor *extractor = g_async_queue_try_pop (service->idle);

  if (!extractor)
    extractor = rvi_frame_extractor_new ();
  if (!job->work (extractor, job->data, &job->error) && !job->error)
    g_set_error (&job->error, RVI_ERROR, RVI_ERROR_FAILED, "frame job failed");
  g_async_queue_push (service->idle, extractor);
  g_main_context_invoke_full (service->context, G_PRIORITY_DEFAULT, job_done_cb, job, NULL);
}

RviFrameService *
rvi_frame_service_new (guint threads, guint queue_max)
{
  RviFrameService *service = g_new0 (RviFrameService, 1);

  g_return_val_if_fail (threads > 0, NULL);
  service->context = g_main_context_ref_thread_default ();
  service->idle = g_async_queue_new ();
  service->queue_max = queue_max;
  service->threads = g_thread_pool_new (worker_run, service, (int) threads, TRUE, NULL);
  return service;
}

gboolean
rvi_frame_service_submit (RviFrameService *service, RviFrameWorkFunc work, RviFrameDoneFunc done,
                          gpointer data, GError **error)
{
  Job *job;

  if (g_thread_pool_unprocessed (service->threads) >= service->queue_max) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_BUSY, "frame queue full");
    return FALSE;
  }
  job = g_new0 (Job, 1);
  job->service = service;
  job->work = work;
  job->done = done;
  job->data = data;
  g_atomic_int_inc (&service->pending);
  g_thread_pool_push (service->threads, job, NULL);
  return TRUE;
}

guint
rvi_frame_service_get_pending (RviFrameService *service)
{
  return (guint) g_atomic_int_get (&service->pending);
}

void
rvi_frame_service_free (RviFrameService *service)
{
  RviFrameExtractor *extractor;

  if (!service)
    return;
  g_thread_pool_free (service->threads, FALSE, TRUE);
  while (g_atomic_int_get (&service->pending) > 0)
    g_main_context_iteration (service->context, TRUE);
  while ((extractor = g_async_queue_try_pop (service->idle)))
    rvi_frame_extractor_free (extractor);
  g_async_queue_unref (service->idle);
  g_main_context_unref (service->context);
  g_free (service);
}
