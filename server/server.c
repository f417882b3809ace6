/* server.c: RviServer, one running rvi server: TLS files, data directory
 * lock, database (private cluster or URL), migrations, worker pool, live
 * event feed and HTTP(S).
 *
 * Start-up runs in that order and shutdown backwards: stop taking
 * requests, close the live event clients, finish database jobs, stop the
 * private cluster, release the lock. `rvi serve` wraps it with signal
 * handling; tests run it in-process. */
#define G_LOG_DOMAIN "rvi"
#include "server.h"
#include "camera-manager.h"
#include "credential-box.h"
#include "evidence-key.h"
#include "export-runner.h"
#include "frame-service.h"
#include "mark-stills.h"
#include "data-dir-lock.h"
#include "db.h"
#include "embedded-postgres.h"
#include "event-feed.h"
#include "live-sessions.h"
#include "live-relay.h"
#include "live-webrtc.h"
#include "http-server.h"
#include "metrics.h"
#include "migrations.h"
#include "node-proxy.h"
#include "pipelines-init.h"
#include "routes.h"
#include "rvi-error.h"
#include "secrets.h"
#include "static-files.h"
#include "tls.h"

#define MIGRATE_RETRY_S 30

struct _RviServer {
  const RviConfig *config;
  RviDataDirLock *lock;
  RviEmbeddedPg *pg;
  char *conninfo;
  char *url;
  RviApp app;
  RviHttpServer *http;
  GTlsCertificate *certificate;   /* HTTPS; NULL: plain HTTP */
  RviMarkStills *stills;   /* makes the stills of marks from this node's recordings */
};

