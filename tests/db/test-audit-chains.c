/* test-audit-chains: the audit log's several hash chains under concurrent
 * writers, tampering across chains, and the pool's prepared-statement
 * cache, against a real PostgreSQL started in a temporary directory. */
#include <glib.h>

#include "audit-log.h"
#include "db-pool.h"
#include "db-statements.h"
#include "db.h"
#include "embedded-postgres.h"
#include "rvi-error.h"
#include "rvi-test.h"

#define WRITERS 6
#define EVENTS_EACH 40

static RviTestDb *db;

static void
exec_ok (const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (rvi_db_run (db->conn, sql, 0, NULL, &error));
  g_assert_no_error (error);
}

static gint64
scalar (const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) res = rvi_db_exec (db->conn, sql, 0, NULL, &error);

  g_assert_no_error (error);
  return g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
}

/* Verifies; returns the first broken seq (0 = intact) and the chain count. */
static gint64
verify (guint *chains)
{
  g_autoptr (GError) error = NULL;
  RviAuditVerifyResult r;
  gint64 broken;

  g_assert_true (rvi_audit_verify (db->conn, &r, &error));
  g_assert_no_error (error);
  broken = r.broken_seq;
  if (chains)
    *chains = r.chains;
  rvi_audit_verify_result_clear (&r);
  return broken;
}

/* One writer thread: its own connection, one transaction per event. */
static gpointer
writer (gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) own = rvi_db_connect (rvi_embedded_pg_get_conninfo (db->pg), 5, &error);
  int id = GPOINTER_TO_INT (data);

  g_assert_no_error (error);
  for (int i = 0; i < EVENTS_EACH; i++) {
    g_autofree char *detail = g_strdup_printf ("{\"writer\": %d, \"n\": %d}", id, i);
    RviAuditEntry e = { .actor_name = "test", .action = "concurrent", .target_type = "thing",
                        .target_id = "7", .detail_json = detail };

    g_assert_true (rvi_db_begin (own, &error));
    g_assert_true (rvi_audit_append (own, &e, &error));
    g_assert_true (rvi_db_commit (own, &error));
    g_assert_no_error (error);
  }
  return NULL;
}

static void
test_concurrent_writers (void)
{
  GThread *threads[WRITERS];
  guint chains = 0;

  /* a row written the old way (no chain named) lands in chain 0 */
  exec_ok ("SELECT rvi_audit_append(NULL, 'test', 'legacy', 'thing', '1', '{}', '')");
  for (int i = 0; i < WRITERS; i++)
    threads[i] = g_thread_new ("writer", writer, GINT_TO_POINTER (i));
  for (int i = 0; i < WRITERS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (scalar ("SELECT count(*) FROM audit_events WHERE action = 'concurrent'"), ==,
                   WRITERS * EVENTS_EACH);
  g_assert_cmpint (verify (&chains), ==, 0);
  /* every writer thread had a chain of its own, besides chain 0 */
  g_assert_cmpuint (chains, ==, WRITERS + 1);
  g_assert_cmpint (scalar ("SELECT count(DISTINCT chain) FROM audit_events"
                           " WHERE action = 'concurrent'"), ==, WRITERS);
  g_assert_cmpint (scalar ("SELECT max(n) FROM (SELECT count(DISTINCT detail->>'writer') AS n"
                           " FROM audit_events WHERE action = 'concurrent' GROUP BY chain) c"),
                   ==, 1);
}

static void
test_moved_row (void)
{
  const char *pick = "SELECT seq, chain FROM audit_events WHERE action = 'concurrent'"
                     " AND detail->>'n' = '20' ORDER BY seq LIMIT 1";
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) victim = rvi_db_exec (db->conn, pick, 0, NULL, &error);
  const char *seq = PQgetvalue (victim, 0, 0);
  const char *own = PQgetvalue (victim, 0, 1);
  g_autofree char *other_sql = g_strdup_printf ("SELECT min(chain) FROM audit_events"
                                                " WHERE action = 'concurrent' AND chain <> %s",
                                                own);
  gint64 other = scalar (other_sql);
  g_autofree char *move = g_strdup_printf ("UPDATE audit_events SET chain = %" G_GINT64_FORMAT
                                           " WHERE seq = %s", other, seq);
  g_autofree char *restore = g_strdup_printf ("UPDATE audit_events SET chain = %s"
                                              " WHERE seq = %s", own, seq);

  g_assert_no_error (error);
  exec_ok ("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
  exec_ok (move);
  /* the moved row does not link into its new chain, and its old chain's
   * next row no longer links to what now precedes it: caught at or after
   * the moved row, never before */
  g_assert_cmpint (verify (NULL), >=, g_ascii_strtoll (seq, NULL, 10));
  exec_ok (restore);
  exec_ok ("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only");
  g_assert_cmpint (verify (NULL), ==, 0);
}

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *last;
  const char *sql;
  guint prepared;
} PoolRun;

