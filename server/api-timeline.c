/* api-timeline.c: a camera's timeline: segments and gaps over [from, to).
 * Defaults: to = now, from = to - 24 h; at most 31 days per request.
 * Later issues add samples, marks, decisions and alerts; their arrays are
 * present (empty) so clients can rely on the shape. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-timeline.h"
#include "api-audit.h"
#include "db.h"
#include "json-rows.h"
#include "rvi-error.h"

#define MAX_RANGE_DAYS 31

static JsonNode *
empty_array (void)
{
  JsonNode *n = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (n, json_array_new ());
  return n;
}

gboolean
rvi_api_timeline_get (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *from = rvi_query_time (rvi_request_query (req, "from"), "from", &local);
  g_autofree char *to = local ? NULL : rvi_query_time (rvi_request_query (req, "to"), "to", &local);
  g_autoptr (PGresult) range = NULL;
  g_autoptr (PGresult) segs = NULL;
  g_autoptr (PGresult) gaps = NULL;
  JsonObject *obj;
  JsonNode *root;

  if (local) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  {
    const char *params[] = { req->path_id, from, to };
    range = rvi_db_exec (conn,
        "SELECT f, t, rvi_time(f), rvi_time(t), t - f > make_interval(days => "
        G_STRINGIFY (MAX_RANGE_DAYS) "), t <= f FROM ("
        " SELECT coalesce($2::timestamptz, coalesce($3::timestamptz, now()) - interval '1 day') f,"
        "        coalesce($3::timestamptz, now()) t) r"
        " WHERE EXISTS (SELECT 1 FROM cameras WHERE id = $1::uuid AND deleted_at IS NULL)",
        3, params, error);
  }
  if (!range)
    return FALSE;
  if (PQntuples (range) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  if (rvi_db_bool (range, 0, 4) || rvi_db_bool (range, 0, 5)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "from must be before to, at most %d days apart", MAX_RANGE_DAYS);
    return FALSE;
  }
  {
    const char *params[] = { req->path_id, PQgetvalue (range, 0, 0), PQgetvalue (range, 0, 1) };
    segs = rvi_db_exec (conn,
        "SELECT id, rvi_time(start_at) AS start, rvi_time(end_at) AS end, duration_us, bytes,"
        " status = 'open' AS recording, repaired, codec, width, height, node"
        " FROM segments WHERE camera_id = $1::uuid AND status <> 'deleting'"
        " AND start_at < $3::timestamptz AND coalesce(end_at, now()) > $2::timestamptz"
        " ORDER BY start_at LIMIT 10000", 3, params, error);
    if (!segs)
      return FALSE;
    gaps = rvi_db_exec (conn,
        "SELECT rvi_time(start_at) AS start, rvi_time(end_at) AS end, cause, detail"
        " FROM gaps WHERE camera_id = $1::uuid AND start_at < $3::timestamptz"
        " AND coalesce(end_at, now()) > $2::timestamptz ORDER BY start_at LIMIT 10000",
        3, params, error);
    if (!gaps)
      return FALSE;
  }
  obj = json_object_new ();
  json_object_set_string_member (obj, "camera_id", req->path_id);
  json_object_set_string_member (obj, "from", PQgetvalue (range, 0, 2));
  json_object_set_string_member (obj, "to", PQgetvalue (range, 0, 3));
  json_object_set_member (obj, "segments", rvi_json_from_rows (segs));
  json_object_set_member (obj, "gaps", rvi_json_from_rows (gaps));
  json_object_set_member (obj, "samples", empty_array ());
  json_object_set_member (obj, "alerts", empty_array ());
  json_object_set_member (obj, "marks", empty_array ());
  json_object_set_member (obj, "decisions", empty_array ());
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, obj);
  rvi_request_reply (req, 200, root);
  return TRUE;
}
