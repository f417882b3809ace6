/* db-statements.c: the per-connection prepared-statement cache.
 *
 * DESIGN
 * The cache lives in a GPrivate of the worker thread that owns the
 * connection, so no lock is needed and a statement never crosses threads.
 * Names are "rvi_s" plus a counter private to the connection. A statement
 * is entered in the cache only after PQprepare succeeded; if a prepare
 * fails (bad SQL, or inside an aborted transaction) the error result goes
 * back to the caller exactly as an unprepared run would have produced it.
 * When the server answers that a cached name does not exist (26000: the
 * session was reset under us), the cache is emptied and, outside a
 * transaction, the statement is prepared and run again. */
#define G_LOG_DOMAIN "rvi-db"
#include "db-statements.h"

typedef struct {
  PGconn *conn;
  GHashTable *names;  /* SQL text -> statement name */
  guint next;
} Cache;

static void
cache_free (gpointer data)
{
  Cache *cache = data;

  if (!cache)
    return;
  g_hash_table_unref (cache->names);
  g_free (cache);
}

static GPrivate cache_key = G_PRIVATE_INIT (cache_free);

void
rvi_db_statements_attach (PGconn *conn)
{
  Cache *cache = g_new0 (Cache, 1);

  cache->conn = conn;
  cache->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_private_replace (&cache_key, cache);
}

void
rvi_db_statements_detach (void)
{
  g_private_replace (&cache_key, NULL);
}

guint
rvi_db_statements_count (void)
{
  Cache *cache = g_private_get (&cache_key);

  return cache ? g_hash_table_size (cache->names) : 0;
}

static gboolean
result_ok (const PGresult *res)
{
  ExecStatusType st = PQresultStatus (res);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static gboolean
result_is (const PGresult *res, const char *sqlstate)
{
  const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  return state && g_str_equal (state, sqlstate);
}

gboolean
rvi_db_statements_exec (PGconn *conn, const char *sql, int n_params, const char *const *params,
                        PGresult **res)
{
  Cache *cache = g_private_get (&cache_key);
  const char *name;

  if (!cache || cache->conn != conn)
    return FALSE;
  name = g_hash_table_lookup (cache->names, sql);
  if (!name) {
    g_autofree char *fresh = NULL;
    PGresult *prep;

    if (g_hash_table_size (cache->names) >= RVI_DB_STATEMENTS_MAX)
      return FALSE;
    fresh = g_strdup_printf ("rvi_s%u", cache->next++);
    prep = PQprepare (conn, fresh, sql, n_params, NULL);
    if (!result_ok (prep)) {
      *res = prep;
      return TRUE;
    }
    PQclear (prep);
    name = fresh;
    g_hash_table_insert (cache->names, g_strdup (sql), g_steal_pointer (&fresh));
  }
  *res = PQexecPrepared (conn, name, n_params, params, NULL, NULL, 0);
  if (result_is (*res, "26000")) {
    /* the session lost its statements (DISCARD ALL, DEALLOCATE); outside
     * a transaction nothing was aborted, so prepare again once */
    g_hash_table_remove_all (cache->names);
    if (PQtransactionStatus (conn) == PQTRANS_IDLE) {
      PQclear (*res);
      return rvi_db_statements_exec (conn, sql, n_params, params, res);
    }
  }
  return TRUE;
}
