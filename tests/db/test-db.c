/* test-db: the private PostgreSQL, migrations, the audit chain, sessions,
 * login throttling and the worker pool, against a real PostgreSQL started
 * in a temporary directory. */
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "audit-log.h"
#include "db-pool.h"
#include "db.h"
#include "embedded-postgres.h"
#include "login-throttle.h"
#include "migrations.h"
#include "rvi-error.h"
#include "rvi-test.h"
#include "secrets.h"
#include "sessions.h"
#include "users.h"

static char *tmpdir;
static char *pg_dir;
static RviEmbeddedPg *pg;
static PGconn *conn;

static void
exec_ok (const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (rvi_db_run (conn, sql, 0, NULL, &error));
  g_assert_no_error (error);
}

static void
test_migrations (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) res = NULL;
  guint applied = 99;

  /* start-up applied them; a second run applies nothing */
  g_assert_true (rvi_migrations_apply (conn, &applied, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (applied, ==, 0);

  /* an applied migration whose text changed is refused, naming it */
  res = rvi_db_exec (conn, "SELECT sha256 FROM schema_migrations WHERE version = 1", 0, NULL,
                     &error);
  g_assert_nonnull (res);
  exec_ok ("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1");
  g_assert_false (rvi_migrations_apply (conn, &applied, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_MIGRATION);
  g_assert_nonnull (strstr (error->message, "001_foundation.sql"));
  g_assert_nonnull (strstr (error->message, "changed"));
  g_clear_error (&error);
  {
    const char *params[] = { PQgetvalue (res, 0, 0) };
    g_assert_true (rvi_db_run (conn, "UPDATE schema_migrations SET sha256 = $1 WHERE version = 1",
                               1, params, &error));
  }

  /* a migration the binary does not know (a newer schema) is refused */
  exec_ok ("INSERT INTO schema_migrations (version, name, sha256) VALUES (999, '999_x.sql', 'x')");
  g_assert_false (rvi_migrations_apply (conn, &applied, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_MIGRATION);
  g_assert_nonnull (strstr (error->message, "999_x.sql"));
  g_clear_error (&error);
  exec_ok ("DELETE FROM schema_migrations WHERE version = 999");
  g_assert_true (rvi_migrations_apply (conn, &applied, &error));
}

static void
append (const char *action, const char *detail)
{
  g_autoptr (GError) error = NULL;
  RviAuditEntry e = { .actor_name = "test", .action = action, .target_type = "thing",
                      .target_id = "42", .detail_json = detail, .address = "127.0.0.1" };
  g_assert_true (rvi_audit_append (conn, &e, &error));
  g_assert_no_error (error);
}

static void
verify (gint64 expect_broken)
{
  g_autoptr (GError) error = NULL;
  RviAuditVerifyResult r;

  g_assert_true (rvi_audit_verify (conn, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.broken_seq, ==, expect_broken);
  if (!expect_broken)
    g_assert_cmpuint (r.events, >=, 3);
  rvi_audit_verify_result_clear (&r);
}

static void
test_audit_chain (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) res = NULL;
  g_autofree char *seq = NULL;

  append ("first", NULL);
  append ("second", "{\"text\": \"\u4e2d\u6587 | ; : quotes \\\" \", \"n\": 1.5}");
  append ("third", "{\"b\": 1, \"a\": [1, 2]}");
  verify (0);

  /* append-only, even for the table owner */
  g_assert_false (rvi_db_run (conn, "UPDATE audit_events SET action = 'x'", 0, NULL, &error));
  g_assert_nonnull (strstr (error->message, "append-only"));
  g_clear_error (&error);
  g_assert_false (rvi_db_run (conn, "DELETE FROM audit_events", 0, NULL, &error));
  g_clear_error (&error);
  g_assert_false (rvi_db_run (conn, "TRUNCATE audit_events", 0, NULL, &error));
  g_clear_error (&error);

  /* a superuser who bypasses the trigger and edits one row is caught there */
  res = rvi_db_exec (conn, "SELECT seq FROM audit_events WHERE action = 'second'", 0, NULL,
                     &error);
  seq = g_strdup (PQgetvalue (res, 0, 0));
  exec_ok ("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
  exec_ok ("UPDATE audit_events SET detail = '{\"text\": \"changed\"}' WHERE action = 'second'");
  verify (g_ascii_strtoll (seq, NULL, 10));
  exec_ok ("UPDATE audit_events SET detail = '{\"text\": \"\u4e2d\u6587 | ; : quotes \\\" \", "
           "\"n\": 1.5}' WHERE action = 'second'");
  verify (0);

  /* removing a row from the middle breaks the next row's link */
  exec_ok ("CREATE TEMP TABLE saved AS SELECT * FROM audit_events WHERE action = 'second'");
  exec_ok ("DELETE FROM audit_events WHERE action = 'second'");
  {
    g_autoptr (PGresult) next = rvi_db_exec (conn, "SELECT seq FROM audit_events WHERE action ="
                                             " 'third'", 0, NULL, &error);
    verify (g_ascii_strtoll (PQgetvalue (next, 0, 0), NULL, 10));
  }
  exec_ok ("INSERT INTO audit_events SELECT * FROM saved");
  exec_ok ("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only");
  verify (0);
}

static char *
make_user (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) res = rvi_users_insert (conn, name, "Test", "inspector", "$argon2id$x",
                                               &error);
  g_assert_no_error (error);
  return g_strdup (PQgetvalue (res, 0, 0));
}

static void
test_users_unique (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = make_user ("Unique.User");
  g_autoptr (PGresult) dup = rvi_users_insert (conn, "unique.user", "", "admin", "h", &error);
  g_autoptr (PGresult) del = NULL;
  g_autoptr (PGresult) again = NULL;

  g_assert_null (dup);
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFLICT);   /* case-insensitive */
  g_clear_error (&error);
  del = rvi_users_delete (conn, id, &error);
  g_assert_cmpint (PQntuples (del), ==, 1);
  again = rvi_users_insert (conn, "unique.user", "", "admin", "h", &error);   /* name freed */
  g_assert_no_error (error);
}

static void
test_sessions (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uid = make_user ("session.user");
  g_autofree char *token = NULL;
  g_autofree char *csrf = NULL;
  g_autofree char *csrf2 = NULL;
  g_autoptr (RviUser) user = NULL;
  g_autoptr (RviUser) none = NULL;
  g_autofree char *api = NULL;

  g_assert_true (rvi_sessions_create (conn, uid, 3600, "10.0.0.1", "test", &token, &csrf, &error));
  user = rvi_sessions_lookup (conn, token, 600, &csrf2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->id, ==, uid);
  g_assert_cmpstr (csrf2, ==, csrf);
  g_assert_cmpint (user->role, ==, RVI_ROLE_INSPECTOR);

  /* only the hash is stored */
  {
    const char *params[] = { token };
    g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT count(*) FROM sessions WHERE"
                                            " encode(token_hash, 'escape') = $1", 1, params, &error);
    g_assert_cmpstr (PQgetvalue (res, 0, 0), ==, "0");
  }
  /* idle too long */
  exec_ok ("UPDATE sessions SET last_seen_at = now() - interval '2 hours'");
  none = rvi_sessions_lookup (conn, token, 600, &csrf2, &error);
  g_assert_null (none);
  g_assert_error (error, RVI_ERROR, RVI_ERROR_UNAUTHENTICATED);
  g_clear_error (&error);
  g_assert_null (rvi_sessions_lookup (conn, "made-up", 600, &csrf2, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_UNAUTHENTICATED);
  g_clear_error (&error);

  /* bearer tokens: valid until revoked */
  api = rvi_api_tokens_create (conn, uid, "ci", &error);
  g_assert_true (g_str_has_prefix (api, "rvi_"));
  g_clear_pointer (&user, rvi_user_free);
  user = rvi_api_tokens_lookup (conn, api, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->id, ==, uid);
  g_assert_true (rvi_api_tokens_revoke_for_user (conn, uid, &error));
  g_assert_null (rvi_api_tokens_lookup (conn, api, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_UNAUTHENTICATED);
}

static void
test_throttle (void)
{
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 4; i++)
    g_assert_true (rvi_login_throttle_fail (conn, "Victim", "10.1.1.1", &error));
  g_assert_cmpint (rvi_login_throttle_check (conn, "victim", "10.9.9.9", 5, 300, &error), ==, 0);
  g_assert_true (rvi_login_throttle_fail (conn, "victim", "10.1.1.1", &error));
  /* fifth failure: 1 s; by user name from any address, by address for any name */
  g_assert_cmpint (rvi_login_throttle_check (conn, "victim", "10.9.9.9", 5, 300, &error), ==, 1);
  /* the address has four times the slack: 5 failures do not block others */
  g_assert_cmpint (rvi_login_throttle_check (conn, "other", "10.1.1.1", 5, 300, &error), ==, 0);
  for (int i = 0; i < 15; i++)
    g_assert_true (rvi_login_throttle_fail (conn, "other", "10.1.1.1", &error));
  g_assert_cmpint (rvi_login_throttle_check (conn, "nobody", "10.1.1.1", 5, 300, &error), ==, 1);
  g_assert_cmpint (rvi_login_throttle_check (conn, "nobody", "10.9.9.9", 5, 300, &error), ==, 0);
  for (int i = 0; i < 5; i++)
    g_assert_true (rvi_login_throttle_fail (conn, "victim", "10.2.2.2", &error));
  /* ten failures: 2^5 = 32 s, capped by the maximum */
  g_assert_cmpint (rvi_login_throttle_check (conn, "victim", "10.9.9.9", 5, 300, &error), ==, 32);
  g_assert_cmpint (rvi_login_throttle_check (conn, "victim", "10.9.9.9", 5, 10, &error), ==, 10);
  g_assert_true (rvi_login_throttle_succeed (conn, "VICTIM", &error));
  g_assert_cmpint (rvi_login_throttle_check (conn, "victim", "10.9.9.9", 5, 300, &error), ==, 0);
  g_assert_no_error (error);
}

/* --- worker pool --- */

typedef struct {
  GMainLoop *loop;
  int done;
  int failed;
  GError *last;
} PoolRun;

static gboolean
work_select (PGconn *c, gpointer data, GError **error)
{
  return rvi_db_run (c, "SELECT 1", 0, NULL, error);
}

static gboolean
work_sleep (PGconn *c, gpointer data, GError **error)
{
  return rvi_db_run (c, "SELECT pg_sleep(0.3)", 0, NULL, error);
}

static void
on_done (gpointer data, const GError *error)
{
  PoolRun *run = data;
  run->done++;
  if (error) {
    run->failed++;
    g_clear_error (&run->last);
    run->last = g_error_copy (error);
  }
  g_main_loop_quit (run->loop);
}

static gboolean
run_one (RviDbPool *pool, PoolRun *run, RviDbWorkFunc work)
{
  int before = run->failed;

  g_assert_true (rvi_db_pool_submit (pool, work, on_done, run, NULL));
  g_main_loop_run (run->loop);
  return run->failed == before;
}

static void
test_pool_reconnect (void)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  PoolRun run = { 0 };
  RviDbPool *pool;
  RviDbPoolStats stats;
  gboolean ok = FALSE;

  g_main_context_push_thread_default (ctx);
  run.loop = g_main_loop_new (ctx, FALSE);
  pool = rvi_db_pool_new (rvi_embedded_pg_get_conninfo (pg), 1, 8, 2);
  g_assert_true (run_one (pool, &run, work_select));

  /* PostgreSQL goes away: jobs fail with db_unavailable, never hang */
  PQfinish (conn);
  conn = NULL;
  rvi_embedded_pg_stop (pg);
  g_assert_false (run_one (pool, &run, work_select));
  g_assert_error (run.last, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE);

  /* ...and comes back: the pool reconnects by itself */
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  for (int i = 0; i < 5 && !ok; i++)
    ok = run_one (pool, &run, work_select);
  g_assert_true (ok);
  rvi_db_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.connects, >=, 2);
  g_assert_cmpuint (stats.failures, >=, 1);

  rvi_db_pool_free (pool);
  g_main_loop_unref (run.loop);
  g_clear_error (&run.last);
  g_main_context_pop_thread_default (ctx);
  conn = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  g_assert_no_error (error);
}

