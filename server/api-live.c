/* api-live.c: GET /api/cameras/{id}/live?transport=webrtc|mse|jpeg.
 *
 * Worker step (after authentication): the transport is known (400) and the
 * camera exists (404); when another node holds its lease, the request goes
 * there (live-relay.h). Main step: the node has live sessions (503 while
 * it records nothing or shuts down), then the upgrade is handed to them. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-live.h"
#include "db.h"
#include "identifiers.h"
#include "live-sessions.h"
#include "node-proxy.h"
#include "rvi-error.h"

#define PREFIX "/api/cameras/"
#define SUFFIX "/live"

gboolean
rvi_api_live_match (const char *path, char **id)
{
  gsize len = strlen (path);

  if (!g_str_has_prefix (path, PREFIX) || !g_str_has_suffix (path, SUFFIX)
      || len <= strlen (PREFIX) + strlen (SUFFIX))
    return FALSE;
  *id = g_strndup (path + strlen (PREFIX), len - strlen (PREFIX) - strlen (SUFFIX));
  return TRUE;
}

static gboolean
live_db (RviRequest *req, PGconn *conn, GError **error)
{
  const char *params[] = { req->path_id };
  RviLiveTransport transport;
  g_autoptr (PGresult) res = NULL;

  if (!rvi_live_transport_parse (rvi_request_query (req, "transport") ?: "webrtc", &transport)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "transport must be webrtc, mse or jpeg");
    return FALSE;
  }
  res = rvi_db_exec (conn, "SELECT 1 FROM cameras WHERE id = $1::uuid AND deleted_at IS NULL", 1,
                     params, error);
  if (!res)
    return FALSE;
  if (PQntuples (res) != 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  g_clear_pointer (&res, PQclear);
  /* the node recording it has its picture (live-relay.h) */
  res = rvi_db_exec (conn, "SELECT node FROM camera_leases WHERE camera_id = $1::uuid"
                     " AND NOT released AND expires_at > now()", 1, params, error);
  if (!res)
    return FALSE;
  if (PQntuples (res) == 1)
    return rvi_node_holder (req, conn, PQgetvalue (res, 0, 0), error) != RVI_HOLDER_ERROR;
  return TRUE;
}

static void
live_upgrade (RviRequest *req)
{
  RviLiveTransport transport = RVI_LIVE_WEBRTC;
  RviWsIdentity who;

  if (req->client_gone)
    return;
  if (!req->app->live) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_BUSY,
                              "this node shows no live video (it records no cameras)");
    return;
  }
  rvi_live_transport_parse (rvi_request_query (req, "transport") ?: "webrtc", &transport);
  rvi_ws_identity_set (&who, req->user->role, req->user->id, req->user->username,
                       req->bearer_token ? req->bearer_token : req->session_token,
                       req->bearer_token ? 0 : g_get_real_time ()
                         + (gint64) req->app->config->session_idle_s * G_USEC_PER_SEC,
                       req->address);
  if (rvi_live_sessions_accept (req->app->live, req->msg, &who, req->path_id, transport,
                                &req->error))
    req->status = SOUP_STATUS_SWITCHING_PROTOCOLS;
}

const RviRoute rvi_api_live_route = {
  "GET", "/api/cameras/{id}/live", RVI_ROLES_ANY, NULL, live_db, live_upgrade
};
