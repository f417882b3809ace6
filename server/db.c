/* db.c: libpq helpers and the SQLSTATE -> RVI_ERROR mapping. */
#define G_LOG_DOMAIN "rvi-db"
#include "db.h"
#include "db-statements.h"
#include "rvi-error.h"


/* TCP keepalives: a database host that vanished (power, network) is
 * noticed in about a minute (30 s idle, then 3 probes 10 s apart), not
 * after the system's two hours; unanswered writes give up after 60 s.
 * They come before the URL, so settings in the URL win; Unix sockets
 * ignore them. */
PGconn *
rvi_db_connect_as (const char *conninfo, int connect_timeout_s, const char *application_name,
                   GError **error)
{
  const char *keys[] = { "keepalives", "keepalives_idle", "keepalives_interval",
                         "keepalives_count", "tcp_user_timeout", "dbname", "connect_timeout",
                         "application_name", NULL };
  g_autofree char *timeout = g_strdup_printf ("%d", connect_timeout_s);
  const char *values[] = { "1", "30", "10", "3", "60000", conninfo, timeout, application_name,
                           NULL };
  g_autoptr (PGconn) conn = PQconnectdbParams (keys, values, 1);

  if (PQstatus (conn) != CONNECTION_OK) {
    g_autofree char *msg = g_strstrip (g_strdup (PQerrorMessage (conn)));
    g_set_error (error, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE, "database unavailable: %s", msg);
    return NULL;
  }
  return g_steal_pointer (&conn);
}

PGconn *
rvi_db_connect (const char *conninfo, int connect_timeout_s, GError **error)
{
  return rvi_db_connect_as (conninfo, connect_timeout_s, "rvi", error);
}

gboolean
rvi_db_conn_broken (PGconn *conn)
{
  return !conn || PQstatus (conn) != CONNECTION_OK;
}

void
rvi_db_set_error (PGconn *conn, const PGresult *res, GError **error)
{
  const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  const char *primary = res ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  g_autofree char *msg = g_strstrip (g_strdup (primary ? primary : PQerrorMessage (conn)));
  RviErrorCode code = RVI_ERROR_FAILED;

  /* 25006: a write reached a read-only server, e.g. a primary demoted by
   * a failover while this connection stayed open (db-pool.c then drops
   * the connection, and the next one finds the new primary) */
  if (rvi_db_conn_broken (conn) || (state && g_str_has_prefix (state, "08"))
      || (state && g_str_has_prefix (state, "57P")) || (state && g_str_equal (state, "25006")))
    code = RVI_ERROR_DB_UNAVAILABLE;
  else if (state && g_str_equal (state, "23505"))
    code = RVI_ERROR_CONFLICT;
  else if (state && (g_str_has_prefix (state, "22") || g_str_has_prefix (state, "23")))
    code = RVI_ERROR_INVALID_INPUT;
  else if (state && (g_str_equal (state, "40001") || g_str_equal (state, "40P01")))
    code = RVI_ERROR_BUSY;   /* serialization failure, deadlock: the transaction may be retried */
  g_set_error (error, RVI_ERROR, code, "%s%s%s%s", code == RVI_ERROR_DB_UNAVAILABLE
               ? "database unavailable: " : "", msg, state ? " SQLSTATE " : "",
               state ? state : "");
}

PGresult *
rvi_db_exec_result (PGconn *conn, const char *sql, int n_params, const char *const *params)
{
  PGresult *res = NULL;

  if (rvi_db_statements_exec (conn, sql, n_params, params, &res))
    return res;
  return PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);
}

PGresult *
rvi_db_exec (PGconn *conn, const char *sql, int n_params, const char *const *params,
             GError **error)
{
  g_autoptr (PGresult) res = rvi_db_exec_result (conn, sql, n_params, params);
  ExecStatusType st = PQresultStatus (res);

  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    rvi_db_set_error (conn, res, error);
    return NULL;
  }
  return g_steal_pointer (&res);
}

gboolean
rvi_db_run (PGconn *conn, const char *sql, int n_params, const char *const *params,
            GError **error)
{
  g_autoptr (PGresult) res = rvi_db_exec (conn, sql, n_params, params, error);
  return res != NULL;
}

gboolean
rvi_db_begin (PGconn *conn, GError **error)
{
  return rvi_db_run (conn, "BEGIN", 0, NULL, error);
}

gboolean
rvi_db_commit (PGconn *conn, GError **error)
{
  return rvi_db_run (conn, "COMMIT", 0, NULL, error);
}

void
rvi_db_rollback (PGconn *conn)
{
  if (!rvi_db_conn_broken (conn))
    PQclear (PQexec (conn, "ROLLBACK"));
}

char *
rvi_db_dup (const PGresult *res, int row, int col)
{
  return PQgetisnull (res, row, col) ? NULL : g_strdup (PQgetvalue (res, row, col));
}

gboolean
rvi_db_bool (const PGresult *res, int row, int col)
{
  return !PQgetisnull (res, row, col) && PQgetvalue (res, row, col)[0] == 't';
}

gint64
rvi_db_int64 (const PGresult *res, int row, int col)
{
  return PQgetisnull (res, row, col) ? 0 : g_ascii_strtoll (PQgetvalue (res, row, col), NULL, 10);
}
