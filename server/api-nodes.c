/* api-nodes.c: nodes with their heartbeat and free disk (for the
 * operator's health page). A node is alive when its heartbeat is younger
 * than 15 s. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-nodes.h"
#include "db.h"
#include "json-rows.h"

gboolean
rvi_api_nodes_list (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT name, rvi_time(started_at) AS started_at, rvi_time(last_seen) AS last_seen,"
      " last_seen > now() - interval '15 seconds' AS alive, disk_free_bytes, disk_total_bytes"
      " FROM nodes ORDER BY name", 0, NULL, error);

  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("nodes", rvi_json_from_rows (res)));
  return TRUE;
}
