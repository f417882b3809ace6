/* http-server.c: the libsoup server and the way of every request.
 *
 * DESIGN
 * One handler takes every request. Paths outside /api/ and the probes are
 * UI files. Otherwise the route table (routes.c) decides; then:
 *
 *   main loop: match route (404/405), check body type and size (415/413),
 *              copy what the handler needs into an RviRequest, pause
 *   worker:    authenticate (401), check role (403), check CSRF (403),
 *              validate the body (400), run the route's db handler
 *   main loop: run the route's main handler, write the answer, unpause
 *
 * Routes that need neither the database nor a user skip the worker. The
 * answer is never written from a worker; a client that went away while
 * its request ran is noticed through "finished" and not answered.
 *
 * GET /api/events and GET /api/cameras/{id}/live (WebSockets) are kept
 * out of the route table, whose routes answer JSON, but take the same way:
 * the handshake (and, for a cookie, the Origin) is checked on the main
 * loop (ws-upgrade.c), the user is authenticated on a worker, and the main
 * handler hands the message to the event feed or the live sessions, which
 * answer 101 and take the connection.
 *
 * With a certificate (tls_certificate) the one port speaks HTTPS only
 * (plain HTTP fails the handshake; there is no redirect), every answer
 * carries Strict-Transport-Security, and WebSockets are wss://. */
#define G_LOG_DOMAIN "rvi-http"
#include "http-server.h"
#include "client-address.h"
#include "live-relay.h"
#include "node-proxy.h"
#include "json-text.h"
#include "api-live.h"
#include "event-feed.h"
#include "http-errors.h"
#include "http-stream.h"
#include "identifiers.h"
#include "metrics.h"
#include "rvi-error.h"
#include "secrets.h"
#include "sessions.h"
#include "static-files.h"
#include "tls.h"

#include <gio/gio.h>

#define SESSION_COOKIE "rvi_session"

struct _RviHttpServer {
  RviApp *app;
  SoupServer *soup;
  GArray *routes;
  gboolean tls;            /* HTTPS only */
  RviTrustedProxies *trusted;   /* whose X-Forwarded-For is believed; NULL: nobody's */
};

static const char *const security_headers[][2] = {
  { "X-Content-Type-Options", "nosniff" },
  { "X-Frame-Options", "DENY" },
  { "Referrer-Policy", "no-referrer" },
  { "Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'" },
};

/* Over HTTPS, browsers that saw it once refuse plain HTTP to the host for a year. */
#define HSTS_VALUE "max-age=31536000"

static void
add_security_headers (SoupServerMessage *msg, gboolean tls)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  for (gsize i = 0; i < G_N_ELEMENTS (security_headers); i++)
    soup_message_headers_replace (h, security_headers[i][0], security_headers[i][1]);
  if (tls)
    soup_message_headers_replace (h, "Strict-Transport-Security", HSTS_VALUE);
}

static void
write_json (SoupServerMessage *msg, guint status, JsonNode *body)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body && status != 204) {
    gsize len = 0;
    char *text = rvi_json_text (body);
    len = strlen (text);
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
  }
}

static void
write_error (SoupServerMessage *msg, const GError *error)
{
  const char *code;
  guint status = rvi_http_error_status (error, &code);
  g_autoptr (JsonNode) body = rvi_http_error_body (error);

  write_json (msg, status, body);
}

static double
seconds_since (gint64 start_us)
{
  return (double) (g_get_monotonic_time () - start_us) / G_USEC_PER_SEC;
}

static void
on_message_finished (SoupServerMessage *msg, gpointer user_data)
{
  RviRequest *req = user_data;
  req->client_gone = TRUE;
}

