/* event-listen.c: RviEventListen, the dedicated LISTEN connection.
 *
 * DESIGN
 * Triggers (sql/003) pg_notify('rvi_events', ...) at commit; this
 * connection receives them. Connecting and LISTEN block, so they run on a
 * short-lived thread, one attempt at a time, which posts the connection
 * (non-blocking from then on) to the main loop. The main loop owns it: a
 * unix fd source on its socket runs PQconsumeInput and PQnotifies, which
 * never block. At most DRAIN_BATCH notifications are handled per dispatch
 * and an idle source takes the rest, so a burst (a large import) does not
 * hold the loop. A failed read or a bad status means PostgreSQL went away:
 * the connection is closed and the next attempt starts after a back-off
 * (1 s doubling to 30 s, reset by a success). Notifications sent while
 * nobody listened are lost, so the connected callback says whether LISTEN
 * was re-established, and the owner tells its clients to refetch.
 *
 * Shutdown: rvi_event_listen_stop() closes the connection and cancels the
 * retry; rvi_event_listen_free() then waits for an attempt in flight
 * (bounded by the connect timeout), whose result it discards. */
#define G_LOG_DOMAIN "rvi-events"
#include "event-listen.h"
#include "db.h"
#include "rvi-error.h"

#include <glib-unix.h>

#define CHANNEL "rvi_events"
#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 30
#define DRAIN_BATCH 500

typedef struct _Attempt Attempt;

struct _RviEventListen {
  GMainContext *context;
  char *conninfo;
  int connect_timeout_s;
  RviEventListenNotifyFunc notification;
  RviEventListenConnectedFunc connected;
  gpointer user_data;
  PGconn *conn;            /* the LISTEN connection, when up */
  GSource *watch;          /* its socket */
  GSource *drain;          /* idle: notifications left after a full batch */
  GSource *retry;          /* the next connection attempt */
  Attempt *attempt;        /* a connection attempt in flight */
  int backoff_s;
  gboolean stopping;
  RviEventListenStats stats;
};

struct _Attempt {
  RviEventListen *listener; /* main loop only */
  GMainContext *context;
  char *conninfo;
  int timeout_s;
  PGconn *conn;            /* result: listening, non-blocking */
  GError *error;           /* or why not */
};

static void start_attempt (RviEventListen *listener);
static void listen_drain (RviEventListen *listener);

