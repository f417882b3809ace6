/* cli-serve.c: `rvi serve`.
 *
 * Start-up order: config, data directory lock, database (private cluster or
 * URL), migrations, worker pool, HTTP. Shutdown (SIGINT/SIGTERM) runs it
 * backwards: stop taking requests, finish database jobs, stop the private
 * cluster, release the lock. The line "rvi: listening on URL" on stdout
 * tells scripts and tests that the server is ready. */
#define G_LOG_DOMAIN "rvi"
#include <glib.h>
#include <glib-unix.h>
#include <stdio.h>

#include "cli-options.h"
#include "cli-serve.h"
#include "data-dir-lock.h"
#include "db.h"
#include "embedded-postgres.h"
#include "http-server.h"
#include "metrics.h"
#include "migrations.h"
#include "routes.h"
#include "rvi-error.h"
#include "secrets.h"
#include "static-files.h"

#define MIGRATE_RETRY_S 30

typedef struct {
  RviConfig config;
  RviDataDirLock *lock;
  RviEmbeddedPg *pg;
  char *conninfo;
  RviApp app;
  RviHttpServer *http;
  GMainLoop *loop;
} RviServe;

static gboolean
on_signal (gpointer user_data)
{
  RviServe *s = user_data;
  g_message ("stopping");
  g_main_loop_quit (s->loop);
  return G_SOURCE_CONTINUE;
}

/* Applies migrations, retrying while an external database is not up yet. */
static gboolean
migrate (RviServe *s, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + MIGRATE_RETRY_S * G_USEC_PER_SEC;

  for (;;) {
    g_autoptr (GError) local = NULL;
    g_autoptr (PGconn) conn = rvi_db_connect (s->conninfo, s->config.db_connect_timeout_s, &local);
    guint applied = 0;

    if (conn && rvi_migrations_apply (conn, &applied, &local)) {
      if (applied)
        g_message ("applied %u migration(s)", applied);
      return TRUE;
    }
    if (!g_error_matches (local, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE)
        || g_get_monotonic_time () > deadline) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    g_warning ("%s; retrying", local->message);
    g_usleep (G_USEC_PER_SEC);
  }
}

static gboolean
start (RviServe *s, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GArray) routes = NULL;
  guint16 port;
  gboolean busy = FALSE;

  if (!rvi_secrets_init (error)
      || !rvi_config_parse_listen (s->config.listen, &host, &port, error))
    return FALSE;
  s->lock = rvi_data_dir_lock_try (s->config.data_dir, &busy, error);
  if (!s->lock) {
    if (busy)
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                   "another rvi serve is using the data directory %s", s->config.data_dir);
    return FALSE;
  }
  if (s->config.database_url) {
    s->conninfo = g_strdup (s->config.database_url);
  } else {
    g_autofree char *pg_dir = g_build_filename (s->config.data_dir, "pg", NULL);
    s->pg = rvi_embedded_pg_start (pg_dir, s->config.embedded_pg_user, error);
    if (!s->pg)
      return FALSE;
    s->conninfo = g_strdup (rvi_embedded_pg_get_conninfo (s->pg));
    rvi_embedded_pg_supervise (s->pg);
  }
  if (!migrate (s, error))
    return FALSE;

  s->app.config = &s->config;
  s->app.started_at_us = g_get_real_time ();
  s->app.pool = rvi_db_pool_new (s->conninfo, (guint) s->config.db_pool_size,
                                 (guint) s->config.db_queue_max, s->config.db_connect_timeout_s);
  s->app.metrics = rvi_metrics_new ();
  s->app.static_files = rvi_static_files_new (s->config.web_dir);
  routes = rvi_routes_new (&s->config);
  s->http = rvi_http_server_new (&s->app, routes);
  if (!rvi_http_server_listen (s->http, host, port, &url, error))
    return FALSE;
  g_message ("node %s, data in %s, %s", s->config.node, s->config.data_dir,
             s->pg ? "private PostgreSQL" : "external PostgreSQL");
  printf ("rvi: listening on %s\n", url);
  fflush (stdout);
  return TRUE;
}

static void
stop (RviServe *s)
{
  g_clear_pointer (&s->http, rvi_http_server_free);
  g_clear_pointer (&s->app.pool, rvi_db_pool_free);
  g_clear_pointer (&s->app.metrics, rvi_metrics_free);
  g_clear_pointer (&s->app.static_files, rvi_static_files_free);
  g_clear_pointer (&s->pg, rvi_embedded_pg_stop);
  g_clear_pointer (&s->lock, rvi_data_dir_lock_release);
  g_clear_pointer (&s->conninfo, g_free);
  g_clear_pointer (&s->loop, g_main_loop_unref);
  rvi_config_clear (&s->config);
}

int
rvi_cli_serve (int argc, char **argv)
{
  RviServe s = { 0 };
  g_autoptr (GError) error = NULL;
  guint sigint, sigterm;
  int status = 0;

  rvi_config_init (&s.config);
  s.loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_signal, &s);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &s);
  if (rvi_cli_parse (&argc, &argv, "- run the rvi server", NULL, TRUE, &s.config, &error)
      && start (&s, &error)) {
    g_main_loop_run (s.loop);
  } else {
    g_printerr ("rvi serve: %s\n", error->message);
    status = 1;
  }
  g_source_remove (sigint);
  g_source_remove (sigterm);
  stop (&s);
  return status;
}
