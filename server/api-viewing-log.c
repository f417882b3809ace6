/* api-viewing-log.c: GET /api/viewing-log?cameras=ID,ID&limit=N, who
 * watched which camera live or replayed which range of it, and when.
 *
 * The log is read from the audit log, so it is as tamper-evident as the
 * rest of it: a live session is its `live_session_started` event joined to
 * the session's `live_session_ended` (live-sessions.c; `to` stays null
 * while the session is open, or when the server stopped before it could
 * write the end), shown as action `live_viewed` with its transport; a
 * replay is a `replay_viewed` event (a playlist served, api-replay.c) with
 * its range. Cameras: at most MAX_CAMERAS; newest first; limit 1-1000,
 * default 100. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-replay.h"
#include "db.h"
#include "identifiers.h"
#include "json-rows.h"
#include "rvi-error.h"

#define MAX_CAMERAS 16

/* "{a,b}" for a text[] parameter from the checked list (transfer full). */
static char *
camera_array (const char *list, GError **error)
{
  g_auto (GStrv) ids = list ? g_strsplit (list, ",", -1) : NULL;
  guint n = ids ? g_strv_length (ids) : 0;

  if (n == 0 || n > MAX_CAMERAS) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "cameras: 1 to %d camera ids, separated by commas", MAX_CAMERAS);
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    if (!rvi_is_uuid (ids[i])) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "cameras: %s is not a camera id",
                   ids[i]);
      return NULL;
    }
    for (char *c = ids[i]; *c; c++)
      *c = g_ascii_tolower (*c);   /* audit target ids are written lower case */
  }
  {
    g_autofree char *joined = g_strjoinv (",", ids);
    return g_strconcat ("{", joined, "}", NULL);
  }
}

gboolean
rvi_api_viewing_log (RviRequest *req, PGconn *conn, GError **error)
{
  g_autofree char *cameras = camera_array (rvi_request_query (req, "cameras"), error);
  const char *limit = rvi_request_query (req, "limit");
  const char *params[] = { cameras, limit ? limit : "100" };
  g_autoptr (PGresult) res = NULL;

  if (!cameras)
    return FALSE;
  if (!g_ascii_string_to_signed (params[1], 10, 1, 1000, NULL, NULL)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "limit must be an integer from 1 to "
                 "1000");
    return FALSE;
  }
  res = rvi_db_exec (conn,
      "SELECT rvi_time(e.at) AS at, e.actor_id, e.actor_name, u.role AS actor_role,"
      " CASE e.action WHEN 'replay_viewed' THEN 'replay_viewed' ELSE 'live_viewed' END AS action,"
      " e.target_id AS camera_id, c.name AS camera_name, e.detail->>'from' AS \"from\","
      " coalesce(e.detail->>'to', x.detail->>'to') AS \"to\","
      " e.detail->>'transport' AS transport"
      " FROM audit_events e LEFT JOIN cameras c ON c.id::text = e.target_id"
      " LEFT JOIN users u ON u.id = e.actor_id"
      " LEFT JOIN LATERAL (SELECT x.detail FROM audit_events x"
      "   WHERE e.action = 'live_session_started' AND x.target_id = e.target_id"
      "   AND x.action = 'live_session_ended'"
      "   AND x.detail->>'session' = e.detail->>'session' LIMIT 1) x ON true"
      " WHERE e.target_id = ANY ($1::text[])"
      " AND e.action IN ('live_session_started', 'replay_viewed')"
      " ORDER BY e.seq DESC LIMIT $2::int", 2, params, error);
  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("views", rvi_json_from_rows (res)));
  return TRUE;
}
