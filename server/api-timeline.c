/* api-timeline.c: what cameras recorded over [from, to) and why they did
 * not record the rest.
 *
 * One camera (GET /api/cameras/{id}/timeline): segments, gaps with causes,
 * key-frame samples (thinned to at most max_samples, evenly over the
 * range: the first sample of each of max_samples equal slices), tamper
 * alerts, the marks made on the camera, and the decisions based on it
 * (naming it) or on lots whose inspections watched it. Defaults: to = now, from = to - 24 h; at most 31
 * days per request.
 *
 * Several cameras (GET /api/timeline): `cameras=ID,ID,...` (at most 16) or
 * `lot_id=ID` (the cameras of the lot's inspections; from and to default
 * to the inspections' span, five minutes either side), one timeline per
 * camera in the same shape, over one common range, so a replay of all of
 * a lot's cameras shares one scrub bar. max_samples is per camera. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-timeline.h"
#include "api-audit.h"
#include "db.h"
#include "identifiers.h"
#include "node-proxy.h"
#include "rvi-error.h"

#define MAX_RANGE_DAYS 31
#define DEFAULT_SAMPLES 1000
#define MAX_SAMPLES 20000
#define MAX_CAMERAS 16

/* The queries of one camera's timeline: $1 camera, $2 from, $3 to (and $4
 * max samples for the samples). */
static const char *const camera_queries[] = {
  /* a segment left open by a node that stopped (node-proxy.h) is
   * interrupted: it ends, as far as anyone knows, when its node was last
   * seen, until that node runs again and closes it */
  "SELECT s.id, rvi_time(s.start_at) AS start, rvi_time(coalesce(s.end_at, i.seen)) AS end,"
  " s.duration_us, s.bytes, s.status = 'open' AND i.seen IS NULL AS recording,"
  " i.seen IS NOT NULL AS interrupted, s.repaired, s.codec, s.width, s.height, s.node"
  " FROM segments s LEFT JOIN (SELECT o.id, greatest(o.start_at, least(n.last_seen, now()))"
  "   AS seen FROM segments o LEFT JOIN nodes n ON n.name = o.node"
  "   WHERE o.camera_id = $1::uuid AND " RVI_SEGMENT_INTERRUPTED_SQL ("o") ") i ON i.id = s.id"
  " WHERE s.camera_id = $1::uuid AND s.status <> 'deleting'"
  " AND s.start_at < $3::timestamptz AND coalesce(s.end_at, now()) > $2::timestamptz"
  " ORDER BY s.start_at LIMIT 10000",

  "SELECT rvi_time(start_at) AS start, rvi_time(end_at) AS end, cause, detail"
  " FROM gaps WHERE camera_id = $1::uuid AND start_at < $3::timestamptz"
  " AND coalesce(end_at, now()) > $2::timestamptz ORDER BY start_at LIMIT 10000",

  /* one index probe per slice: cost follows max_samples, not the rows */
  "SELECT f.id, rvi_time(f.at) AS at, '/api/frame-samples/' || f.id AS url, f.width,"
  " f.height, json_build_object('luma', f.luma, 'contrast', f.contrast, 'sharpness',"
  " f.sharpness, 'difference', f.difference, 'similarity', f.similarity) AS metrics"
  " FROM generate_series(0, $4::int - 1) k CROSS JOIN LATERAL (SELECT * FROM frame_samples"
  "   WHERE camera_id = $1::uuid"
  "   AND at >= $2::timestamptz + k * (($3::timestamptz - $2::timestamptz) / $4::int)"
  "   AND at < least($3::timestamptz,"
  "            $2::timestamptz + (k + 1) * (($3::timestamptz - $2::timestamptz) / $4::int))"
  "   ORDER BY at LIMIT 1) f",

  "SELECT id, kind, rvi_time(started_at) AS start, rvi_time(ended_at) AS end"
  " FROM camera_alerts WHERE camera_id = $1::uuid AND started_at < $3::timestamptz"
  " AND coalesce(ended_at, now()) > $2::timestamptz ORDER BY started_at LIMIT 10000",

  "SELECT m.id, rvi_time(m.at) AS at, m.lot_id, m.inspection_id, m.wagon_id, m.reason_code,"
  " m.note, m.region, m.supersedes_id, u.display_name AS created_by_name,"
  " EXISTS (SELECT 1 FROM marks s WHERE s.supersedes_id = m.id) AS superseded,"
  " rvi_mark_still_json(m.id, m.camera_id) AS still"
  " FROM marks m JOIN users u ON u.id = m.created_by WHERE m.camera_id = $1::uuid"
  " AND m.at >= $2::timestamptz AND m.at < $3::timestamptz ORDER BY m.at LIMIT 10000",

  "SELECT d.id, rvi_time(d.decided_at) AS at, d.lot_id, l.lot_no, d.category, d.reasons,"
  " rvi_time(d.window_start) AS window_start, rvi_time(d.window_end) AS window_end,"
  " u.display_name AS decided_by_name,"
  " EXISTS (SELECT 1 FROM decisions s WHERE s.supersedes_id = d.id) AS superseded"
  " FROM decisions d JOIN lots l ON l.id = d.lot_id JOIN users u ON u.id = d.decided_by"
  " WHERE d.decided_at >= $2::timestamptz AND d.decided_at < $3::timestamptz"
  " AND ($1::uuid = ANY (d.cameras) OR EXISTS (SELECT 1 FROM inspections i"
  "      WHERE i.lot_id = d.lot_id AND $1::uuid = ANY (i.cameras)))"
  " ORDER BY d.decided_at LIMIT 10000",
};
static const char *const camera_members[] = {
  "segments", "gaps", "samples", "alerts", "marks", "decisions",
};

