/* export-runner.c: claim, run, record the outcome.
 *
 * DESIGN. The queue is the exports table itself (status 'queued', this
 * node), so a request survives a restart and the API sees the same state
 * the runner does. The thread claims the oldest queued export with
 * FOR UPDATE SKIP LOCKED, runs it, and writes progress at most twice a
 * second. It polls every POLL_S and is woken by the API at once. Without
 * the database it retries its connection with back-off; an export whose
 * outcome cannot be written stays 'running' and is marked failed at the
 * next start (its package, if it was finished, is then removed: what the
 * database does not say is done is not served).
 *
 * Holds. The API placed a hold on every exported range. When the config
 * says exports keep their holds (export_hold, the default), they stay until
 * an auditor releases them; otherwise they are released when the export
 * ends, so they only protected the recordings while they were read. */
#define G_LOG_DOMAIN "rvi-evidence"
#include "export-runner.h"
#include "audit-log.h"
#include "db.h"
#include "export-job.h"
#include "rvi-error.h"
#include "tls.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define POLL_S 10
#define RETRY_MAX_S 30
#define PROGRESS_EVERY_US (G_USEC_PER_SEC / 2)

struct _RviExportRunner {
  char *conninfo, *data_dir, *node;
  int connect_timeout_s;
  gboolean keep_holds;
  RviSigningKey *key;          /* transfer none: the app's, outlives the runner */
  GTlsDatabase *node_cas;      /* tls_ca, for fetching other nodes' files; NULL: system CAs */
  GThread *thread;
  GMutex lock;
  GCond wake;
  gboolean woken, stopping;    /* under lock */
  GCancellable *cancel;        /* of the running export */
  /* the running export's progress (runner thread only) */
  PGconn *conn;
  const char *current;
  gint64 last_progress_us;
};

static void
progress (double fraction, const char *phase, gpointer data)
{
  RviExportRunner *r = data;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *value = g_strdup_printf ("%.3f", CLAMP (fraction, 0.0, 0.999));
  const char *params[] = { r->current, value, phase };
  g_autoptr (GError) error = NULL;

  if (now - r->last_progress_us < PROGRESS_EVERY_US)
    return;
  r->last_progress_us = now;
  if (!rvi_db_run (r->conn, "UPDATE exports SET progress = $2::real, phase = $3"
                   " WHERE id = $1::uuid AND status = 'running'", 3, params, &error))
    g_debug ("export %s: progress not written: %s", r->current, error->message);
}

static gboolean
audit (PGconn *conn, const char *action, const char *id, const char *detail, GError **error)
{
  RviAuditEntry e = { NULL, "system", action, "export", id, detail, NULL };

  return rvi_audit_append (conn, &e, error);
}

/* Done or failed, with the audit event and the holds, in one transaction. */
static gboolean
record_outcome (RviExportRunner *r, const char *id, gboolean ok, guint64 bytes,
                const char *sha256, const char *message, GError **error)
{
  g_autofree char *bytes_text = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
  const char *params[] = { id };
  const char *done_params[] = { id, bytes_text, sha256 };
  const char *failed_params[] = { id, message };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail_node = NULL;
  g_autofree char *detail = NULL;

  json_builder_begin_object (b);
  if (ok) {
    json_builder_set_member_name (b, "package_bytes");
    json_builder_add_int_value (b, (gint64) bytes);
    json_builder_set_member_name (b, "package_sha256");
    json_builder_add_string_value (b, sha256);
  } else {
    json_builder_set_member_name (b, "error");
    json_builder_add_string_value (b, message);
  }
  json_builder_set_member_name (b, "holds_kept");
  json_builder_add_boolean_value (b, r->keep_holds);
  json_builder_end_object (b);
  detail_node = json_builder_get_root (b);
  detail = json_to_string (detail_node, FALSE);
  if (!rvi_db_begin (r->conn, error))
    return FALSE;
  if (!(ok ? rvi_db_run (r->conn, "UPDATE exports SET status = 'done', progress = 1,"
                         " phase = 'done', finished_at = now(), package_bytes = $2::bigint,"
                         " package_sha256 = $3 WHERE id = $1::uuid", 3, done_params, error)
          : rvi_db_run (r->conn, "UPDATE exports SET status = 'failed', phase = 'failed',"
                        " finished_at = now(), error = $2 WHERE id = $1::uuid", 2, failed_params,
                        error))
      || (!r->keep_holds
          && !rvi_db_run (r->conn, "UPDATE holds SET released_at = now() WHERE export_id = $1::uuid"
                          " AND released_at IS NULL", 1, params, error))
      || !audit (r->conn, ok ? "export_completed" : "export_failed", id, detail, error)
      || !rvi_db_commit (r->conn, error)) {
    rvi_db_rollback (r->conn);
    return FALSE;
  }
  return TRUE;
}

/* Exports this node left running when it stopped: failed, packages removed. */
static gboolean
fail_abandoned (RviExportRunner *r, GError **error)
{
  const char *params[] = { r->node };
  g_autoptr (PGresult) res = rvi_db_exec (r->conn, "SELECT id FROM exports"
                                          " WHERE node = $1 AND status = 'running'", 1, params,
                                          error);

  if (!res)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++) {
    const char *id = PQgetvalue (res, i, 0);
    g_autofree char *path = rvi_export_job_package_path (r->data_dir, id);

    g_unlink (path);
    g_message ("export %s was interrupted by a stop of this node; marked failed", id);
    if (!record_outcome (r, id, FALSE, 0, NULL,
                         "the server stopped during the export; request it again", error))
      return FALSE;
  }
  return TRUE;
}