static void
drop_source (GSource **source)
{
  if (*source) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static void
attempt_free (Attempt *a)
{
  if (a->conn)
    PQfinish (a->conn);
  g_clear_error (&a->error);
  g_main_context_unref (a->context);
  g_free (a->conninfo);
  g_free (a);
}

static void
on_notice (void *arg, const char *message)
{
  g_debug ("postgres: %s", message);
}

/* Worker thread: connects and listens. Returns (transfer full) the
 * connection or NULL with @error. */
static PGconn *
listen_connect (const char *conninfo, int timeout_s, GError **error)
{
  g_autoptr (PGconn) conn = rvi_db_connect_as (conninfo, timeout_s, "rvi-events", error);
  g_autoptr (PGresult) res = NULL;

  if (!conn)
    return NULL;
  PQsetNoticeProcessor (conn, on_notice, NULL);
  res = PQexec (conn, "LISTEN " CHANNEL);
  if (PQresultStatus (res) != PGRES_COMMAND_OK) {
    rvi_db_set_error (conn, res, error);
    return NULL;
  }
  if (PQsetnonblocking (conn, 1) != 0) {
    rvi_db_set_error (conn, NULL, error);
    return NULL;
  }
  return g_steal_pointer (&conn);
}

static gboolean
on_listen_readable (gint fd, GIOCondition condition, gpointer user_data)
{
  listen_drain (user_data);
  return G_SOURCE_CONTINUE;   /* listen_drain destroys the source when the connection is lost */
}

static gboolean
on_drain_idle (gpointer user_data)
{
  RviEventListen *listener = user_data;

  g_clear_pointer (&listener->drain, g_source_unref);   /* removed by returning */
  if (listener->conn)
    listen_drain (listener);
  return G_SOURCE_REMOVE;
}

static void
listen_close (RviEventListen *listener)
{
  drop_source (&listener->watch);
  drop_source (&listener->drain);
  g_clear_pointer (&listener->conn, PQfinish);
  listener->stats.listening = FALSE;
}

static gboolean
on_retry (gpointer user_data)
{
  RviEventListen *listener = user_data;

  g_clear_pointer (&listener->retry, g_source_unref);   /* removed by returning */
  start_attempt (listener);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (RviEventListen *listener)
{
  listener->retry = g_timeout_source_new_seconds ((guint) listener->backoff_s);
  g_source_set_callback (listener->retry, on_retry, listener, NULL);
  g_source_attach (listener->retry, listener->context);
  listener->backoff_s = MIN (listener->backoff_s * 2, BACKOFF_MAX_S);
}

/* Reads what arrived and hands on up to DRAIN_BATCH notifications. */
static void
listen_drain (RviEventListen *listener)
{
  PGnotify *n = NULL;
  guint count = 0;
  gboolean ok = PQconsumeInput (listener->conn);

  while (ok && count < DRAIN_BATCH && (n = PQnotifies (listener->conn))) {
    listener->stats.events++;
    if (listener->notification)
      listener->notification (n->extra, listener->user_data);
    PQfreemem (n);
    count++;
  }
  if (!ok || PQstatus (listener->conn) != CONNECTION_OK) {
    g_autofree char *msg = g_strstrip (g_strdup (PQerrorMessage (listener->conn)));
    g_warning ("live events: lost the database connection (%s); reconnecting in %d s", msg,
               listener->backoff_s);
    listen_close (listener);
    schedule_retry (listener);
    return;
  }
  if (count == DRAIN_BATCH && !listener->drain) {
    listener->drain = g_idle_source_new ();
    g_source_set_callback (listener->drain, on_drain_idle, listener, NULL);
    g_source_attach (listener->drain, listener->context);
  }
}

/* Main loop: an attempt ended. */
static gboolean
on_attempt_done (gpointer data)
{
  Attempt *a = data;
  RviEventListen *listener = a->listener;
  gboolean before = listener->stats.connects > 0;

  listener->attempt = NULL;
  if (listener->stopping) {
    attempt_free (a);
    return G_SOURCE_REMOVE;
  }
  if (!a->conn) {
    g_warning ("live events: %s; retrying in %d s", a->error->message, listener->backoff_s);
    schedule_retry (listener);
    attempt_free (a);
    return G_SOURCE_REMOVE;
  }
  listener->conn = g_steal_pointer (&a->conn);
  attempt_free (a);
  listener->backoff_s = BACKOFF_MIN_S;
  listener->stats.connects++;
  listener->stats.listening = TRUE;
  listener->watch = g_unix_fd_source_new (PQsocket (listener->conn), G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_callback (listener->watch, G_SOURCE_FUNC (on_listen_readable), listener, NULL);
  g_source_attach (listener->watch, listener->context);
  if (listener->connected)
    listener->connected (before, listener->user_data);
  listen_drain (listener);   /* what arrived with the LISTEN answer */
  return G_SOURCE_REMOVE;
}

static gpointer
attempt_run (gpointer data)
{
  Attempt *a = data;

  a->conn = listen_connect (a->conninfo, a->timeout_s, &a->error);
  g_main_context_invoke_full (a->context, G_PRIORITY_DEFAULT, on_attempt_done, a, NULL);
  return NULL;
}

static void
start_attempt (RviEventListen *listener)
{
  Attempt *a = g_new0 (Attempt, 1);
  g_autoptr (GError) error = NULL;
  GThread *thread;

  a->listener = listener;
  a->context = g_main_context_ref (listener->context);
  a->conninfo = g_strdup (listener->conninfo);
  a->timeout_s = listener->connect_timeout_s;
  listener->attempt = a;
  thread = g_thread_try_new ("rvi-events-connect", attempt_run, a, &error);
  if (!thread) {
    g_warning ("live events: %s; retrying in %d s", error->message, listener->backoff_s);
    listener->attempt = NULL;
    attempt_free (a);
    schedule_retry (listener);
    return;
  }
  g_thread_unref (thread);
}

/* ---- the listener ------------------------------------------------------- */

RviEventListen *
rvi_event_listen_new (const char *conninfo, int connect_timeout_s,
                      RviEventListenNotifyFunc notification, RviEventListenConnectedFunc connected,
                      gpointer user_data)
{
  RviEventListen *listener = g_new0 (RviEventListen, 1);

  listener->context = g_main_context_ref_thread_default ();
  listener->conninfo = g_strdup (conninfo);
  listener->connect_timeout_s = connect_timeout_s;
  listener->notification = notification;
  listener->connected = connected;
  listener->user_data = user_data;
  listener->backoff_s = BACKOFF_MIN_S;
  start_attempt (listener);
  return listener;
}

void
rvi_event_listen_get_stats (RviEventListen *listener, RviEventListenStats *stats)
{
  *stats = listener->stats;
}

void
rvi_event_listen_stop (RviEventListen *listener)
{
  listener->stopping = TRUE;
  drop_source (&listener->retry);
  listen_close (listener);
}

void
rvi_event_listen_free (RviEventListen *listener)
{
  if (!listener)
    return;
  rvi_event_listen_stop (listener);
  while (listener->attempt)   /* bounded by the connect timeout */
    g_main_context_iteration (listener->context, TRUE);
  g_main_context_unref (listener->context);
  g_free (listener->conninfo);
  g_free (listener);
}
