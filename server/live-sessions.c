/* live-sessions.c: the node's live video sessions; see live-sessions.h.
 *
 * Audit: live_session_started when the socket opens, live_session_ended
 * when it closes (detail: transport, session id, from, to). They go
 * through the database pool; a full queue or a lost database is retried
 * every AUDIT_RETRY_S seconds, AUDIT_TRIES times, then logged as lost
 * (what was watched is also in the server log). At shutdown the end events
 * of the sessions still open, and events waiting for a retry, are queued
 * once more before the pool drains; what fails then is logged as lost. */
#define G_LOG_DOMAIN "rvi-live"
#include "live-sessions.h"
#include "audit-log.h"
#include "event-feed.h"
#include "live-session.h"
#include "rvi-error.h"

#define SWEEP_S 5
#define STALL_TICKS 3      /* 15 s: video that cannot leave is worthless */
#define AUDIT_RETRY_S 2
#define AUDIT_TRIES 30

static const char *const transport_names[RVI_LIVE_TRANSPORTS] = { "webrtc", "mse", "jpeg" };

gboolean
rvi_live_transport_parse (const char *name, RviLiveTransport *transport)
{
  for (guint i = 0; name && i < RVI_LIVE_TRANSPORTS; i++) {
    if (g_str_equal (name, transport_names[i])) {
      *transport = (RviLiveTransport) i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
rvi_live_transport_to_string (RviLiveTransport transport)
{
  return transport < RVI_LIVE_TRANSPORTS ? transport_names[transport] : "unknown";
}

typedef struct {
  gatomicrefcount ref;       /* the sessions' and each job's */
  RviDbPool *pool;
  gboolean stopping;
  GHashTable *waiting;       /* AuditJob * -> its retry GSource * */
} AuditState;

struct _RviLiveSessions {
  RviApp *app;
  RviLiveHub *hub;
  GMainContext *context;
  RviWsUpgrades *upgrades;
  GPtrArray *sessions;       /* RviLiveSession * */
  GSource *sweep;
  AuditState *audit;
  RviLiveSessionsStats stats;
};

/* ---- audit ---- */


typedef struct {
  AuditState *state;        /* a reference */
  char *actor_id, *actor_name, *action, *camera_id, *detail, *address;
  guint tries;
} AuditJob;

static void
audit_state_unref (AuditState *state)
{
  if (!g_atomic_ref_count_dec (&state->ref))
    return;
  g_hash_table_unref (state->waiting);
  g_free (state);
}

static void
audit_job_free (AuditJob *job)
{
  audit_state_unref (job->state);
  g_free (job->actor_id);
  g_free (job->actor_name);
  g_free (job->action);
  g_free (job->camera_id);
  g_free (job->detail);
  g_free (job->address);
  g_free (job);
}

static gboolean
audit_work (PGconn *conn, gpointer data, GError **error)
{
  AuditJob *job = data;
  RviAuditEntry e = { job->actor_id, job->actor_name, job->action, "camera", job->camera_id,
                      job->detail, job->address[0] ? job->address : NULL };

  return rvi_audit_append (conn, &e, error);
}

static void audit_submit (AuditJob *job);

static gboolean
on_audit_retry (gpointer data)
{
  AuditJob *job = data;

  g_hash_table_remove (job->state->waiting, job);   /* unrefs the source */
  audit_submit (job);
  return G_SOURCE_REMOVE;
}

static void
audit_retry_or_drop (AuditJob *job, const GError *error)
{
  GSource *retry;

  if (++job->tries >= AUDIT_TRIES || job->state->stopping) {
    g_warning ("audit event %s (camera %s, %s) lost: %s", job->action, job->camera_id,
               job->detail, error->message);
    audit_job_free (job);
    return;
  }
  retry = g_timeout_source_new_seconds (AUDIT_RETRY_S);
  g_source_set_callback (retry, on_audit_retry, job, NULL);
  g_source_attach (retry, NULL);
  g_hash_table_insert (job->state->waiting, job, retry);
}

static void
audit_done (gpointer data, const GError *error)
{
  if (error)
    audit_retry_or_drop (data, error);
  else
    audit_job_free (data);
}

static void
audit_submit (AuditJob *job)
{
  g_autoptr (GError) error = NULL;

  if (!rvi_db_pool_submit (job->state->pool, audit_work, audit_done, job, &error))
    audit_retry_or_drop (job, error);
}

static char *
iso_time (gint64 us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) exact = g_date_time_add (t, us % G_USEC_PER_SEC);

  return g_date_time_format (exact, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static void
audit_session (RviLiveSessions *ls, RviLiveSession *s, gboolean ended)
{
  const RviWsIdentity *who = rvi_live_session_get_identity (s);
  AuditJob *job = g_new0 (AuditJob, 1);
  g_autofree char *from = iso_time (rvi_live_session_get_from_us (s));
  g_autofree char *to = ended ? iso_time (g_get_real_time ()) : NULL;

  job->state = ls->audit;
  g_atomic_ref_count_inc (&ls->audit->ref);
  job->actor_id = g_strdup (who->user_id);
  job->actor_name = g_strdup (who->user_name);
  job->action = g_strdup (ended ? "live_session_ended" : "live_session_started");
  job->camera_id = g_strdup (rvi_live_feed_get_camera_id (rvi_live_session_get_feed (s)));
  /* the values are ours (an enum name, a UUID, timestamps): no escaping needed */
  job->detail = ended
    ? g_strdup_printf ("{\"transport\":\"%s\",\"session\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
                       "\"bytes\":%" G_GUINT64_FORMAT "}",
                       rvi_live_transport_to_string (rvi_live_session_get_transport (s)),
                       rvi_live_session_get_id (s), from, to, rvi_live_session_get_bytes_sent (s))
    : g_strdup_printf ("{\"transport\":\"%s\",\"session\":\"%s\",\"from\":\"%s\"}",
                       rvi_live_transport_to_string (rvi_live_session_get_transport (s)),
                       rvi_live_session_get_id (s), from);
  job->address = g_strdup (who->address);
  audit_submit (job);
}

/* ---- sessions ---- */

static void
on_session_closed (RviLiveSession *s, gpointer user_data)
{
  RviLiveSessions *ls = user_data;

  ls->stats.open[rvi_live_session_get_transport (s)]--;
  if (rvi_live_session_get_close_code (s) == RVI_LIVE_CLOSE_TOO_SLOW)
    ls->stats.too_slow++;
  ls->stats.bytes_sent += rvi_live_session_get_bytes_sent (s);
  g_info ("live session %s of camera %s by %s ended", rvi_live_session_get_id (s),
          rvi_live_feed_get_camera_id (rvi_live_session_get_feed (s)),
          rvi_live_session_get_identity (s)->user_name);
  audit_session (ls, s, TRUE);
  g_ptr_array_remove_fast (ls->sessions, s);   /* frees it */
}

typedef struct {
  char camera_id[37];
  RviLiveTransport transport;
} Wanted;

static void
on_upgraded (SoupWebsocketConnection *ws, GSocket *socket, const RviWsIdentity *who,
             gpointer data, gpointer user_data)
{
  RviLiveSessions *ls = user_data;
  g_autofree Wanted *wanted = data;
  g_autoptr (RviLiveFeed) feed = rvi_live_hub_feed (ls->hub, wanted->camera_id);
  RviLiveSession *s = rvi_live_session_new (ws, socket, who, feed, wanted->transport, ls->context,
                                            on_session_closed, ls);

  g_ptr_array_add (ls->sessions, s);
  ls->stats.open[wanted->transport]++;
  ls->stats.started++;
  g_info ("live session %s of camera %s by %s (%s)", rvi_live_session_get_id (s),
          wanted->camera_id, who->user_name, rvi_live_transport_to_string (wanted->transport));
  audit_session (ls, s, FALSE);
}

gboolean
rvi_live_sessions_accept (RviLiveSessions *ls, SoupServerMessage *msg, const RviWsIdentity *who,
                          const char *camera_id, RviLiveTransport transport, GError **error)
{
  Wanted *wanted = g_new0 (Wanted, 1);

  g_strlcpy (wanted->camera_id, camera_id, sizeof wanted->camera_id);
  wanted->transport = transport;
  if (rvi_ws_upgrades_accept (ls->upgrades, msg, who, wanted, g_free, error))
    return TRUE;
  g_free (wanted);
  return FALSE;
}

void
rvi_live_sessions_close_for (RviLiveSessions *ls, const char *credential, const char *user_id)
{
  for (guint i = 0; i < ls->sessions->len; i++) {
    RviLiveSession *s = g_ptr_array_index (ls->sessions, i);
    const RviWsIdentity *who = rvi_live_session_get_identity (s);

    if ((credential && g_ascii_strcasecmp (who->credential, credential) == 0)
        || (user_id && g_ascii_strcasecmp (who->user_id, user_id) == 0))
      rvi_live_session_close (s, RVI_LIVE_CLOSE_SESSION, "session ended or changed");
  }
}

static void
on_credential (const char *credential, const char *user_id, gpointer user_data)
{
  rvi_live_sessions_close_for (user_data, credential, user_id);
}

/* Every SWEEP_S: session checks due, removed cameras, stuck sockets. */
static gboolean
on_sweep (gpointer user_data)
{
  RviLiveSessions *ls = user_data;
  gint64 now = g_get_real_time ();

  for (guint i = 0; i < ls->sessions->len; i++) {
    RviLiveSession *s = g_ptr_array_index (ls->sessions, i);
    const RviWsIdentity *who = rvi_live_session_get_identity (s);
    RviLiveFeed *feed = rvi_live_session_get_feed (s);
    g_autoptr (RviLiveFeed) current = NULL;

    if (rvi_live_session_is_closing (s))
      continue;
    if (who->check_after_us && now >= who->check_after_us) {
      rvi_live_session_close (s, RVI_LIVE_CLOSE_SESSION, "check the session and reconnect");
      continue;
    }
    current = rvi_live_hub_lookup (ls->hub, rvi_live_feed_get_camera_id (feed));
    if (current && current != feed) {
      /* the camera was removed and added again (or restarted elsewhere) */
      rvi_live_session_close (s, RVI_LIVE_CLOSE_GONE, "the camera's stream was replaced");
      continue;
    }
    if (rvi_live_session_sweep (s) >= STALL_TICKS) {
      rvi_live_session_close (s, RVI_LIVE_CLOSE_TOO_SLOW, "socket stalled");
    }
  }
  return G_SOURCE_CONTINUE;
}

RviLiveSessions *
rvi_live_sessions_new (RviApp *app, RviLiveHub *hub)
{
  RviLiveSessions *ls = g_new0 (RviLiveSessions, 1);

  ls->app = app;
  ls->hub = hub;
  ls->context = g_main_context_ref_thread_default ();
  ls->upgrades = rvi_ws_upgrades_new (on_upgraded, ls);
  ls->sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) rvi_live_session_free);
  ls->audit = g_new0 (AuditState, 1);
  g_atomic_ref_count_init (&ls->audit->ref);
  ls->audit->pool = app->pool;
  ls->audit->waiting = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_source_unref);
  ls->sweep = g_timeout_source_new_seconds (SWEEP_S);
  g_source_set_callback (ls->sweep, on_sweep, ls, NULL);
  g_source_attach (ls->sweep, ls->context);
  if (app->events)
    rvi_event_feed_set_credential_watcher (app->events, on_credential, ls);
  return ls;
}

void
rvi_live_sessions_get_stats (RviLiveSessions *ls, RviLiveSessionsStats *stats)
{
  *stats = ls->stats;
  for (guint i = 0; i < ls->sessions->len; i++)
    stats->bytes_sent += rvi_live_session_get_bytes_sent (g_ptr_array_index (ls->sessions, i));
}

void
rvi_live_sessions_free (RviLiveSessions *ls)
{
  if (!ls)
    return;
  if (ls->app->events)
    rvi_event_feed_set_credential_watcher (ls->app->events, NULL, NULL);
  g_clear_pointer (&ls->upgrades, rvi_ws_upgrades_free);
  g_source_destroy (ls->sweep);
  g_source_unref (ls->sweep);
  for (guint i = 0; i < ls->sessions->len; i++)
    audit_session (ls, g_ptr_array_index (ls->sessions, i), TRUE);
  g_ptr_array_unref (ls->sessions);   /* closes them: going away */
  /* last tries, without retries: the pool drains them before it goes */
  ls->audit->stopping = TRUE;
  {
    GHashTableIter iter;
    gpointer job, retry;
    g_autoptr (GPtrArray) jobs = g_ptr_array_new ();

    g_hash_table_iter_init (&iter, ls->audit->waiting);
    while (g_hash_table_iter_next (&iter, &job, &retry)) {
      g_source_destroy (retry);
      g_ptr_array_add (jobs, job);
    }
    g_hash_table_remove_all (ls->audit->waiting);
    for (guint i = 0; i < jobs->len; i++)
      audit_submit (g_ptr_array_index (jobs, i));
  }
  audit_state_unref (ls->audit);   /* jobs in the pool hold theirs */
  g_main_context_unref (ls->context);
  g_free (ls);
}
