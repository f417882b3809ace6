/* mark-stills.c: the thread that makes the stills of marks.
 *
 * DESIGN. The queue is a table (mark_still_queue, sql/010): a trigger
 * queues every mark made on a camera, whichever node took it, so a mark
 * survives a restart and the node that holds the recording makes its
 * still. The thread lists the queued marks that are this node's and due,
 * makes each (mark-still-job.c: the frame, the file, the row; or when to
 * try again), and then waits for the earliest of: the next due mark, a
 * `mark` notification on the rvi_events channel (its connection LISTENs,
 * so a mark made through any node wakes it at once), the stop, or
 * POLL_US (the fallback when a notification was
 * lost). Other notifications (lots, decisions, ...) are read and ignored.
 *
 * The thread owns its connection (never a pool worker's: a still decodes
 * for tens of milliseconds and writes a file) and its frame extractor
 * (one decoder kept open between stills). Without PostgreSQL it logs
 * once, tries again after 1 s doubling to RETRY_MAX_S, and logs when the
 * database is back; the queue is in the database, so nothing is lost. */
#define G_LOG_DOMAIN "rvi-stills"
#include "mark-stills.h"
#include "db.h"
#include "mark-still-job.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define POLL_US (3 * G_USEC_PER_SEC)
#define RETRY_MAX_S 30
#define BATCH 16

struct _RviMarkStills {
  char *conninfo, *data_dir, *node;
  int connect_timeout_s;
  int wake_fd;                  /* eventfd: a wake or the stop */
  gint stopping;                /* atomic */
  GThread *thread;
  /* the thread's own */
  PGconn *conn;
  RviFrameExtractor *extractor;
  gboolean unavailable;         /* the database was away (logged once) */
};

static gboolean
stopping (RviMarkStills *s)
{
  return g_atomic_int_get (&s->stopping);
}

static void
drop_connection (RviMarkStills *s)
{
  g_clear_pointer (&s->conn, PQfinish);
}

/* Connects and LISTENs when not connected. */
static gboolean
ensure_connection (RviMarkStills *s, GError **error)
{
  if (s->conn && rvi_db_conn_broken (s->conn))
    drop_connection (s);
  if (s->conn)
    return TRUE;
  s->conn = rvi_db_connect (s->conninfo, s->connect_timeout_s, error);
  if (s->conn && (!rvi_db_run (s->conn, "SET TIME ZONE 'UTC'", 0, NULL, error)
                  || !rvi_db_run (s->conn, "LISTEN rvi_events", 0, NULL, error)))
    drop_connection (s);
  return s->conn != NULL;
}

/* Reads the notifications libpq holds; TRUE when one was about a mark
 * (kinds are quoted words and ids UUIDs: only a mark's says "mark"). */
static gboolean
take_notifications (RviMarkStills *s)
{
  gboolean mark = FALSE;
  PGnotify *n;

  while (s->conn && (n = PQnotifies (s->conn))) {
    if (strstr (n->extra, "\"mark\""))
      mark = TRUE;
    PQfreemem (n);
  }
  return mark;
}

/* Waits up to @timeout_us for a mark notification, a wake or the stop. */
static void
wait_for (RviMarkStills *s, gint64 timeout_us)
{
  gint64 until = g_get_monotonic_time () + timeout_us;

  while (!take_notifications (s) && !stopping (s)) {
    gint64 left = until - g_get_monotonic_time ();
    struct pollfd fds[2] = { { s->wake_fd, POLLIN, 0 },
                             { s->conn ? PQsocket (s->conn) : -1, POLLIN, 0 } };
    int n;

    if (left <= 0)
      return;
    n = poll (fds, s->conn ? 2 : 1, (int) MIN ((left + 999) / 1000, G_MAXINT));
    if (n < 0 && errno != EINTR) {
      g_warning ("mark stills: poll: %s", g_strerror (errno));
      g_usleep (G_USEC_PER_SEC / 10);
      return;
    }
    if (n > 0 && fds[0].revents) {
      guint64 count;
      if (read (s->wake_fd, &count, sizeof count) < 0 && errno != EAGAIN)
        g_warning ("eventfd read: %s", g_strerror (errno));
      return;
    }
    if (n > 0 && s->conn && fds[1].revents && !PQconsumeInput (s->conn)) {
      g_debug ("mark stills: the connection was lost: %s", PQerrorMessage (s->conn));
      drop_connection (s);
      return;
    }
  }
}

/* Makes the stills that are due; sets @wait_us to when the next one is. */
static gboolean
run_due (RviMarkStills *s, gint64 *wait_us, GError **error)
{
  g_autoptr (GArray) tasks = rvi_mark_still_job_list (s->conn, s->node, BATCH, error);

  if (!tasks)
    return FALSE;
  *wait_us = POLL_US;
  if (!s->extractor && tasks->len)
    s->extractor = rvi_frame_extractor_new ();
  for (guint i = 0; i < tasks->len && !stopping (s); i++) {
    const RviMarkStillTask *t = &g_array_index (tasks, RviMarkStillTask, i);
    gint64 now = g_get_real_time ();

    if (t->not_before_us > now) {
      *wait_us = MIN (*wait_us, t->not_before_us - now);
      break;
    }
    if (!rvi_mark_still_job_run (s->conn, s->extractor, s->data_dir, s->node, t, error))
      return FALSE;
    *wait_us = 0;   /* list again: more may be due */
  }
  return TRUE;
}

static gpointer
runner_thread (gpointer data)
{
  RviMarkStills *s = data;
  guint retry_s = 1;

  while (!stopping (s)) {
    g_autoptr (GError) error = NULL;
    gint64 wait_us = POLL_US;

    if (ensure_connection (s, &error) && run_due (s, &wait_us, &error)) {
      if (s->unavailable)
        g_message ("mark stills: the database answers again");
      s->unavailable = FALSE;
      retry_s = 1;
    } else {
      if (!s->unavailable)
        g_warning ("mark stills: %s; trying again", error->message);
      else
        g_debug ("mark stills: %s (again in %u s)", error->message, retry_s);
      s->unavailable = TRUE;
      if (s->conn && rvi_db_conn_broken (s->conn))
        drop_connection (s);
      wait_us = (gint64) retry_s * G_USEC_PER_SEC;
      retry_s = MIN (retry_s * 2, RETRY_MAX_S);
    }
    wait_for (s, wait_us);
  }
  drop_connection (s);
  g_clear_pointer (&s->extractor, rvi_frame_extractor_free);
  return NULL;
}

RviMarkStills *
rvi_mark_stills_new (const char *conninfo, const RviConfig *config)
{
  RviMarkStills *s = g_new0 (RviMarkStills, 1);

  s->conninfo = g_strdup (conninfo);
  s->data_dir = g_strdup (config->data_dir);
  s->node = g_strdup (config->node);
  s->connect_timeout_s = config->db_connect_timeout_s;
  s->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->wake_fd < 0)
    g_error ("eventfd: %s", g_strerror (errno));
  s->thread = g_thread_new ("rvi-stills", runner_thread, s);
  return s;
}

/* Ends a wait (any thread). */
static void
wake (RviMarkStills *s)
{
  guint64 one = 1;

  if (write (s->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
    g_warning ("eventfd write: %s", g_strerror (errno));
}

void
rvi_mark_stills_free (RviMarkStills *s)
{
  if (!s)
    return;
  g_atomic_int_set (&s->stopping, TRUE);
  wake (s);
  g_thread_join (s->thread);
  close (s->wake_fd);
  g_free (s->conninfo);
  g_free (s->data_dir);
  g_free (s->node);
  g_free (s);
}
