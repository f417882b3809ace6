/* api-camera-view.c: POST /api/cameras/{id}/accept-view {reason}.
 *
 * Worker: the camera exists and this node samples it (503 otherwise: the
 * detector lives on the node that records the camera), then the audit
 * event camera_view_accepted (who, why, the alerts standing) is written.
 * Main: the acceptance goes to the sample recorder, applied at the
 * camera's next sample. Answer 202 {camera_id, open_alerts}: the alerts
 * clear with that sample (the event feed says camera_alert). */
#define G_LOG_DOMAIN "rvi-http"
#include "api-camera-view.h"
#include "camera-manager.h"
#include "db.h"
#include "rvi-error.h"

static const RviJsonField accept_fields[] = {
  { "reason", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 500 },
};
const RviJsonShape rvi_api_camera_view_accept_shape = RVI_JSON_SHAPE (accept_fields);

gboolean
rvi_api_camera_view_accept (RviRequest *req, PGconn *conn, GError **error)
{
  g_autofree char *reason = g_strstrip (g_strdup (json_object_get_string_member (req->json,
                                                                                 "reason")));
  const char *params[] = { req->path_id };
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = NULL;
  JsonNode *alerts;

  if (!*reason) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "reason: say why the new view is right (it goes into the audit log)");
    return FALSE;
  }
  if (!req->app->cameras) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_BUSY, "this node records no cameras");
    return FALSE;
  }
  res = rvi_db_exec (conn, "SELECT coalesce (json_agg (a.kind ORDER BY a.kind), '[]')::text"
                     " FROM cameras c LEFT JOIN camera_alerts a ON a.camera_id = c.id"
                     " AND a.ended_at IS NULL WHERE c.id = $1::uuid AND c.deleted_at IS NULL"
                     " GROUP BY c.id", 1, params, error);
  if (!res)
    return FALSE;
  if (PQntuples (res) != 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  alerts = json_from_string (PQgetvalue (res, 0, 0), error);
  if (!alerts)
    return FALSE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_set_member_name (b, "open_alerts");
  json_builder_add_value (b, json_node_copy (alerts));
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  if (!rvi_request_audit (req, conn, NULL, "camera_view_accepted", "camera", req->path_id, detail,
                          error)) {
    json_node_unref (alerts);
    return FALSE;
  }
  json_builder_reset (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "camera_id");
  json_builder_add_string_value (b, req->path_id);
  json_builder_set_member_name (b, "open_alerts");
  json_builder_add_value (b, alerts);
  json_builder_end_object (b);
  rvi_request_reply (req, 202, json_builder_get_root (b));
  return TRUE;
}

void
rvi_api_camera_view_accepted (RviRequest *req)
{
  if (req->app->cameras)
    rvi_camera_manager_accept_view (req->app->cameras, req->path_id);
}