static gboolean
work_read_only (PGconn *c, gpointer data, GError **error)
{
  return rvi_db_run (c, "SET default_transaction_read_only = on", 0, NULL, error);
}

static gboolean
work_write (PGconn *c, gpointer data, GError **error)
{
  return rvi_db_run (c, "CREATE TABLE IF NOT EXISTS test_pool_write (x int)", 0, NULL, error);
}

/* A connection to a server that turned read-only (a primary demoted by a
 * failover while the connection stayed open; here the session is made
 * read-only): its writes fail as db_unavailable (SQLSTATE 25006, a 503),
 * and the pool drops the connection so the next job connects afresh
 * rather than failing on it until it breaks. */
static void
test_pool_read_only (void)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  PoolRun run = { 0 };
  RviDbPool *pool;
  RviDbPoolStats before, after;

  g_main_context_push_thread_default (ctx);
  run.loop = g_main_loop_new (ctx, FALSE);
  pool = rvi_db_pool_new (rvi_embedded_pg_get_conninfo (pg), 1, 8, 2);
  g_assert_true (run_one (pool, &run, work_write));
  g_assert_true (run_one (pool, &run, work_read_only));
  rvi_db_pool_get_stats (pool, &before);
  g_assert_false (run_one (pool, &run, work_write));
  g_assert_error (run.last, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE);
  g_assert_nonnull (strstr (run.last->message, "25006"));
  g_assert_true (run_one (pool, &run, work_write));
  rvi_db_pool_get_stats (pool, &after);
  g_assert_cmpuint (after.connects, ==, before.connects + 1);

  rvi_db_pool_free (pool);
  g_main_loop_unref (run.loop);
  g_clear_error (&run.last);
  g_main_context_pop_thread_default (ctx);
}

