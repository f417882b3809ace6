/* db.h: small helpers over libpq used by every table's query file.
 *
 * Queries are parameterized (PQexecParams, text parameters); no SQL is ever
 * built from strings. Errors map to RVI_ERROR codes by SQLSTATE, so the
 * HTTP edge can answer a unique violation with 409 and a lost connection
 * with 503 without knowing SQL. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)

/* Connects synchronously (for command-line tools and workers).
 * Returns (transfer full) a connection, or NULL with RVI_ERROR_DB_UNAVAILABLE. */
PGconn *rvi_db_connect (const char *conninfo, int connect_timeout_s, GError **error);
/* The same, named @application_name in pg_stat_activity. */
PGconn *rvi_db_connect_as (const char *conninfo, int connect_timeout_s,
                           const char *application_name, GError **error);

/* Runs @sql with @n_params text parameters (NULL entries are SQL NULL).
 * Returns (transfer full) the result when it succeeded (rows or command),
 * else NULL with @error set from the SQLSTATE. */
PGresult *rvi_db_exec (PGconn *conn, const char *sql, int n_params, const char *const *params,
                       GError **error);

/* Runs @sql like rvi_db_exec but returns the raw result whatever its
 * status (NULL only when out of memory), for callers that read the
 * error's fields. On a pool worker, both run as cached prepared statements
 * (db-statements.h). */
PGresult *rvi_db_exec_result (PGconn *conn, const char *sql, int n_params,
                              const char *const *params);

/* Like rvi_db_exec for statements whose result is not needed. */
gboolean rvi_db_run (PGconn *conn, const char *sql, int n_params, const char *const *params,
                     GError **error);

gboolean rvi_db_begin (PGconn *conn, GError **error);
gboolean rvi_db_commit (PGconn *conn, GError **error);
/* Rolls back, ignoring failure (used on error paths). */
void rvi_db_rollback (PGconn *conn);

/* Sets @error from a failed @res (may be NULL) on @conn. */
void rvi_db_set_error (PGconn *conn, const PGresult *res, GError **error);

/* TRUE when @conn lost its server and must be reconnected. */
gboolean rvi_db_conn_broken (PGconn *conn);

/* Field helpers: a copy of the value or NULL for SQL NULL. */
char *rvi_db_dup (const PGresult *res, int row, int col);
gboolean rvi_db_bool (const PGresult *res, int row, int col);
gint64 rvi_db_int64 (const PGresult *res, int row, int col);

G_END_DECLS
