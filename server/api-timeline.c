/* api-timeline.c: a camera's timeline over [from, to): segments, gaps,
 * key-frame samples (thinned to at most max_samples, evenly over the
 * range: the first sample of each of max_samples equal slices) and tamper
 * alerts. Defaults: to = now, from = to - 24 h; at most 31 days per
 * request. Marks and decisions come with issue 6; their arrays are present
 * (empty) so clients can rely on the shape. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-timeline.h"
#include "api-audit.h"
#include "db.h"
#include "json-rows.h"
#include "rvi-error.h"

#define MAX_RANGE_DAYS 31
#define DEFAULT_SAMPLES 1000
#define MAX_SAMPLES 20000

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
  g_autoptr (PGresult) samples = NULL;
  g_autoptr (PGresult) alerts = NULL;
  const char *max_text = rvi_request_query (req, "max_samples");
  gint64 max_samples = DEFAULT_SAMPLES;
  g_autofree char *max = NULL;
  JsonObject *obj;
  JsonNode *root;

  if (local) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (max_text && !g_ascii_string_to_signed (max_text, 10, 1, MAX_SAMPLES, &max_samples, NULL)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "max_samples must be an integer from 1 to %d", MAX_SAMPLES);
    return FALSE;
  }
  max = g_strdup_printf ("%" G_GINT64_FORMAT, max_samples);
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
  {
    const char *params[] = { req->path_id, PQgetvalue (range, 0, 0), PQgetvalue (range, 0, 1),
                             max };
    /* one index probe per slice: cost follows max_samples, not the rows */
    samples = rvi_db_exec (conn,
        "SELECT f.id, rvi_time(f.at) AS at, '/api/frame-samples/' || f.id AS url, f.width,"
        " f.height, json_build_object('luma', f.luma, 'contrast', f.contrast, 'sharpness',"
        " f.sharpness, 'difference', f.difference, 'similarity', f.similarity) AS metrics"
        " FROM generate_series(0, $4::int - 1) k CROSS JOIN LATERAL (SELECT * FROM frame_samples"
        "   WHERE camera_id = $1::uuid"
        "   AND at >= $2::timestamptz + k * (($3::timestamptz - $2::timestamptz) / $4::int)"
        "   AND at < least($3::timestamptz,"
        "            $2::timestamptz + (k + 1) * (($3::timestamptz - $2::timestamptz) / $4::int))"
        "   ORDER BY at LIMIT 1) f", 4, params, error);
    if (!samples)
      return FALSE;
    alerts = rvi_db_exec (conn,
        "SELECT id, kind, rvi_time(started_at) AS start, rvi_time(ended_at) AS end"
        " FROM camera_alerts WHERE camera_id = $1::uuid AND started_at < $3::timestamptz"
        " AND coalesce(ended_at, now()) > $2::timestamptz ORDER BY started_at LIMIT 10000",
        3, params, error);
    if (!alerts)
      return FALSE;
  }
  obj = json_object_new ();
  json_object_set_string_member (obj, "camera_id", req->path_id);
  json_object_set_string_member (obj, "from", PQgetvalue (range, 0, 2));
  json_object_set_string_member (obj, "to", PQgetvalue (range, 0, 3));
  json_object_set_member (obj, "segments", rvi_json_from_rows (segs));
  json_object_set_member (obj, "gaps", rvi_json_from_rows (gaps));
  json_object_set_member (obj, "samples", rvi_json_from_rows (samples));
  json_object_set_member (obj, "alerts", rvi_json_from_rows (alerts));
  json_object_set_member (obj, "marks", empty_array ());
  json_object_set_member (obj, "decisions", empty_array ());
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, obj);
  rvi_request_reply (req, 200, root);
  return TRUE;
}