/* The oldest queued export of this node, now running; NULL when none. */
static char *
claim (RviExportRunner *r, GError **error)
{
  const char *params[] = { r->node };
  g_autoptr (PGresult) res = rvi_db_exec (r->conn,
      "UPDATE exports SET status = 'running', started_at = now(), phase = 'starting'"
      " WHERE id = (SELECT id FROM exports WHERE node = $1 AND status = 'queued'"
      "             ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id",
      1, params, error);

  return res && PQntuples (res) ? g_strdup (PQgetvalue (res, 0, 0)) : NULL;
}

static void
run_one (RviExportRunner *r, const char *id)
{
  RviExportJobConfig cfg = { r->data_dir, r->node, r->key, r->node_cas };
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) record_error = NULL;
  char sha256[65] = "";
  guint64 bytes = 0;
  gint64 started = g_get_monotonic_time ();
  gboolean ok;

  r->current = id;
  r->last_progress_us = 0;
  g_message ("export %s: started", id);
  ok = rvi_export_job_run (r->conn, &cfg, id, progress, r, r->cancel, &bytes, sha256, &error);
  if (ok)
    g_message ("export %s: done, %" G_GUINT64_FORMAT " bytes in %.1f s", id, bytes,
               (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC);
  else
    g_warning ("export %s failed: %s", id, error->message);
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_clear_error (&error);
    g_set_error (&error, RVI_ERROR, RVI_ERROR_FAILED,
                 "the server stopped during the export; request it again");
  }
  if (!record_outcome (r, id, ok, bytes, sha256, ok ? NULL : error->message, &record_error))
    g_warning ("export %s: its outcome could not be written (%s); it is marked failed at the"
               " next start", id, record_error->message);
  r->current = NULL;
}

static gpointer
runner_thread (gpointer data)
{
  RviExportRunner *r = data;
  gboolean checked_abandoned = FALSE;
  guint retry_s = 1;

  for (;;) {
    g_autoptr (GError) error = NULL;
    g_autofree char *id = NULL;
    gint64 until;

    g_mutex_lock (&r->lock);
    if (r->stopping) {
      g_mutex_unlock (&r->lock);
      break;
    }
    r->woken = FALSE;
    g_mutex_unlock (&r->lock);
    if (r->conn && rvi_db_conn_broken (r->conn))
      g_clear_pointer (&r->conn, PQfinish);
    if (!r->conn && (r->conn = rvi_db_connect (r->conninfo, r->connect_timeout_s, &error))
        && !rvi_db_run (r->conn, "SET TIME ZONE 'UTC'", 0, NULL, &error))
      g_clear_pointer (&r->conn, PQfinish);
    if (r->conn && !checked_abandoned)
      checked_abandoned = fail_abandoned (r, &error);
    if (r->conn && checked_abandoned && (id = claim (r, &error))) {
      run_one (r, id);
      retry_s = 1;
      continue;
    }
    if (error) {
      g_debug ("export runner: %s (retry in %u s)", error->message, retry_s);
      retry_s = MIN (retry_s * 2, RETRY_MAX_S);
    }
    g_mutex_lock (&r->lock);
    until = g_get_monotonic_time () + (error ? retry_s : POLL_S) * G_USEC_PER_SEC;
    while (!r->woken && !r->stopping)
      if (!g_cond_wait_until (&r->wake, &r->lock, until))
        break;
    g_mutex_unlock (&r->lock);
  }
  g_clear_pointer (&r->conn, PQfinish);
  return NULL;
}

RviExportRunner *
rvi_export_runner_new (const char *conninfo, const RviConfig *config, RviSigningKey *key)
{
  RviExportRunner *r = g_new0 (RviExportRunner, 1);

  r->conninfo = g_strdup (conninfo);
  r->data_dir = g_strdup (config->data_dir);
  r->node = g_strdup (config->node);
  r->connect_timeout_s = config->db_connect_timeout_s;
  r->keep_holds = config->export_hold;
  r->key = key;
  r->node_cas = rvi_tls_load_ca (config, NULL);   /* checked at start (server.c) */
  r->cancel = g_cancellable_new ();
  g_mutex_init (&r->lock);
  g_cond_init (&r->wake);
  r->thread = g_thread_new ("rvi-export", runner_thread, r);
  return r;
}

void
rvi_export_runner_wake (RviExportRunner *r)
{
  g_mutex_lock (&r->lock);
  r->woken = TRUE;
  g_cond_signal (&r->wake);
  g_mutex_unlock (&r->lock);
}

void
rvi_export_runner_free (RviExportRunner *r)
{
  if (!r)
    return;
  g_mutex_lock (&r->lock);
  r->stopping = TRUE;
  g_cond_signal (&r->wake);
  g_mutex_unlock (&r->lock);
  g_cancellable_cancel (r->cancel);   /* a running export fails now and says why */
  g_thread_join (r->thread);
  g_object_unref (r->cancel);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->wake);
  g_clear_object (&r->node_cas);
  g_free (r->conninfo);
  g_free (r->data_dir);
  g_free (r->node);
  g_free (r);
}
