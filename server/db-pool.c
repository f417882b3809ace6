/* db-pool.c: worker threads with one PGconn each.
 *
 * DESIGN
 * A GThreadPool with exclusive threads, so every worker lives as long as
 * the pool and keeps its connection in a GPrivate (closed by the private's
 * destroy notify when the thread ends). A job carries work, done and data;
 * the worker connects if it has no healthy connection, runs work, drops the
 * connection if it broke or the job found the server unavailable through
 * it (read-only after a failover, shutting down; the next job
 * reconnects), and posts the job back
 * to the main context with g_main_context_invoke_full. Counters are atomics
 * read by /metrics. */
#define G_LOG_DOMAIN "rvi-db"
#include "db-pool.h"
#include "db.h"
#include "db-statements.h"
#include "rvi-error.h"


struct _RviDbPool {
  GThreadPool *threads;
  GMainContext *context;
  char *conninfo;
  int connect_timeout_s;
  guint size;
  guint queue_max;
  gint busy;
  gint pending_done;     /* jobs whose done has not run yet */
  guint64 jobs;
  guint64 failures;
  guint64 connects;
  guint64 connect_failures;
};

typedef struct {
  RviDbPool *pool;
  RviDbWorkFunc work;
  RviDbDoneFunc done;
  gpointer data;
  GError *error;
} Job;

static void
conn_free (gpointer conn)
{
  PQfinish (conn);
}

/* Worker threads are exclusive to one pool, so one key serves all pools. */
static GPrivate conn_key = G_PRIVATE_INIT (conn_free);

#define COUNT(field) __atomic_add_fetch (&(field), 1, __ATOMIC_RELAXED)
#define READ(field) __atomic_load_n (&(field), __ATOMIC_RELAXED)

static PGconn *
worker_conn (RviDbPool *pool, GError **error)
{
  PGconn *conn = g_private_get (&conn_key);

  if (conn && !rvi_db_conn_broken (conn))
    return conn;
  rvi_db_statements_detach ();
  g_private_replace (&conn_key, NULL);
  conn = rvi_db_connect (pool->conninfo, pool->connect_timeout_s, error);
  if (!conn) {
    COUNT (pool->connect_failures);
    return NULL;
  }
  COUNT (pool->connects);
  g_private_set (&conn_key, conn);
  rvi_db_statements_attach (conn);
  return conn;
}

static gboolean
job_done_cb (gpointer user_data)
{
  Job *job = user_data;
  RviDbPool *pool = job->pool;

  job->done (job->data, job->error);
  g_clear_error (&job->error);
  g_free (job);
  g_atomic_int_add (&pool->pending_done, -1);
  return G_SOURCE_REMOVE;
}

static void
worker_run (gpointer job_data, gpointer pool_data)
{
  Job *job = job_data;
  RviDbPool *pool = pool_data;
  PGconn *conn;

  g_atomic_int_inc (&pool->busy);
  conn = worker_conn (pool, &job->error);
  if (conn && !job->work (conn, job->data, &job->error) && !job->error)
    g_set_error (&job->error, RVI_ERROR, RVI_ERROR_FAILED, "database job failed");
  if (conn && rvi_db_conn_broken (conn)) {
    g_warning ("database connection lost; the next job reconnects");
    rvi_db_statements_detach ();
    g_private_replace (&conn_key, NULL);
  } else if (conn && g_error_matches (job->error, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE)) {
    /* open but of no use: a read-only (demoted) server, or one shutting down */
    g_warning ("%s; the next job reconnects", job->error->message);
    rvi_db_statements_detach ();
    g_private_replace (&conn_key, NULL);
  } else if (conn && PQtransactionStatus (conn) != PQTRANS_IDLE) {
    /* a job that failed mid-transaction must not leak it into the next one */
    rvi_db_rollback (conn);
  }
  if (job->error)
    COUNT (pool->failures);
  COUNT (pool->jobs);
  g_atomic_int_add (&pool->busy, -1);
  g_main_context_invoke_full (pool->context, G_PRIORITY_DEFAULT, job_done_cb, job, NULL);
}

RviDbPool *
rvi_db_pool_new (const char *conninfo, guint size, guint queue_max, int connect_timeout_s)
{
  RviDbPool *pool = g_new0 (RviDbPool, 1);

  pool->context = g_main_context_ref_thread_default ();
  pool->conninfo = g_strdup (conninfo);
  pool->connect_timeout_s = connect_timeout_s;
  pool->size = size;
  pool->queue_max = queue_max;
  pool->threads = g_thread_pool_new (worker_run, pool, (int) size, TRUE, NULL);
  return pool;
}

gboolean
rvi_db_pool_submit (RviDbPool *pool, RviDbWorkFunc work, RviDbDoneFunc done, gpointer data,
                    GError **error)
{
  Job *job;

  if (g_thread_pool_unprocessed (pool->threads) >= pool->queue_max) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_BUSY, "database queue full");
    return FALSE;
  }
  job = g_new0 (Job, 1);
  job->pool = pool;
  job->work = work;
  job->done = done;
  job->data = data;
  g_atomic_int_inc (&pool->pending_done);
  g_thread_pool_push (pool->threads, job, NULL);
  return TRUE;
}

void
rvi_db_pool_get_stats (RviDbPool *pool, RviDbPoolStats *stats)
{
  stats->size = pool->size;
  stats->busy = (guint) g_atomic_int_get (&pool->busy);
  stats->queued = g_thread_pool_unprocessed (pool->threads);
  stats->jobs = READ (pool->jobs);
  stats->failures = READ (pool->failures);
  stats->connects = READ (pool->connects);
  stats->connect_failures = READ (pool->connect_failures);
}

void
rvi_db_pool_free (RviDbPool *pool)
{
  if (!pool)
    return;
  g_thread_pool_free (pool->threads, FALSE, TRUE);
  while (g_atomic_int_get (&pool->pending_done) > 0)
    g_main_context_iteration (pool->context, TRUE);
  g_main_context_unref (pool->context);
  g_free (pool->conninfo);
  g_free (pool);
}