/* Writes the answer of @req (on the main loop), unpauses and frees it. */
static void
finish_request (RviRequest *req, gboolean paused)
{
  SoupServerMessage *msg = req->msg;
  guint status = req->status;

  g_signal_handlers_disconnect_by_func (msg, on_message_finished, req);
  if (req->error) {
    const char *code;
    status = rvi_http_error_status (req->error, &code);
    if (status >= 500)
      g_warning ("%s %s: %s", req->method, req->path, req->error->message);
  }
  if (!req->client_gone) {
    SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

    add_security_headers (msg, rvi_tls_enabled (req->app->config));
    soup_message_headers_replace (h, "Cache-Control", "no-store");
    for (guint i = 0; req->headers && i + 1 < req->headers->len; i += 2) {
      /* a handler may relax the no-store default (immutable stills) */
      if (g_ascii_strcasecmp (req->headers->pdata[i], "Cache-Control") == 0)
        soup_message_headers_replace (h, req->headers->pdata[i], req->headers->pdata[i + 1]);
      else
        soup_message_headers_append (h, req->headers->pdata[i], req->headers->pdata[i + 1]);
    }
    if (req->error) {
      write_error (msg, req->error);
    } else if (req->stream_body) {
      soup_server_message_set_status (msg, status, NULL);
      soup_message_headers_set_content_type (h, req->text_type, NULL);
      rvi_http_stream_start (msg, req->stream_body, req->stream_length, req->stream_keep);
    } else if (req->bytes_body) {
      soup_server_message_set_status (msg, status, NULL);
      soup_message_headers_set_content_type (h, req->text_type, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg),
                                      req->bytes_body);
    } else if (req->text_body) {
      char *text = g_steal_pointer (&req->text_body);
      soup_server_message_set_status (msg, status, NULL);
      soup_server_message_set_response (msg, req->text_type, SOUP_MEMORY_TAKE, text,
                                        strlen (text));
    } else {
      write_json (msg, status ? status : 500, req->response);
    }
    if (paused)
      soup_server_message_unpause (msg);
  }
  rvi_metrics_observe_request (req->app->metrics, req->route ? req->route->pattern : "unmatched",
                               req->method, status, seconds_since (req->started_us));
  g_debug ("%s %s %u %.1f ms", req->method, req->path, status,
           seconds_since (req->started_us) * 1000);
  rvi_request_free (req);
}

static gboolean
is_mutating (const char *method)
{
  return !g_str_equal (method, "GET") && !g_str_equal (method, "HEAD");
}

/* Worker: authentication, permission, CSRF, body, then the route's work. */
static gboolean
dispatch_work (PGconn *conn, gpointer data, GError **error)
{
  RviRequest *req = data;
  const RviRoute *route = req->route;

  if (route->roles != RVI_ROLES_PUBLIC) {
    if (req->bearer_token) {
      req->user = rvi_api_tokens_lookup (conn, req->bearer_token, error);
    } else if (req->session_token) {
      req->user = rvi_sessions_lookup (conn, req->session_token, req->app->config->session_idle_s,
                                       &req->session_csrf, error);
    } else {
      g_set_error (error, RVI_ERROR, RVI_ERROR_UNAUTHENTICATED, "log in first");
    }
    if (!req->user)
      return FALSE;
    if (!(route->roles & req->user->role)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_FORBIDDEN, "your role may not do this");
      return FALSE;
    }
    if (req->session_csrf && is_mutating (req->method)
        && !rvi_secret_equal (req->csrf_header, req->session_csrf)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_CSRF, "missing or wrong X-CSRF-Token header");
      return FALSE;
    }
  }
  if (route->shape) {
    gsize len = 0;
    const char *body = g_bytes_get_data (req->body, &len);
    req->json = rvi_json_shape_parse (route->shape, body, len, error);
    if (!req->json)
      return FALSE;
  }
  if (route->db && !route->db (req, conn, error))
    return FALSE;
  /* A JSON answer no main step reads any more is written out here, on the
   * worker: a day's timeline is megabytes, and building its text and
   * freeing its tree took about 55 ms of the main loop. */
  if (!route->main && req->response && req->status != 204 && !req->text_body
      && !req->bytes_body) {
    req->text_body = rvi_json_text (req->response);
    req->text_type = "application/json";
    g_clear_pointer (&req->response, json_node_unref);
  }
  return TRUE;
}

static void
dispatch_done (gpointer data, const GError *error)
{
  RviRequest *req = data;

  if (error) {
    req->error = g_error_copy (error);
  } else if (req->forward_url) {   /* another node holds it */
    if (req->route == &rvi_api_live_route)
      rvi_live_relay_start (req->app->live_relays, req);
    else
      rvi_node_proxy_start (req);
    return;
  } else if (req->route->main) {
    req->route->main (req);
    if (req->deferred)
      return;
  }
  finish_request (req, TRUE);
}

void
rvi_request_finish (RviRequest *req)
{
  g_return_if_fail (req->deferred);
  finish_request (req, TRUE);
}

/* The session cookie's value (transfer full) or NULL. */
static char *
session_cookie (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_list (
      soup_server_message_get_request_headers (msg), "Cookie");
  g_autoptr (GHashTable) params = NULL;
  const char *value;

  if (!header)
    return NULL;
  params = soup_header_parse_semi_param_list (header);
  value = g_hash_table_lookup (params, SESSION_COOKIE);
  return value && *value ? g_strdup (value) : NULL;
}