/* A deadlock (40P01) is reported as RVI_ERROR_BUSY, which the index
 * writer and the sample recorder retry rather than drop (two nodes'
 * batches can lock the same rows in different orders). */
static void
test_deadlock_is_busy (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) first = NULL, second = NULL;
  PGconn *other = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  const GError *aborted;
  PGresult *res;

  g_assert_no_error (error);
  exec_ok ("CREATE TABLE deadlock_probe (id int PRIMARY KEY, v int)");
  exec_ok ("INSERT INTO deadlock_probe VALUES (1, 0), (2, 0)");
  exec_ok ("BEGIN");
  exec_ok ("UPDATE deadlock_probe SET v = 1 WHERE id = 1");
  g_assert_true (rvi_db_run (other, "BEGIN", 0, NULL, NULL));
  g_assert_true (rvi_db_run (other, "UPDATE deadlock_probe SET v = 2 WHERE id = 2", 0, NULL,
                             NULL));
  /* conn waits for row 2 (sent, not awaited), other then for row 1 */
  g_assert_cmpint (PQsendQuery (conn, "UPDATE deadlock_probe SET v = 1 WHERE id = 2"), ==, 1);
  g_usleep (G_USEC_PER_SEC / 5);
  rvi_db_run (other, "UPDATE deadlock_probe SET v = 2 WHERE id = 1", 0, NULL, &second);
  while ((res = PQgetResult (conn))) {
    if (PQresultStatus (res) == PGRES_FATAL_ERROR && !first)
      rvi_db_set_error (conn, res, &first);
    PQclear (res);
  }
  /* PostgreSQL aborts one of the two; the other goes on */
  g_assert_true ((first == NULL) != (second == NULL));
  aborted = first ? first : second;
  g_assert_error (aborted, RVI_ERROR, RVI_ERROR_BUSY);
  g_assert_nonnull (strstr (aborted->message, "40P01"));
  rvi_db_rollback (other);
  rvi_db_rollback (conn);
  PQfinish (other);
  exec_ok ("DROP TABLE deadlock_probe");
}