static gboolean
work_sql (PGconn *c, gpointer data, GError **error)
{
  PoolRun *run = data;
  g_autoptr (PGresult) res = rvi_db_exec (c, run->sql, 0, NULL, error);

  run->prepared = rvi_db_statements_count ();
  return res != NULL;
}

static void
run_done (gpointer data, const GError *error)
{
  PoolRun *run = data;

  run->ok = error == NULL;
  g_clear_error (&run->last);
  if (error)
    run->last = g_error_copy (error);
  g_main_loop_quit (run->loop);
}

static gboolean
run_sql (RviDbPool *pool, PoolRun *run, const char *sql)
{
  g_autoptr (GError) error = NULL;

  run->sql = sql;
  g_assert_true (rvi_db_pool_submit (pool, work_sql, run_done, run, &error));
  g_main_loop_run (run->loop);
  return run->ok;
}

static void
test_statement_cache (void)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  PoolRun run = { 0 };
  RviDbPool *pool;

  g_main_context_push_thread_default (ctx);
  run.loop = g_main_loop_new (ctx, FALSE);
  pool = rvi_db_pool_new (rvi_embedded_pg_get_conninfo (db->pg), 1, 8, 2);

  /* the same text is prepared once, a new text once more */
  g_assert_true (run_sql (pool, &run, "SELECT count(*) FROM audit_events"));
  g_assert_cmpuint (run.prepared, ==, 1);
  g_assert_true (run_sql (pool, &run, "SELECT count(*) FROM audit_events"));
  g_assert_cmpuint (run.prepared, ==, 1);
  g_assert_true (run_sql (pool, &run, "SELECT 1"));
  g_assert_cmpuint (run.prepared, ==, 2);

  /* bad SQL fails as it would unprepared, and is not cached */
  g_assert_false (run_sql (pool, &run, "SELECT nope FROM audit_events"));
  g_assert_nonnull (strstr (run.last->message, "42703"));
  g_assert_cmpuint (run.prepared, ==, 2);

  /* the session drops its statements: the next run prepares again */
  g_assert_true (run_sql (pool, &run, "DEALLOCATE ALL"));
  g_assert_true (run_sql (pool, &run, "SELECT count(*) FROM audit_events"));
  g_assert_cmpuint (run.prepared, ==, 1);

  /* the connection is killed: the worker reconnects with an empty cache */
  exec_ok ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
           " WHERE application_name = 'rvi' AND pid <> pg_backend_pid()");
  for (int i = 0; i < 3 && !run_sql (pool, &run, "SELECT count(*) FROM audit_events"); i++)
    ;
  g_assert_true (run.ok);
  g_assert_cmpuint (run.prepared, ==, 1);

  rvi_db_pool_free (pool);
  g_main_loop_unref (run.loop);
  g_clear_error (&run.last);
  g_main_context_pop_thread_default (ctx);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (240);
  db = rvi_test_db_start ("rvi-test-audit-chains");

  g_test_add_func ("/audit-chains/concurrent-writers", test_concurrent_writers);
  g_test_add_func ("/audit-chains/moved-row", test_moved_row);
  g_test_add_func ("/audit-chains/statement-cache", test_statement_cache);
  status = g_test_run ();

  rvi_test_db_stop (db);
  return status;
}
