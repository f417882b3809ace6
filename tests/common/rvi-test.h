/* rvi-test.h: helpers shared by the C test suites: temporary directories
 * the private PostgreSQL can use, a watchdog, and an in-process server
 * running on its own thread. */
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include <libpq-fe.h>

#include "config.h"
#include "embedded-postgres.h"
#include "server.h"

G_BEGIN_DECLS

/* A fresh directory under $TMPDIR with mode 0755 (the private cluster's
 * user must traverse it when tests run as root). (transfer full) */
char *rvi_test_make_tmpdir (const char *prefix);

/* Removes @path and everything under it. */
void rvi_test_rmtree (const char *path);

/* Aborts the test binary after @seconds, so a hang fails fast. */
void rvi_test_watchdog (guint seconds);

/* A private PostgreSQL in a fresh temporary directory, migrated, with one
 * connection: what the database suites start with. */
typedef struct {
  char *tmpdir;             /* the directory (the cluster is under tmpdir/pg) */
  RviEmbeddedPg *pg;
  PGconn *conn;
} RviTestDb;

/* Starts the cluster in a directory named after @prefix, connects and
 * applies the migrations. Fails the test on error. (transfer full) */
RviTestDb *rvi_test_db_start (const char *prefix);

/* Closes the connection (if still set), stops the cluster, removes the
 * directory and frees @db. */
void rvi_test_db_stop (RviTestDb *db);

/* An RviServer on its own thread and main context, so the test thread can
 * use blocking clients. */
typedef struct _RviTestServer RviTestServer;

/* Starts a server with @config (data_dir and listen should be set; the
 * config must outlive the server). Fails the test on error. */
RviTestServer *rvi_test_server_start (const RviConfig *config);
const char *rvi_test_server_url (RviTestServer *ts);
RviServer *rvi_test_server_get (RviTestServer *ts);
void rvi_test_server_stop (RviTestServer *ts);

/* Runs @argv (NULL-terminated) with @stdin_text (may be NULL); returns its
 * exit status and sets @out (transfer full, may be NULL) to its stdout. */
int rvi_test_run (const char *const *argv, const char *stdin_text, char **out);

/* Starts @argv with stdout piped and stderr appended to @stderr_path (may
 * be NULL: inherited), and reads stdout until a line starting with
 * @prefix; sets @rest (transfer full) to what follows the prefix. Fails the
 * test when the process ends first. (transfer full) */
GSubprocess *rvi_test_spawn (const char *const *argv, const char *stderr_path,
                             const char *prefix, char **rest);

/* A TCP port that was free a moment ago on 127.0.0.1. */
guint16 rvi_test_free_port (void);

/* Sends @signal to @proc and waits for it to end. */
void rvi_test_kill (GSubprocess *proc, int signal);

/* The rvi binary to run ($RVI_BIN). */
const char *rvi_test_bin (void);

G_END_DECLS