static void
count_done (gpointer data, const GError *error)
{
  (*(int *) data)++;
}

static void
test_pool_bounded (void)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  RviDbPool *pool;
  int done = 0;
  int accepted = 0;

  g_main_context_push_thread_default (ctx);
  pool = rvi_db_pool_new (rvi_embedded_pg_get_conninfo (pg), 1, 2, 2);
  /* one runs, two wait, the rest are refused at once */
  for (int i = 0; i < 6; i++) {
    if (rvi_db_pool_submit (pool, work_sleep, count_done, &done, &error))
      accepted++;
    else
      g_assert_error (error, RVI_ERROR, RVI_ERROR_BUSY);
    g_clear_error (&error);
    g_usleep (20000);
  }
  g_assert_cmpint (accepted, >=, 2);
  g_assert_cmpint (accepted, <=, 3);
  rvi_db_pool_free (pool);   /* waits for the accepted ones and runs their done */
  g_assert_cmpint (done, ==, accepted);
  g_main_context_pop_thread_default (ctx);
}

/* The private cluster: no TCP port, not root, and a second start after a
 * crash of its owner recovers. */
static void
test_embedded_recovery (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *pid_file = g_build_filename (pg_dir, "data", "postmaster.pid", NULL);
  g_autofree char *text = NULL;
  g_autoptr (PGresult) res = NULL;
  int old_pid = rvi_embedded_pg_get_pid (pg);

  res = rvi_db_exec (conn, "SELECT current_setting('listen_addresses')", 0, NULL, &error);
  g_assert_cmpstr (PQgetvalue (res, 0, 0), ==, "");
  g_assert_true (g_file_get_contents (pid_file, &text, NULL, NULL));
  g_assert_cmpint (atoi (text), ==, old_pid);
  {
    g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", old_pid);
    g_autofree char *status = NULL;
    g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
    g_assert_null (strstr (status, "Uid:\t0\t"));   /* never root */
  }

  /* a postmaster nobody owns (as a killed rvi could leave behind): start one
   * by hand on the same directory, then start rvi's cluster over it */
  PQfinish (conn);
  conn = NULL;
  rvi_embedded_pg_stop (pg);
  pg = NULL;
  {
    g_autofree char *data = g_build_filename (pg_dir, "data", NULL);
    g_autofree char *opts = g_strdup_printf ("-k %s -c listen_addresses=", pg_dir);
    g_autofree char *pg_ctl = NULL;
    g_autoptr (GDir) dir = g_dir_open ("/usr/lib/postgresql", 0, NULL);
    const char *version = dir ? g_dir_read_name (dir) : NULL;
    int rc;

    g_assert_nonnull (version);
    pg_ctl = g_build_filename ("/usr/lib/postgresql", version, "bin", "pg_ctl", NULL);
    if (geteuid () == 0) {
      const char *argv[] = { "runuser", "-u", "postgres", "--", pg_ctl, "-D", data, "-o", opts,
                             "-l", "/dev/null", "-w", "start", NULL };
      rc = rvi_test_run (argv, NULL, NULL);
    } else {
      const char *argv[] = { pg_ctl, "-D", data, "-o", opts, "-l", "/dev/null", "-w", "start",
                             NULL };
      rc = rvi_test_run (argv, NULL, NULL);
    }
    g_assert_cmpint (rc, ==, 0);
    g_clear_pointer (&text, g_free);
    g_assert_true (g_file_get_contents (pid_file, &text, NULL, NULL));
    old_pid = atoi (text);
    g_assert_cmpint (kill (old_pid, 0), ==, 0);
  }
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  g_assert_cmpint (rvi_embedded_pg_get_pid (pg), !=, old_pid);
  g_assert_true (kill (old_pid, 0) != 0);
  conn = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  g_assert_no_error (error);
  verify (0);   /* the data survived */
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* failures under test log warnings; only criticals are fatal here */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (240);
  g_assert_true (rvi_secrets_init (NULL));
  tmpdir = rvi_test_make_tmpdir ("rvi-test-db");
  pg_dir = g_build_filename (tmpdir, "pg", NULL);
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  conn = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  g_assert_no_error (error);
  g_assert_true (rvi_migrations_apply (conn, NULL, &error));

  g_test_add_func ("/db/migrations", test_migrations);
  g_test_add_func ("/db/audit-chain", test_audit_chain);
  g_test_add_func ("/db/users-unique", test_users_unique);
  g_test_add_func ("/db/sessions", test_sessions);
  g_test_add_func ("/db/login-throttle", test_throttle);
  g_test_add_func ("/db/deadlock-is-busy", test_deadlock_is_busy);
  g_test_add_func ("/db/pool-reconnect", test_pool_reconnect);
  g_test_add_func ("/db/pool-read-only", test_pool_read_only);
  g_test_add_func ("/db/pool-bounded", test_pool_bounded);
  g_test_add_func ("/db/embedded-recovery", test_embedded_recovery);
  status = g_test_run ();

  if (conn)
    PQfinish (conn);
  rvi_embedded_pg_stop (pg);
  rvi_test_rmtree (tmpdir);
  g_free (pg_dir);
  g_free (tmpdir);
  return status;
}
