/* api-holds.c: placing and releasing holds. A hold (camera + time range +
 * reason + who) keeps every segment it touches from retention, even when
 * the disk is full. Inspectors and auditors place holds; auditors release
 * them; both are audit events. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-holds.h"
#include "api-audit.h"
#include "db.h"
#include "identifiers.h"
#include "json-rows.h"
#include "rvi-error.h"

#define HOLD_COLUMNS \
  "id, camera_id, rvi_time(start_at) AS from, rvi_time(end_at) AS to, reason, created_by_name," \
  " rvi_time(created_at) AS created_at, rvi_time(released_at) AS released_at"

static const RviJsonField create_fields[] = {
  { "camera_id", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 36 },
  { "from", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 40 },
  { "to", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 40 },
  { "reason", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 500 },
};
const RviJsonShape rvi_api_holds_create_shape = RVI_JSON_SHAPE (create_fields);

gboolean
rvi_api_holds_list (RviRequest *req, PGconn *conn, GError **error)
{
  const char *camera = rvi_request_query (req, "camera_id");
  const char *params[] = { camera };
  g_autoptr (PGresult) res = NULL;

  if (camera && !rvi_is_uuid (camera)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "camera_id must be a UUID");
    return FALSE;
  }
  res = rvi_db_exec (conn, "SELECT " HOLD_COLUMNS " FROM holds"
                     " WHERE released_at IS NULL AND ($1::uuid IS NULL OR camera_id = $1::uuid)"
                     " ORDER BY start_at DESC LIMIT 1000", 1, params, error);
  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("holds", rvi_json_from_rows (res)));
  return TRUE;
}

gboolean
rvi_api_holds_create (RviRequest *req, PGconn *conn, GError **error)
{
  const char *camera = rvi_json_get_string (req->json, "camera_id");
  const char *reason = rvi_json_get_string (req->json, "reason");
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;

  if (!rvi_is_uuid (camera)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "camera_id must be a UUID");
    return FALSE;
  }
  if (!(from = rvi_query_time (rvi_json_get_string (req->json, "from"), "from", error))
      || !(to = rvi_query_time (rvi_json_get_string (req->json, "to"), "to", error)))
    return FALSE;
  g_autofree char *trimmed = g_strstrip (g_strdup (reason));

  if (!*trimmed) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "a hold needs a reason");
    return FALSE;
  }
  {
    const char *params[] = { camera, from, to, reason, req->user->id, req->user->username };
    if (!rvi_db_begin (conn, error))
      return FALSE;
    res = rvi_db_exec (conn,
        "INSERT INTO holds (camera_id, start_at, end_at, reason, created_by, created_by_name)"
        " SELECT $1::uuid, $2::timestamptz, $3::timestamptz, $4, $5::uuid, $6"
        " WHERE EXISTS (SELECT 1 FROM cameras WHERE id = $1::uuid)"
        " RETURNING " HOLD_COLUMNS, 6, params, error);
  }
  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  detail = rvi_json_from_row (res, 0);
  if (!rvi_request_audit (req, conn, NULL, "hold_created", "hold", PQgetvalue (res, 0, 0), detail,
                          error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 201, rvi_json_wrap ("hold", rvi_json_from_row (res, 0)));
  return TRUE;
}

gboolean
rvi_api_holds_release (RviRequest *req, PGconn *conn, GError **error)
{
  const char *params[] = { req->path_id, req->user->id };
  g_autoptr (PGresult) res = NULL;

  if (!rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_db_exec (conn, "UPDATE holds SET released_at = now(), released_by = $2::uuid"
                     " WHERE id = $1::uuid AND released_at IS NULL RETURNING id", 2, params,
                     error);
  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such active hold");
    return FALSE;
  }
  if (!rvi_request_audit (req, conn, NULL, "hold_released", "hold", req->path_id, NULL, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 204, NULL);
  return TRUE;
}
