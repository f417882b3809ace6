/* frame-service.h: RviFrameService, the worker threads that decode
 * recorded frames (GET /api/cameras/{id}/frame.jpg).
 *
 * A few threads, each with its own RviFrameExtractor (kept between jobs,
 * so a decoder stays open), behind a bounded queue: a submit beyond the
 * queue fails at once with RVI_ERROR_BUSY, so a burst of requests costs
 * 503s, not memory or minutes of latency. Work runs on a worker; done runs
 * back on the main context that created the service. Nothing here touches
 * the database: a request looks up its segments first and holds no
 * connection while it decodes. */
#pragma once

#include <glib.h>

#include "frame-extract.h"

G_BEGIN_DECLS

#define RVI_FRAME_SERVICE_THREADS 2
#define RVI_FRAME_SERVICE_QUEUE 8

typedef struct _RviFrameService RviFrameService;

/* Runs on a worker with that worker's extractor. FALSE with @error set on
 * failure. */
typedef gboolean (*RviFrameWorkFunc) (RviFrameExtractor *extractor, gpointer data,
                                      GError **error);

/* Runs on the service's main context with the work's error (NULL on
 * success); owns @data from then on. */
typedef void (*RviFrameDoneFunc) (gpointer data, const GError *error);

/* (transfer full) @threads workers and at most @queue_max jobs waiting,
 * bound to the thread-default main context. */
RviFrameService *rvi_frame_service_new (guint threads, guint queue_max);

/* Queues a job. FALSE with RVI_ERROR_BUSY when @queue_max jobs wait
 * already; then neither function is called and @data stays the caller's. */
gboolean rvi_frame_service_submit (RviFrameService *service, RviFrameWorkFunc work,
                                   RviFrameDoneFunc done, gpointer data, GError **error);

/* Jobs waiting or running now. */
guint rvi_frame_service_get_pending (RviFrameService *service);

/* Finishes the queued jobs, dispatches their done callbacks, frees the
 * extractors and @service. */
void rvi_frame_service_free (RviFrameService *service);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviFrameService, rvi_frame_service_free)

G_END_DECLS