static RviRequest *
request_new (RviHttpServer *self, SoupServerMessage *msg, const char *path, GHashTable *query)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (h, "Authorization");
  RviRequest *req = g_new0 (RviRequest, 1);

  req->app = self->app;
  req->msg = g_object_ref (msg);
  req->started_us = g_get_monotonic_time ();
  req->method = g_strdup (soup_server_message_get_method (msg));
  req->path = g_strdup (path);
  req->query = query ? g_hash_table_ref (query) : g_hash_table_new (g_str_hash, g_str_equal);
  req->session_token = session_cookie (msg);
  if (auth && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    req->bearer_token = g_strstrip (g_strdup (auth + 7));
  else if (auth)
    req->bearer_token = g_strdup ("");   /* a malformed header never falls back to the cookie */
  req->csrf_header = g_strdup (soup_message_headers_get_one (h, "X-CSRF-Token"));
  req->idempotency_key = g_strdup (soup_message_headers_get_one (h, "Idempotency-Key"));
  req->user_agent = g_strdup (soup_message_headers_get_one (h, "User-Agent"));
  req->range = g_strdup (soup_message_headers_get_one (h, "Range"));
  req->forwarded_by = g_strdup (soup_message_headers_get_one (h, RVI_NODE_FORWARDED_BY));
  req->address = rvi_client_address (self->trusted, soup_server_message_get_remote_host (msg),
                                     soup_message_headers_get_one (h, "X-Forwarded-For"));
  g_signal_connect (msg, "finished", G_CALLBACK (on_message_finished), req);
  return req;
}

/* Checks the body's type and size on the main loop. */
static gboolean
check_body (RviHttpServer *self, SoupServerMessage *msg, RviRequest *req, GError **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (msg), NULL);

  if (body->length > self->app->config->max_body_bytes) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_BODY_TOO_LARGE, "the body is larger than %"
                 G_GINT64_FORMAT " bytes", self->app->config->max_body_bytes);
    return FALSE;
  }
  if (!req->route->shape)
    return TRUE;
  if (body->length > 0 && (!type || g_ascii_strcasecmp (type, "application/json") != 0)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_UNSUPPORTED_MEDIA,
                 "the body must be application/json");
    return FALSE;
  }
  req->body = soup_message_body_flatten (body);
  return TRUE;
}

static gboolean
is_api_path (const char *path)
{
  return g_str_has_prefix (path, "/api/") || g_str_equal (path, "/api")
         || g_str_equal (path, "/healthz") || g_str_equal (path, "/readyz")
         || g_str_equal (path, "/metrics");
}

static void
serve_static (RviHttpServer *self, SoupServerMessage *msg, const char *path)
{
  const char *method = soup_server_message_get_method (msg);
  gint64 start = g_get_monotonic_time ();
  guint status;

  add_security_headers (msg, self->tls);
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD")) {
    g_autoptr (GError) error = g_error_new (RVI_ERROR, RVI_ERROR_METHOD_NOT_ALLOWED,
                                            "%s is not allowed here", method);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                  "GET, HEAD");
    write_error (msg, error);
    status = 405;
  } else {
    status = rvi_static_files_serve (self->app->static_files, msg, path);
  }
  rvi_metrics_observe_request (self->app->metrics, "static", method, status, seconds_since (start));
}

/* Main step of GET /api/events: the user is known, accept the upgrade. */
static void
events_upgrade (RviRequest *req)
{
  RviEventFeed *feed = req->app->events;
  RviWsIdentity who;

  rvi_ws_identity_set (&who, req->user->role, req->user->id, req->user->username,
                       req->bearer_token ? req->bearer_token : req->session_token,
                       req->bearer_token ? 0 : g_get_real_time ()
                         + (gint64) req->app->config->session_idle_s * G_USEC_PER_SEC,
                       req->address);
  if (req->client_gone)
    return;
  if (!feed) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_BUSY, "the server is shutting down");
    return;
  }
  if (rvi_event_feed_accept (feed, req->msg, &who, &req->error))
    req->status = SOUP_STATUS_SWITCHING_PROTOCOLS;
}

static const RviRoute events_route = {
  "GET", RVI_EVENT_FEED_PATH, RVI_ROLES_ANY, NULL, NULL, events_upgrade
};

/* A WebSocket route (@route, with @id for {id}, taken). */
static void
handle_upgrade (RviHttpServer *self, SoupServerMessage *msg, const char *path, GHashTable *query,
                const RviRoute *route, char *id)
{
  RviRequest *req = request_new (self, msg, path, query);
  g_autoptr (GError) error = NULL;

  req->route = route;
  req->path_id = id;
  if (!g_str_equal (req->method, "GET")) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_METHOD_NOT_ALLOWED,
                              "%s is not allowed on %s", req->method, path);
    rvi_request_add_header (req, "Allow", "GET");
  } else if (!req->session_token && !req->bearer_token) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_UNAUTHENTICATED, "log in first");
  } else if (!self->app->events) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_BUSY, "the server is shutting down");
  } else if (id && !rvi_is_uuid (id)) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such resource: %s", path);
  } else if (rvi_ws_upgrade_check (msg, !req->bearer_token, &req->error)) {
    soup_server_message_pause (msg);
    if (rvi_db_pool_submit (self->app->pool, dispatch_work, dispatch_done, req, &error))
      return;
    req->error = g_steal_pointer (&error);
    finish_request (req, TRUE);
    return;
  }
  finish_request (req, FALSE);
}

