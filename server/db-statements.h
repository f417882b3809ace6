/* db-statements.h: named prepared statements, cached per pool connection.
 *
 * A pool worker attaches a cache to its connection; from then on every
 * rvi_db_exec on that thread and connection prepares each distinct SQL text
 * once and executes it by name, so PostgreSQL parses and plans it once
 * (plans are cached by the server) instead of on every request. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* Most distinct SQL texts kept prepared per connection; beyond it a text
 * runs unprepared (the set of texts is fixed in practice, so this only
 * bounds a mistake). */
#define RVI_DB_STATEMENTS_MAX 512

/* Starts a cache for @conn on the calling thread (replacing one it had). */
void rvi_db_statements_attach (PGconn *conn);

/* Drops the calling thread's cache (before its connection is closed). */
void rvi_db_statements_detach (void);

/* Runs @sql as a named statement when the calling thread has a cache for
 * @conn and @sql fits in it: returns TRUE with the result (any status,
 * possibly NULL on out-of-memory) in @res. Returns FALSE when the caller
 * should run it unprepared. */
gboolean rvi_db_statements_exec (PGconn *conn, const char *sql, int n_params,
                                 const char *const *params, PGresult **res);

/* Statements prepared by the calling thread's cache (for tests). */
guint rvi_db_statements_count (void);

G_END_DECLS