/* The statement of one camera's timeline: the queries above, each folded
 * into a JSON array by PostgreSQL, in one object with the range. The
 * database writes the JSON text itself: a day of 10 s segments is 8640
 * rows, and building them as a JSON tree here took longer than the
 * queries. */
static gpointer
build_timeline_sql (gpointer unused)
{
  GString *sql = g_string_new ("SELECT json_build_object('camera_id', $1::uuid");

  for (guint i = 0; i < G_N_ELEMENTS (camera_queries); i++)
    g_string_append_printf (sql, ", '%s', (SELECT coalesce(json_agg(q), '[]'::json) FROM (%s) q)",
                            camera_members[i], camera_queries[i]);
  g_string_append (sql, ", 'from', rvi_time($2::timestamptz), 'to', rvi_time($3::timestamptz))"
                        "::text");
  return g_string_free (sql, FALSE);
}

/* One camera's timeline over [from, to) as JSON text (transfer full);
 * NULL with @error. */
static char *
camera_timeline (PGconn *conn, const char *camera, const char *from, const char *to,
                 const char *max, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  const char *sql = g_once (&once, build_timeline_sql, NULL);
  const char *params[] = { camera, from, to, max };
  g_autoptr (PGresult) res = rvi_db_exec (conn, sql, 4, params, error);

  return res ? g_strdup (PQgetvalue (res, 0, 0)) : NULL;
}

static void
reply_text (RviRequest *req, char *json)
{
  req->text_body = json;
  req->text_type = "application/json";
  req->status = 200;
}

/* max_samples from the query, as text; NULL with @error. */
static char *
max_samples (RviRequest *req, GError **error)
{
  const char *text = rvi_request_query (req, "max_samples");
  gint64 n = DEFAULT_SAMPLES;

  if (text && !g_ascii_string_to_signed (text, 10, 1, MAX_SAMPLES, &n, NULL)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "max_samples must be an integer from 1 to %d", MAX_SAMPLES);
    return NULL;
  }
  return g_strdup_printf ("%" G_GINT64_FORMAT, n);
}

/* The range: [from, to) as the database resolves the defaults (to = now,
 * from = to - 1 day, or @default_from / @default_to when given), checked.
 * Columns: from, to (timestamptz text), and their rvi_time(). */
static PGresult *
resolve_range (PGconn *conn, RviRequest *req, const char *default_from, const char *default_to,
               GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *from = rvi_query_time (rvi_request_query (req, "from"), "from", &local);
  g_autofree char *to = local ? NULL : rvi_query_time (rvi_request_query (req, "to"), "to", &local);
  const char *params[] = { from, to, default_from, default_to };
  g_autoptr (PGresult) range = NULL;

  if (local) {
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  range = rvi_db_exec (conn,
      "SELECT f, t, rvi_time(f), rvi_time(t), t - f > make_interval(days => "
      G_STRINGIFY (MAX_RANGE_DAYS) "), t <= f FROM ("
      " SELECT coalesce($1::timestamptz, $3::timestamptz,"
      "                 coalesce($2::timestamptz, $4::timestamptz, now()) - interval '1 day') f,"
      "        coalesce($2::timestamptz, $4::timestamptz, now()) t) r", 4, params, error);
  if (!range)
    return NULL;
  if (rvi_db_bool (range, 0, 4) || rvi_db_bool (range, 0, 5)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "from must be before to, at most %d days apart", MAX_RANGE_DAYS);
    return NULL;
  }
  return g_steal_pointer (&range);
}