static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  RviHttpServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const RviRoute *route = NULL;
  g_autofree char *id = NULL;
  g_autofree char *allow = NULL;
  g_autoptr (GError) error = NULL;
  RviRequest *req;

  if (!is_api_path (path)) {
    serve_static (self, msg, path);
    return;
  }
  if (g_str_equal (path, RVI_EVENT_FEED_PATH)) {
    handle_upgrade (self, msg, path, query, &events_route, NULL);
    return;
  }
  if (rvi_api_live_match (path, &id)) {
    handle_upgrade (self, msg, path, query, &rvi_api_live_route, g_steal_pointer (&id));
    return;
  }
  req = request_new (self, msg, path, query);
  switch (rvi_router_match (self->routes, method, path, &route, &id, &allow)) {
    case RVI_ROUTE_NO_PATH:
      req->error = g_error_new (RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such resource: %s", path);
      finish_request (req, FALSE);
      return;
    case RVI_ROUTE_NO_METHOD:
      req->error = g_error_new (RVI_ERROR, RVI_ERROR_METHOD_NOT_ALLOWED,
                                "%s is not allowed on %s", method, path);
      rvi_request_add_header (req, "Allow", allow);
      finish_request (req, FALSE);
      return;
    case RVI_ROUTE_MATCHED:
      break;
  }
  req->route = route;
  req->path_id = g_steal_pointer (&id);
  if (!check_body (self, msg, req, &req->error)) {
    finish_request (req, FALSE);
    return;
  }
  if (route->roles == RVI_ROLES_PUBLIC && !route->db && !route->shape) {
    route->main (req);
    finish_request (req, FALSE);
    return;
  }
  soup_server_message_pause (msg);
  if (!rvi_db_pool_submit (self->app->pool, dispatch_work, dispatch_done, req, &error)) {
    req->error = g_steal_pointer (&error);
    finish_request (req, TRUE);
  }
}

/* Refuses a too large body from its Content-Length before reading it. */
static void
handle_early (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer user_data)
{
  RviHttpServer *self = user_data;
  goffset len = soup_message_headers_get_content_length (
      soup_server_message_get_request_headers (msg));

  if (len > self->app->config->max_body_bytes) {
    g_autoptr (GError) error = g_error_new (RVI_ERROR, RVI_ERROR_BODY_TOO_LARGE,
                                            "the body is larger than %" G_GINT64_FORMAT " bytes",
                                            self->app->config->max_body_bytes);
    add_security_headers (msg, self->tls);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                  "close");
    write_error (msg, error);
    rvi_metrics_observe_request (self->app->metrics, "early", soup_server_message_get_method (msg),
                                 413, 0);
  }
}

/* Every message gets the security headers (and HSTS) before anything is
 * read, so that answers libsoup writes itself (400 for a request it cannot
 * parse) carry them too. */
static void
on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  RviHttpServer *self = user_data;

  add_security_headers (msg, self->tls);
}

RviHttpServer *
rvi_http_server_new (RviApp *app, GArray *routes, GTlsCertificate *certificate)
{
  RviHttpServer *self = g_new0 (RviHttpServer, 1);

  self->app = app;
  self->routes = g_array_ref (routes);
  self->tls = certificate != NULL;
  /* validated with the configuration (config.c) */
  self->trusted = rvi_trusted_proxies_parse (app->config->trusted_proxies, NULL);
  self->soup = soup_server_new ("server-header", "rvi", "tls-certificate", certificate, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), self);
  soup_server_add_early_handler (self->soup, NULL, handle_early, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  return self;
}

gboolean
rvi_http_server_listen (RviHttpServer *self, const char *host, guint16 port, char **url,
                        GError **error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr (GSocketAddress) addr = NULL;
  GSList *uris;

  if (!inet) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "listen host must be an IP address, not %s",
                 host);
    return FALSE;
  }
  addr = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (self->soup, addr, self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;
  uris = soup_server_get_uris (self->soup);
  if (uris && url) {
    g_autofree char *s = g_uri_to_string (uris->data);
    *url = g_steal_pointer (&s);
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}

GArray *
rvi_http_server_get_routes (RviHttpServer *self)
{
  return self->routes;
}

void
rvi_http_server_free (RviHttpServer *self)
{
  if (!self)
    return;
  soup_server_disconnect (self->soup);
  g_object_unref (self->soup);
  g_array_unref (self->routes);
  rvi_trusted_proxies_free (self->trusted);
  g_free (self);
}
