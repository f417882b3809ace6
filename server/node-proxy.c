/* node-proxy.c: answering for a file another node holds (node-proxy.h). */
#define G_LOG_DOMAIN "rvi-http"
#include "node-proxy.h"
#include "db.h"
#include "rvi-error.h"

#include <string.h>

/* what the holder needs of the request, and what describes its answer */
static const char *const request_headers[] = { "Range", "Authorization", "Cookie", "Accept",
                                               "If-None-Match", NULL };
static const char *const answer_headers[] = { "Content-Range", "Accept-Ranges", "Cache-Control",
                                              "ETag", "Last-Modified", "Content-Disposition",
                                              "X-Frame-Time", "X-Requested-Time", "Retry-After",
                                              "X-Package-SHA256", "X-Still-SHA256", NULL };

char *
rvi_node_running_url (PGconn *conn, const char *node, GError **error)
{
  const char *params[] = { node };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT url, last_seen > now() - interval '" RVI_NODE_RUNNING_S " seconds' FROM nodes"
      " WHERE name = $1", 1, params, error);

  if (!res)
    return NULL;
  if (PQntuples (res) == 0 || PQgetisnull (res, 0, 0) || !rvi_db_bool (res, 0, 1)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NODE_UNAVAILABLE,
                 "node %s holds it and is not running", node);
    return NULL;
  }
  return g_strdup (PQgetvalue (res, 0, 0));
}

RviHolder
rvi_node_holder (RviRequest *req, PGconn *conn, const char *node, GError **error)
{
  if (g_str_equal (node, req->app->config->node))
    return RVI_HOLDER_HERE;
  if (req->forwarded_by) {   /* never forwarded twice */
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "node %s holds it, not node %s", node,
                 req->app->config->node);
    return RVI_HOLDER_ERROR;
  }
  if (!(req->forward_url = rvi_node_running_url (conn, node, error)))
    return RVI_HOLDER_ERROR;
  req->forward_node = g_strdup (node);
  return RVI_HOLDER_FORWARD;
}

typedef struct {
  RviRequest *req;
  SoupMessage *out;
  char *content_type;    /* req->text_type points here */
} Forward;

static void
forward_free (gpointer data)
{
  Forward *f = data;

  g_clear_object (&f->out);
  g_free (f->content_type);
  g_free (f);
}

/* The holder's status and headers are in: pass them on, and its body as
 * it comes (http-stream.h). */
static void
forwarded (GObject *source, GAsyncResult *result, gpointer data)
{
  Forward *f = data;
  RviRequest *req = f->req;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) body = soup_session_send_finish (SOUP_SESSION (source), result,
                                                            &error);
  SoupMessageHeaders *h = soup_message_get_response_headers (f->out);

  if (!body) {
    g_warning ("%s %s: node %s did not answer: %s", req->method, req->path, req->forward_node,
               error->message);
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_NODE_UNAVAILABLE,
                              "node %s holds it and did not answer", req->forward_node);
  } else {
    const char *type = soup_message_headers_get_one (h, "Content-Type");

    req->status = soup_message_get_status (f->out);
    req->stream_body = g_steal_pointer (&body);
    req->stream_length = soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH
                           ? soup_message_headers_get_content_length (h) : -1;
    req->stream_keep = G_OBJECT (g_object_ref (f->out));
    f->content_type = g_strdup (type ? type : "application/octet-stream");
    req->text_type = f->content_type;
    for (guint i = 0; answer_headers[i]; i++) {
      const char *v = soup_message_headers_get_one (h, answer_headers[i]);

      if (v)
        rvi_request_add_header (req, answer_headers[i], v);
    }
  }
  rvi_request_finish (req);
}

SoupMessage *
rvi_node_forward_message (RviRequest *req)
{
  GUri *uri = soup_server_message_get_uri (req->msg);
  SoupMessageHeaders *in = soup_server_message_get_request_headers (req->msg);
  const char *query = g_uri_get_query (uri);
  g_autofree char *base = g_strstrip (g_strdup (req->forward_url));
  g_autofree char *target = NULL;
  SoupMessage *msg;
  SoupMessageHeaders *out;

  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  target = g_strdup_printf ("%s%s%s%s", base, g_uri_get_path (uri), query ? "?" : "",
                            query ? query : "");
  if (!(msg = soup_message_new (req->method, target))) {
    g_warning ("node %s has an unusable address: %s", req->forward_node, req->forward_url);
    return NULL;
  }
  out = soup_message_get_request_headers (msg);
  for (guint i = 0; request_headers[i]; i++) {
    const char *v = soup_message_headers_get_one (in, request_headers[i]);

    if (v)
      soup_message_headers_replace (out, request_headers[i], v);
  }
  soup_message_headers_replace (out, RVI_NODE_FORWARDED_BY, req->app->config->node);
  soup_message_headers_replace (out, "X-Forwarded-For", req->address ? req->address : "");
  return msg;
}

void
rvi_node_proxy_start (RviRequest *req)
{
  Forward *f = g_new0 (Forward, 1);

  f->req = req;
  req->handler_data = f;   /* freed with the request, after text_type is written */
  req->handler_data_free = forward_free;
  rvi_request_defer (req);
  if (!(f->out = rvi_node_forward_message (req))) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_NODE_UNAVAILABLE,
                              "node %s holds it and has an unusable address", req->forward_node);
    rvi_request_finish (req);
    return;
  }
  soup_session_send_async (rvi_node_http_client (req->app), f->out, G_PRIORITY_DEFAULT, NULL,
                           forwarded, f);
}

SoupSession *
rvi_node_http_client (RviApp *app)
{
  return app->http_client;   /* made at start, trusting tls_ca (server.c) */
}

char *
rvi_node_url (const char *advertise_url, const char *listen_url)
{
  g_autoptr (GUri) uri = NULL;
  const char *host;

  if (advertise_url)
    return g_strdup (advertise_url);
  uri = g_uri_parse (listen_url, G_URI_FLAGS_NONE, NULL);
  if (!uri)
    return g_strdup (listen_url);
  host = g_uri_get_host (uri);
  if (g_strcmp0 (host, "0.0.0.0") == 0 || g_strcmp0 (host, "::") == 0)
    return g_strdup_printf ("%s://%s:%d/", g_uri_get_scheme (uri), g_get_host_name (),
                            g_uri_get_port (uri));
  return g_strdup (listen_url);
}
