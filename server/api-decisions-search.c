/* api-decisions-search.c: GET /api/decisions, the search over all
 * decisions for auditors and inspectors, and the decisions of one lot. */
#define G_LOG_DOMAIN "rvi-decisions"
#include "api-decisions.h"
#include "api-decisions-query.h"
#include "db.h"
#include "identifiers.h"
#include "json-rows.h"
#include "rvi-error.h"

#define DEFAULT_LIMIT 100
#define MAX_LIMIT 500

static gboolean
bad_input (GError **error, const char *message)
{
  g_set_error_literal (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, message);
  return FALSE;
}

/* The search's filters, checked, as text parameters (NULL = any). */
typedef struct {
  char declaration[RVI_DECLARATION_NUMBER_LEN + 1];
  RviWagonNumber wagon;
  char *from, *to, *limit;
} Filters;

static void
filters_clear (Filters *f)
{
  g_free (f->from);
  g_free (f->to);
  g_free (f->limit);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Filters, filters_clear)

static gboolean
read_filters (RviRequest *req, Filters *f, GError **error)
{
  static const char *const known[] = { "declaration_no", "lot_id", "wagon", "inspector", "from",
                                       "to", "category", "state", "limit", NULL };
  static const char *const states[] = { "effective", "pending_approval", "rejected",
                                        "superseded", NULL };
  const char *decl = rvi_request_query (req, "declaration_no");
  const char *lot = rvi_request_query (req, "lot_id");
  const char *wagon = rvi_request_query (req, "wagon");
  const char *inspector = rvi_request_query (req, "inspector");
  const char *category = rvi_request_query (req, "category");
  const char *st = rvi_request_query (req, "state");
  const char *limit = rvi_request_query (req, "limit");
  const char *from = rvi_request_query (req, "from");
  const char *to = rvi_request_query (req, "to");
  g_autoptr (GDateTime) t0 = NULL;
  g_autoptr (GDateTime) t1 = NULL;
  GHashTableIter it;
  gpointer name;
  gint64 n = DEFAULT_LIMIT;

  g_hash_table_iter_init (&it, req->query);
  while (g_hash_table_iter_next (&it, &name, NULL))
    if (!g_strv_contains (known, name)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "unknown filter \"%.64s\"",
                   (const char *) name);
      return FALSE;
    }
  if (decl && rvi_declaration_number_check (decl, f->declaration) != RVI_ID_VALID)
    return bad_input (error, "declaration_no must be an 18-digit declaration number");
  if (lot && !rvi_is_uuid (lot))
    return bad_input (error, "lot_id must be a UUID");
  if (wagon && rvi_wagon_number_parse (wagon, &f->wagon) == RVI_WAGON_UNKNOWN)
    return bad_input (error, "wagon must be a wagon or container number");
  if (inspector && (!*inspector || strlen (inspector) > 64
                    || strspn (inspector, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789._-") != strlen (inspector)))
    return bad_input (error, "inspector must be a user name");
  if (category && !rvi_decision_is_code (category))
    return bad_input (error, "category must be a decision category code");
  if (st && !g_strv_contains (states, st))
    return bad_input (error, "state must be effective, pending_approval, rejected or superseded");
  if (limit && !g_ascii_string_to_signed (limit, 10, 1, MAX_LIMIT, &n, NULL))
    return bad_input (error, "limit must be an integer between 1 and 500");
  if ((from && !(t0 = rvi_decision_parse_time (from, "from", error)))
      || (to && !(t1 = rvi_decision_parse_time (to, "to", error))))
    return FALSE;
  if (t0 && t1 && g_date_time_compare (t0, t1) >= 0)
    return bad_input (error, "from must be before to");
  f->from = t0 ? g_date_time_format_iso8601 (t0) : NULL;
  f->to = t1 ? g_date_time_format_iso8601 (t1) : NULL;
  f->limit = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  return TRUE;
}

gboolean
rvi_api_decisions_list (RviRequest *req, PGconn *conn, GError **error)
{
  g_auto (Filters) f = { 0 };
  g_autoptr (PGresult) res = NULL;
  const char *category = rvi_request_query (req, "category");

  if (!read_filters (req, &f, error))
    return FALSE;
  if (category) {
    const char *params[] = { category };
    res = rvi_db_exec (conn, "SELECT 1 FROM decision_categories WHERE code = $1", 1, params,
                       error);
    if (!res)
      return FALSE;
    if (PQntuples (res) == 0)
      return bad_input (error, "unknown category");
    g_clear_pointer (&res, PQclear);
  }
  {
    const char *params[] = {
      rvi_request_query (req, "declaration_no") ? f.declaration : NULL,
      rvi_request_query (req, "lot_id"),
      rvi_request_query (req, "wagon") ? f.wagon.normalized : NULL,
      rvi_request_query (req, "inspector"), f.from, f.to, category,
      rvi_request_query (req, "state"), f.limit,
    };
    res = rvi_db_exec (conn, RVI_DECISION_QUERY
        " WHERE ($1::text IS NULL OR dc.number = $1)"
        " AND ($2::uuid IS NULL OR d.lot_id = $2::uuid)"
        " AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM wagons w WHERE w.lot_id = d.lot_id"
        "   AND upper (regexp_replace (w.number, '[^0-9A-Za-z]', '', 'g')) = $3))"
        " AND ($4::text IS NULL OR lower (u.username) = lower ($4))"
        " AND ($5::timestamptz IS NULL OR d.decided_at >= $5::timestamptz)"
        " AND ($6::timestamptz IS NULL OR d.decided_at < $6::timestamptz)"
        " AND ($7::text IS NULL OR d.category = $7)"
        " AND ($8::text IS NULL OR st.state = $8)"
        " ORDER BY d.decided_at DESC, d.id DESC LIMIT $9::int", 9, params, error);
  }
  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("decisions", rvi_json_from_rows (res)));
  return TRUE;
}

gboolean
rvi_api_decisions_get (RviRequest *req, PGconn *conn, GError **error)
{
  const char *params[] = { req->path_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, RVI_DECISION_QUERY " WHERE d.id = $1::uuid", 1,
                                          params, error);

  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such decision");
    return FALSE;
  }
  rvi_request_reply (req, 200, rvi_json_wrap ("decision", rvi_json_from_row (res, 0)));
  return TRUE;
}

JsonNode *
rvi_api_decisions_of_lot (PGconn *conn, const char *lot_id, GError **error)
{
  const char *params[] = { lot_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, RVI_DECISION_QUERY " WHERE d.lot_id = $1::uuid"
                                          " ORDER BY d.decided_at DESC, d.id DESC", 1, params,
                                          error);

  return res ? rvi_json_from_rows (res) : NULL;
}
