/* embedded-postgres.h: RviEmbeddedPg, the private PostgreSQL cluster that
 * rvi runs under DATA-DIR/pg when no database URL is configured.
 *
 * The cluster listens only on a unix socket inside DATA-DIR/pg (no TCP
 * port) and runs as an unprivileged user even when rvi runs as root. The
 * caller must hold the data directory lock (data-dir-lock.h) so that only
 * one rvi process ever manages the cluster. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RviEmbeddedPg RviEmbeddedPg;

/* Creates the cluster on first use (initdb), stops an orphaned postmaster
 * left by a killed rvi, starts postgres as a child process, waits until it
 * accepts connections and creates the "rvi" database if missing.
 * @run_as_user is used only when the process is root.
 * Returns (transfer full) the running cluster, or NULL with @error set
 * (RVI_ERROR_EMBEDDED_PG) and nothing left running. */
RviEmbeddedPg *rvi_embedded_pg_start (const char *pg_dir, const char *run_as_user,
                                      GError **error);

/* The libpq connection string of the "rvi" database (transfer none). */
const char *rvi_embedded_pg_get_conninfo (RviEmbeddedPg *pg);

/* The postgres child's pid, for tests and logs. */
int rvi_embedded_pg_get_pid (RviEmbeddedPg *pg);

/* Watches the child from the thread-default main context and restarts
 * postgres if it dies while rvi runs (backing off on repeated failures). */
void rvi_embedded_pg_supervise (RviEmbeddedPg *pg);

/* Fast shutdown (SIGINT), waits for the child (escalating after a timeout)
 * and frees @pg. NULL is ignored. */
void rvi_embedded_pg_stop (RviEmbeddedPg *pg);

/* The connection string for a cluster some other rvi process runs under
 * @pg_dir (transfer full). Does not check that it runs. */
char *rvi_embedded_pg_conninfo_for (const char *pg_dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviEmbeddedPg, rvi_embedded_pg_stop)

G_END_DECLS