/* Applies migrations, retrying while an external database is not up yet. */
static gboolean
migrate (RviServer *s, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + MIGRATE_RETRY_S * G_USEC_PER_SEC;

  for (;;) {
    g_autoptr (GError) local = NULL;
    g_autoptr (PGconn) conn = rvi_db_connect (s->conninfo, s->config->db_connect_timeout_s, &local);
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
start (RviServer *s, GError **error)
{
  const RviConfig *config = s->config;
  g_autofree char *host = NULL;
  g_autoptr (GArray) routes = NULL;
  guint16 port;
  gboolean busy = FALSE;
  g_autoptr (GTlsDatabase) node_cas = NULL;
  g_autoptr (GError) local = NULL;

  if (!rvi_secrets_init (error) || !rvi_config_parse_listen (config->listen, &host, &port, error))
    return FALSE;
  /* TLS files first: a bad one stops the start before anything runs */
  if (rvi_tls_enabled (config)) {
    s->certificate = rvi_tls_load_certificate (config, error);
    if (!s->certificate)
      return FALSE;
  }
  node_cas = rvi_tls_load_ca (config, &local);
  if (local) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  s->lock = rvi_data_dir_lock_try (config->data_dir, &busy, error);
  if (!s->lock) {
    if (busy)
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                   "another rvi serve is using the data directory %s", config->data_dir);
    return FALSE;
  }
  if (config->database_url) {
    s->conninfo = g_strdup (config->database_url);
  } else {
    g_autofree char *pg_dir = g_build_filename (config->data_dir, "pg", NULL);
    s->pg = rvi_embedded_pg_start (pg_dir, config->embedded_pg_user, error);
    if (!s->pg)
      return FALSE;
    s->conninfo = g_strdup (rvi_embedded_pg_get_conninfo (s->pg));
    rvi_embedded_pg_supervise (s->pg);
  }
  if (!migrate (s, error))
    return FALSE;

  s->app.config = config;
  s->app.started_at_us = g_get_real_time ();
  s->app.pool = rvi_db_pool_new (s->conninfo, (guint) config->db_pool_size,
                                 (guint) config->db_queue_max, config->db_connect_timeout_s);
  s->app.metrics = rvi_metrics_new ();
  s->app.events = rvi_event_feed_new (s->conninfo, config->db_connect_timeout_s);
  s->app.live_relays = rvi_live_relays_new (&s->app);
  s->app.static_files = rvi_static_files_new (config->web_dir);
  s->app.frames = rvi_frame_service_new (RVI_FRAME_SERVICE_THREADS, RVI_FRAME_SERVICE_QUEUE);
  /* node-proxy.c's client: other nodes' certificates chain to tls_ca, or to
   * a system CA when it is unset */
  s->app.http_client = soup_session_new_with_options ("timeout", 30, "idle-timeout", 60,
                                                      "user-agent", "rvi-node", NULL);
  if (node_cas)
    soup_session_set_tls_database (s->app.http_client, node_cas);
  {
    g_autofree char *key = config->credentials_key
                           ? g_strdup (config->credentials_key)
                           : g_build_filename (config->data_dir, "keys", "credentials.key", NULL);
    s->app.credentials = rvi_credential_box_open (key, error);
    if (!s->app.credentials)
      return FALSE;
  }
  {
    g_autofree char *key = config->signing_key
                           ? g_strdup (config->signing_key)
                           : g_build_filename (config->data_dir, "keys", "signing.key", NULL);
    s->app.signing_key = rvi_signing_key_open (key, error);
    if (!s->app.signing_key)
      return FALSE;
  }
  s->app.exports = rvi_export_runner_new (s->conninfo, config, s->app.signing_key);
  s->stills = rvi_mark_stills_new (s->conninfo, config);
  if (!rvi_pipelines_init (error))
    return FALSE;
  if (config->recording) {
    g_autofree char *media = g_build_filename (config->data_dir, "media", NULL);

    rvi_live_webrtc_warm_up ();   /* the first viewer need not wait for plugins and a DTLS key */
    s->app.live_hub = rvi_live_hub_new ();
    s->app.cameras = rvi_camera_manager_new (&s->app, media);
    s->app.live = rvi_live_sessions_new (&s->app, s->app.live_hub);
  }
  routes = rvi_routes_new (config);
  s->http = rvi_http_server_new (&s->app, routes, s->certificate);
  if (!rvi_http_server_listen (s->http, host, port, &s->url, error))
    return FALSE;
  s->app.node_url = rvi_node_url (config->advertise_url, s->url);
  if (s->app.cameras)   /* other nodes can forward to it from now on, not the next heartbeat */
    rvi_camera_manager_heartbeat (s->app.cameras);
  g_message ("node %s, data in %s, %s", config->node, config->data_dir,
             s->pg ? "private PostgreSQL" : "external PostgreSQL");
  return TRUE;
}

RviServer *
rvi_server_start (const RviConfig *config, GError **error)
{
  g_autoptr (RviServer) s = g_new0 (RviServer, 1);

  s->config = config;
  if (!start (s, error))
    return NULL;
  return g_steal_pointer (&s);
}

const char *
rvi_server_get_url (RviServer *s)
{
  return s->url;
}

const char *
rvi_server_get_conninfo (RviServer *s)
{
  return s->conninfo;
}

RviApp *
rvi_server_get_app (RviServer *s)
{
  return &s->app;
}

GArray *
rvi_server_get_routes (RviServer *s)
{
  return rvi_http_server_get_routes (s->http);
}

void
rvi_server_stop (RviServer *s)
{
  if (!s)
    return;
  g_clear_pointer (&s->http, rvi_http_server_free);
  g_clear_pointer (&s->app.live, rvi_live_sessions_free);  /* viewers: going away */
  g_clear_pointer (&s->app.live_relays, rvi_live_relays_free);
  g_clear_pointer (&s->app.frames, rvi_frame_service_free); /* answers the last frame requests */
  g_clear_pointer (&s->app.events, rvi_event_feed_free);   /* clients: going away */
  if (s->app.cameras) {
    rvi_camera_manager_free (s->app.cameras, 10000);
    s->app.cameras = NULL;
  }
  g_clear_pointer (&s->app.exports, rvi_export_runner_free);   /* a running one fails, says why */
  g_clear_pointer (&s->stills, rvi_mark_stills_free);
  g_clear_pointer (&s->app.credentials, rvi_credential_box_free);
  g_clear_pointer (&s->app.signing_key, rvi_signing_key_free);
  g_clear_pointer (&s->app.pool, rvi_db_pool_free);
  g_clear_pointer (&s->app.live_hub, rvi_live_hub_free);
  g_clear_object (&s->app.http_client);
  g_clear_pointer (&s->app.node_url, g_free);
  rvi_live_webrtc_warm_up_wait ();
  g_clear_pointer (&s->app.metrics, rvi_metrics_free);
  g_clear_pointer (&s->app.static_files, rvi_static_files_free);
  g_clear_pointer (&s->pg, rvi_embedded_pg_stop);
  g_clear_pointer (&s->lock, rvi_data_dir_lock_release);
  g_clear_object (&s->certificate);
  g_free (s->conninfo);
  g_free (s->url);
  g_free (s);
}
