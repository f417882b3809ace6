/* db-pool.h: RviDbPool, the worker threads that do all database work.
 *
 * Each worker thread owns one PGconn, connected lazily and reconnected
 * after PostgreSQL restarts. The main loop submits a job (work + done);
 * work runs on a worker with its connection, done runs back on the main
 * context that created the pool. Nothing on the main loop ever waits for
 * PostgreSQL. The queue of waiting jobs is bounded: a submit beyond it
 * fails with RVI_ERROR_BUSY at once. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct _RviDbPool RviDbPool;

/* Runs on a worker thread. Returns FALSE with @error set on failure. When
 * the connection breaks during the work, the pool reconnects next time. */
typedef gboolean (*RviDbWorkFunc) (PGconn *conn, gpointer data, GError **error);

/* Runs on the pool's main context with the work's error (NULL on success);
 * owns @data from then on. */
typedef void (*RviDbDoneFunc) (gpointer data, const GError *error);

typedef struct {
  guint size;
  guint busy;            /* jobs running now */
  guint queued;          /* jobs waiting for a worker */
  guint64 jobs;          /* finished jobs */
  guint64 failures;      /* finished with an error */
  guint64 connects;      /* successful (re)connections */
  guint64 connect_failures;
} RviDbPoolStats;

/* Returns (transfer full) a pool of @size workers for @conninfo bound to
 * the thread-default main context. */
RviDbPool *rvi_db_pool_new (const char *conninfo, guint size, guint queue_max,
                            int connect_timeout_s);

/* Queues a job. Returns FALSE with RVI_ERROR_BUSY when the queue is full;
 * then neither function is called and @data stays the caller's. */
gboolean rvi_db_pool_submit (RviDbPool *pool, RviDbWorkFunc work, RviDbDoneFunc done,
                             gpointer data, GError **error);

void rvi_db_pool_get_stats (RviDbPool *pool, RviDbPoolStats *stats);

/* Waits for running and queued jobs, closes every connection and frees
 * @pool. Done callbacks of the last jobs are dispatched before it returns. */
void rvi_db_pool_free (RviDbPool *pool);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviDbPool, rvi_db_pool_free)

G_END_DECLS
