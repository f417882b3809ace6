/* api-health.c: liveness, readiness and metrics. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-health.h"
#include "db.h"
#include "json-rows.h"
#include "metrics.h"

static JsonNode *
status_body (const char *status)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, status);
  return rvi_json_wrap ("status", node);
}

void
rvi_api_healthz (RviRequest *req)
{
  rvi_request_reply (req, 200, status_body ("alive"));
}

/* Reaching here means a worker connected; the query proves the server answers. */
gboolean
rvi_api_readyz (RviRequest *req, PGconn *conn, GError **error)
{
  if (!rvi_db_run (conn, "SELECT 1", 0, NULL, error))
    return FALSE;
  rvi_request_reply (req, 200, status_body ("ready"));
  return TRUE;
}

void
rvi_api_metrics (RviRequest *req)
{
  req->status = 200;
  req->text_type = "text/plain; version=0.0.4; charset=utf-8";
  req->text_body = rvi_metrics_render (req->app->metrics, req->app);
}