gboolean
rvi_api_timeline_get (RviRequest *req, PGconn *conn, GError **error)
{
  const char *params[] = { req->path_id };
  g_autofree char *max = max_samples (req, error);
  g_autoptr (PGresult) exists = NULL;
  g_autoptr (PGresult) range = NULL;
  char *json;

  if (!max)
    return FALSE;
  exists = rvi_db_exec (conn, "SELECT 1 FROM cameras WHERE id = $1::uuid AND deleted_at IS NULL",
                        1, params, error);
  if (!exists)
    return FALSE;
  if (PQntuples (exists) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  if (!(range = resolve_range (conn, req, NULL, NULL, error))
      || !(json = camera_timeline (conn, req->path_id, PQgetvalue (range, 0, 0),
                                   PQgetvalue (range, 0, 1), max, error)))
    return FALSE;
  reply_text (req, json);
  return TRUE;
}

/* The cameras of @lot's inspections and their span (5 min either side). */
static PGresult *
lot_cameras (PGconn *conn, const char *lot, GError **error)
{
  const char *params[] = { lot };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT (SELECT coalesce(array_agg(DISTINCT cam ORDER BY cam), '{}')::text"
      "          FROM inspections i, unnest(i.cameras) cam WHERE i.lot_id = l.id),"
      "       (SELECT min(opened_at) - interval '5 minutes' FROM inspections WHERE lot_id = l.id),"
      "       (SELECT max(coalesce(signed_at, now())) + interval '5 minutes' FROM inspections"
      "          WHERE lot_id = l.id)"
      " FROM lots l WHERE l.id = $1::uuid", 1, params, error);

  if (res && PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such lot");
    return NULL;
  }
  return g_steal_pointer (&res);
}

gboolean
rvi_api_timeline_many (RviRequest *req, PGconn *conn, GError **error)
{
  const char *list = rvi_request_query (req, "cameras");
  const char *lot = rvi_request_query (req, "lot_id");
  g_autofree char *max = max_samples (req, error);
  g_autoptr (PGresult) lot_res = NULL;
  g_autoptr (PGresult) range = NULL;
  g_autoptr (PGresult) known = NULL;
  g_auto (GStrv) ids = NULL;
  g_autofree char *array = NULL;
  g_autoptr (GString) out = g_string_new ("{");

  if (!max)
    return FALSE;
  if (!!list == !!lot) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "give either cameras (a comma-separated list of camera ids) or lot_id");
    return FALSE;
  }
  if (lot) {
    if (!rvi_is_uuid (lot)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "lot_id must be a UUID");
      return FALSE;
    }
    if (!(lot_res = lot_cameras (conn, lot, error)))
      return FALSE;
    array = g_strdup (PQgetvalue (lot_res, 0, 0));
  } else {
    ids = g_strsplit (list, ",", -1);
    if (!ids[0] || g_strv_length (ids) > MAX_CAMERAS) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "cameras: 1 to %d camera ids",
                   MAX_CAMERAS);
      return FALSE;
    }
    for (guint i = 0; ids[i]; i++)
      if (!rvi_is_uuid (ids[i])) {
        g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "cameras: %s is not a UUID",
                     ids[i]);
        return FALSE;
      }
    array = g_strdup_printf ("{%s}", list);
  }
  {
    const char *params[] = { array };
    known = rvi_db_exec (conn, "SELECT c.id FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n)"
                         " LEFT JOIN cameras c ON c.id = u.id AND c.deleted_at IS NULL"
                         " ORDER BY u.n", 1, params, error);
  }
  if (!known)
    return FALSE;
  for (int i = 0; i < PQntuples (known); i++)
    if (PQgetisnull (known, i, 0)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera: %s",
                   ids ? ids[i] : "(of the lot)");
      return FALSE;
    }
  if (!(range = resolve_range (conn, req,
                               lot_res && !PQgetisnull (lot_res, 0, 1) ? PQgetvalue (lot_res, 0, 1)
                                                                       : NULL,
                               lot_res && !PQgetisnull (lot_res, 0, 2) ? PQgetvalue (lot_res, 0, 2)
                                                                       : NULL, error)))
    return FALSE;
  /* the values are ours: a checked UUID and times as rvi_time() writes them */
  if (lot)
    g_string_append_printf (out, "\"lot_id\":\"%s\",", lot);
  g_string_append_printf (out, "\"from\":\"%s\",\"to\":\"%s\",\"cameras\":[",
                          PQgetvalue (range, 0, 2), PQgetvalue (range, 0, 3));
  for (int i = 0; i < PQntuples (known); i++) {
    g_autofree char *one = camera_timeline (conn, PQgetvalue (known, i, 0),
                                            PQgetvalue (range, 0, 0), PQgetvalue (range, 0, 1),
                                            max, error);
    if (!one)
      return FALSE;
    g_string_append_printf (out, "%s%s", i ? "," : "", one);
  }
  g_string_append (out, "]}");
  reply_text (req, g_string_free (g_steal_pointer (&out), FALSE));
  return TRUE;
}
