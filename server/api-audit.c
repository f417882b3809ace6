/* api-audit.c: listing audit events, newest first, with filters and
 * keyset paging (before_seq). */
#define G_LOG_DOMAIN "rvi-audit"
#include "api-audit.h"
#include "db.h"
#include "json-rows.h"
#include "rvi-error.h"

#define DEFAULT_LIMIT 100
#define MAX_LIMIT 1000

char *
rvi_query_time (const char *value, const char *name, GError **error)
{
  g_autoptr (GDateTime) dt = NULL;

  if (!value)
    return NULL;
  dt = g_date_time_new_from_iso8601 (value, NULL);
  if (!dt) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "%s must be an RFC 3339 time such as 2026-11-28T03:04:05.250Z", name);
    return NULL;
  }
  return g_date_time_format_iso8601 (dt);
}

static gboolean
parse_int (const char *value, const char *name, gint64 min, gint64 max, gint64 *out,
           GError **error)
{
  if (!value)
    return TRUE;
  if (!g_ascii_string_to_signed (value, 10, min, max, out, NULL)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "%s must be an integer between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                 name, min, max);
    return FALSE;
  }
  return TRUE;
}

gboolean
rvi_api_audit_list (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *from = rvi_query_time (rvi_request_query (req, "from"), "from", &local);
  g_autofree char *to = local ? NULL : rvi_query_time (rvi_request_query (req, "to"), "to", &local);
  gint64 limit = DEFAULT_LIMIT, before = 0;
  g_autofree char *limit_s = NULL;
  g_autofree char *before_s = NULL;
  g_autoptr (PGresult) res = NULL;

  if (local) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (!parse_int (rvi_request_query (req, "limit"), "limit", 1, MAX_LIMIT, &limit, error)
      || !parse_int (rvi_request_query (req, "before_seq"), "before_seq", 1, G_MAXINT64, &before,
                     error))
    return FALSE;
  limit_s = g_strdup_printf ("%" G_GINT64_FORMAT, limit);
  before_s = before ? g_strdup_printf ("%" G_GINT64_FORMAT, before) : NULL;
  {
    const char *params[] = { rvi_request_query (req, "action"), rvi_request_query (req, "actor"),
                             from, to, before_s, limit_s };
    res = rvi_db_exec (conn,
        "SELECT seq, id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at,"
        " actor_id, actor_name, action, target_type, target_id, detail, address"
        " FROM audit_events"
        " WHERE ($1::text IS NULL OR action = $1)"
        " AND ($2::text IS NULL OR lower(actor_name) = lower($2))"
        " AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)"
        " AND ($4::timestamptz IS NULL OR at < $4::timestamptz)"
        " AND ($5::bigint IS NULL OR seq < $5::bigint)"
        " ORDER BY seq DESC LIMIT $6::int", 6, params, error);
  }
  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("events", rvi_json_from_rows (res)));
  return TRUE;
}
