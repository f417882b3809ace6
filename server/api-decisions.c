/* api-decisions.c: sorting decisions on a lot, their four-eyes approval,
 * and the search for auditors and inspectors.
 *
 * DESIGN: a decision is a row that never changes (sql/003_inspection.sql);
 * its state is derived. It is superseded when a later decision names it,
 * effective when its category needs no approval or a second inspector
 * approved it, pending_approval until then, rejected when refused. Every
 * write first locks the lot's row, so the writes on one lot run one after
 * the other: the lot's status is recomputed from lot_current_decision in
 * the same transaction, and two tries of one request see each other.
 *
 * Idempotency-Key: the key is stored with the decision, unique per author.
 * A request carrying a key its author already used answers the first
 * decision again (201, header Idempotent-Replayed: true) when the request
 * is the same one (lot, category, reasons, note, cameras, window,
 * supersedes, inspection), and 409 when it is not. Of two racing tries on
 * one lot, the second waits for the lot lock and then finds the first; on
 * two lots the unique constraint refuses the second, which answers the
 * first's row. */
#define G_LOG_DOMAIN "rvi-decisions"
#include "api-decisions.h"
#include "api-decisions-query.h"
#include "db.h"
#include "identifiers.h"
#include "json-rows.h"
#include "rvi-error.h"

#define FUTURE_SLACK_US (60 * G_USEC_PER_SEC)
#define KEY_MAX_CHARS 200

static const RviJsonField create_fields[] = {
  { "category", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 64 },
  { "reasons", RVI_JSON_ARRAY, RVI_FIELD_REQUIRED, 32 },
  { "note", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 4000 },
  { "cameras", RVI_JSON_ARRAY, RVI_FIELD_REQUIRED, 64 },
  { "from", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 40 },
  { "to", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 40 },
  { "supersedes", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 36 },
  { "inspection_id", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 36 },
};
const RviJsonShape rvi_api_decisions_create_shape = RVI_JSON_SHAPE (create_fields);

static const RviJsonField approve_fields[] = {
  { "approve", RVI_JSON_BOOL, RVI_FIELD_REQUIRED, 0 },
  { "note", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 2000 },
};
const RviJsonShape rvi_api_decisions_approve_shape = RVI_JSON_SHAPE (approve_fields);

/* A decision request, validated, as text parameters. */
typedef struct {
  const char *category;
  const char *note;
  char *reasons;        /* PostgreSQL array literals */
  char *cameras;
  char *from;           /* canonical RFC 3339 */
  char *to;
  const char *supersedes;
  const char *inspection;
} NewDecision;

static void
new_decision_clear (NewDecision *nd)
{
  g_free (nd->reasons);
  g_free (nd->cameras);
  g_free (nd->from);
  g_free (nd->to);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NewDecision, new_decision_clear)

/* A reason or category code: ^[A-Z][A-Z0-9_]{0,63}$ as in the schema. */
gboolean
rvi_decision_is_code (const char *s)
{
  gsize n = strlen (s);

  if (n < 1 || n > 64 || !g_ascii_isupper (s[0]))
    return FALSE;
  for (gsize i = 1; i < n; i++)
    if (!g_ascii_isupper (s[i]) && !g_ascii_isdigit (s[i]) && s[i] != '_')
      return FALSE;
  return TRUE;
}

GDateTime *
rvi_decision_parse_time (const char *value, const char *name, GError **error)
{
  GDateTime *dt = value ? g_date_time_new_from_iso8601 (value, NULL) : NULL;

  if (!dt)
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s must be " RVI_DECISION_TIME_HINT, name);
  return dt;
}

/* The array member @name of strings (UUIDs when @uuids, else codes) as a
 * PostgreSQL array literal (transfer full). Empty arrays are refused. */
static char *
array_literal (JsonObject *body, const char *name, gboolean uuids, GError **error)
{
  JsonArray *array = json_object_get_array_member (body, name);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) lit = g_string_new ("{");
  guint n = json_array_get_length (array);

  if (n == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s must not be empty", name);
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (array, i);
    const char *s;

    if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_WRONG_TYPE, "field \"%s\" must hold strings",
                   name);
      return NULL;
    }
    s = json_node_get_string (node);
    if (uuids && !rvi_is_uuid (s)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s must hold camera UUIDs", name);
      return NULL;
    }
    if (!uuids && !rvi_decision_is_code (s)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "unknown reason code \"%.64s\"", s);
      return NULL;
    }
    if (!g_hash_table_add (seen, (gpointer) s)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s lists %s twice", name, s);
      return NULL;
    }
    g_string_append_printf (lit, "%s\"%s\"", i ? "," : "", s);
  }
  g_string_append_c (lit, '}');
  return g_string_free (g_steal_pointer (&lit), FALSE);
}

/* Checks what can be checked without the database. */
static gboolean
read_new_decision (RviRequest *req, NewDecision *nd, GError **error)
{
  JsonObject *body = req->json;
  g_autoptr (GDateTime) from = NULL;
  g_autoptr (GDateTime) to = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  const char *key = req->idempotency_key;

  if (key && (!g_utf8_validate (key, -1, NULL) || !*key
              || g_utf8_strlen (key, -1) > KEY_MAX_CHARS)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "Idempotency-Key must be 1 to %d characters of UTF-8", KEY_MAX_CHARS);
    return FALSE;
  }
  nd->category = rvi_json_get_string (body, "category");
  nd->note = rvi_json_get_string (body, "note");
  nd->note = nd->note ? nd->note : "";
  nd->supersedes = rvi_json_get_string (body, "supersedes");
  nd->inspection = rvi_json_get_string (body, "inspection_id");
  if (!rvi_decision_is_code (nd->category)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "unknown category \"%s\"",
                 nd->category);
    return FALSE;
  }
  if ((nd->supersedes && !rvi_is_uuid (nd->supersedes))
      || (nd->inspection && !rvi_is_uuid (nd->inspection))) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "supersedes and inspection_id must be UUIDs");
    return FALSE;
  }
  if (!(nd->reasons = array_literal (body, "reasons", FALSE, error))
      || !(nd->cameras = array_literal (body, "cameras", TRUE, error))
      || !(from = rvi_decision_parse_time (rvi_json_get_string (body, "from"), "from", error))
      || !(to = rvi_decision_parse_time (rvi_json_get_string (body, "to"), "to", error)))
    return FALSE;
  if (g_date_time_compare (from, to) >= 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "from must be before to");
    return FALSE;
  }
  if (g_date_time_difference (to, now) > FUTURE_SLACK_US) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "the window must not end in the future");
    return FALSE;
  }
  nd->from = g_date_time_format_iso8601 (from);
  nd->to = g_date_time_format_iso8601 (to);
  return TRUE;
}

/* Like rvi_db_exec; on failure also copies the SQLSTATE and the
 * constraint's name into @state and @constraint ("" when none). */
static PGresult *
exec_diag (PGconn *conn, const char *sql, int n, const char *const *params, char state[6],
           char constraint[64], GError **error)
{
  g_autoptr (PGresult) res = rvi_db_exec_result (conn, sql, n, params);
  ExecStatusType st = PQresultStatus (res);
  const char *s = PQresultErrorField (res, PG_DIAG_SQLSTATE);
  const char *c = PQresultErrorField (res, PG_DIAG_CONSTRAINT_NAME);

  state[0] = constraint[0] = '\0';
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
    return g_steal_pointer (&res);
  g_strlcpy (state, s ? s : "", 6);
  g_strlcpy (constraint, c ? c : "", 64);
  rvi_db_set_error (conn, res, error);
  return NULL;
}

/* Locks lot @lot for this transaction. 404 when there is none, 409 when
 * it is closed. */
static gboolean
lock_lot (PGconn *conn, const char *lot, GError **error)
{
  const char *params[] = { lot };
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT status FROM lots WHERE id = $1::uuid"
                                          " FOR UPDATE", 1, params, error);

  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such lot");
    return FALSE;
  }
  if (g_str_equal (PQgetvalue (res, 0, 0), "closed")) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "the lot is closed");
    return FALSE;
  }
  return TRUE;
}

/* Sets the lot's status from its current decision: decided, pending
 * approval, or back to awaiting review when it was rejected. */
static gboolean
update_lot_status (PGconn *conn, const char *lot, GError **error)
{
  const char *params[] = { lot };

  return rvi_db_run (conn,
      "UPDATE lots l SET status = CASE v.state WHEN 'effective' THEN 'decided'"
      " WHEN 'pending_approval' THEN 'pending_approval' ELSE 'awaiting_review' END"
      " FROM lot_current_decision v WHERE l.id = $1::uuid AND v.lot_id = l.id", 1, params, error);
}

static PGresult *
load_decision (PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  PGresult *res = rvi_db_exec (conn, RVI_DECISION_QUERY " WHERE d.id = $1::uuid", 1, params, error);

  if (res && PQntuples (res) != 1) {
    PQclear (res);
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such decision");
    return NULL;
  }
  return res;
}

/* Answers {id, @name: value of column @name, decision} with @status. */
static gboolean
reply_decision (RviRequest *req, PGconn *conn, const char *id, guint status, const char *name,
                const char *value, GError **error)
{
  g_autoptr (PGresult) res = load_decision (conn, id, error);
  JsonObject *obj;
  JsonNode *node;

  if (!res)
    return FALSE;
  node = rvi_json_wrap ("decision", rvi_json_from_row (res, 0));
  obj = json_node_get_object (node);
  json_object_set_string_member (obj, "id", id);
  json_object_set_string_member (obj, name, value ? value : PQgetvalue (res, 0,
                                                                         PQfnumber (res, name)));
  rvi_request_reply (req, status, node);
  return TRUE;
}

/* The answer to a create: status is what it was at creation. */
static gboolean
reply_created (RviRequest *req, PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT c.needs_approval FROM decisions d"
                                          " JOIN decision_categories c ON c.code = d.category"
                                          " WHERE d.id = $1::uuid", 1, params, error);

  if (!res)
    return FALSE;
  return reply_decision (req, conn, id, 201, "status",
                         rvi_db_bool (res, 0, 0) ? "pending_approval" : "effective", error);
}

/* Finds the decision the user made with the request's key: sets @id
 * (transfer full; NULL when none) and @same (the same request). */
static gboolean
find_keyed (RviRequest *req, PGconn *conn, const NewDecision *nd, char **id, gboolean *same,
            GError **error)
{
  const char *params[] = { req->user->id, req->idempotency_key, req->path_id, nd->category,
                           nd->reasons, nd->note, nd->cameras, nd->from, nd->to, nd->supersedes,
                           nd->inspection };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT id, lot_id = $3::uuid AND category = $4 AND reasons = $5::text[] AND note = $6"
      " AND cameras = $7::uuid[] AND window_start = $8::timestamptz"
      " AND window_end = $9::timestamptz AND supersedes_id IS NOT DISTINCT FROM $10::uuid"
      " AND inspection_id IS NOT DISTINCT FROM $11::uuid"
      " FROM decisions WHERE decided_by = $1::uuid AND idempotency_key = $2", 11, params, error);

  if (!res)
    return FALSE;
  *id = PQntuples (res) ? g_strdup (PQgetvalue (res, 0, 0)) : NULL;
  *same = PQntuples (res) && rvi_db_bool (res, 0, 1);
  return TRUE;
}

static gboolean
reply_keyed (RviRequest *req, PGconn *conn, const char *id, gboolean same, GError **error)
{
  if (!same) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT,
                 "idempotency key reused with a different request");
    return FALSE;
  }
  rvi_request_add_header (req, "Idempotent-Replayed", "true");
  return reply_created (req, conn, id, error);
}

static gboolean G_GNUC_PRINTF (3, 4)
bad_input (GError **error, RviErrorCode code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (RVI_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

/* A lot with a current decision takes a new one only as its successor:
 * two inspectors deciding at once must not both win silently, so the
 * second, whose form did not know the first, gets a 409 naming it.
 * @current is the lot's current decision as JSON {id, category, by, at}. */
static gboolean
supersedes_current (const char *current, const NewDecision *nd, GError **error)
{
  g_autoptr (JsonNode) node = json_from_string (current, NULL);
  JsonObject *o = node ? json_node_get_object (node) : NULL;
  const char *id = o ? json_object_get_string_member (o, "id") : "";

  if (nd->supersedes && g_str_equal (nd->supersedes, id))
    return TRUE;
  return bad_input (error, RVI_ERROR_CONFLICT,
                    "the lot's current decision is %s by %s at %s (%s); a new decision must"
                    " supersede it", o ? json_object_get_string_member (o, "category") : "?",
                    o ? json_object_get_string_member (o, "by") : "?",
                    o ? json_object_get_string_member (o, "at") : "?", id);
}

/* Category, reasons, cameras, the decision superseded and the inspection
 * exist and fit the lot, and the decision follows the lot's current one.
 * Sets @needs_approval. */
static gboolean
check_references (PGconn *conn, const char *lot, const NewDecision *nd, gboolean *needs_approval,
                  GError **error)
{
  const char *params[] = { nd->category, nd->reasons, nd->cameras, nd->supersedes,
                           nd->inspection, lot };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT (SELECT needs_approval FROM decision_categories WHERE code = $1),"
      " (SELECT string_agg (r, ', ') FROM unnest ($2::text[]) r"
      "   WHERE NOT EXISTS (SELECT 1 FROM reason_codes WHERE code = r)),"
      " array_to_string (rvi_unknown_cameras ($3::uuid[]), ', '),"
      " (SELECT lot_id = $6::uuid FROM decisions WHERE id = $4::uuid),"
      " EXISTS (SELECT 1 FROM decisions WHERE supersedes_id = $4::uuid),"
      " (SELECT lot_id = $6::uuid FROM inspections WHERE id = $5::uuid),"
      " (SELECT json_build_object ('id', cd.decision_id, 'category', cd.category,"
      "    'by', u.username, 'at', rvi_time (cd.decided_at))::text"
      "  FROM lot_current_decision cd JOIN users u ON u.id = cd.decided_by"
      "  WHERE cd.lot_id = $6::uuid)", 6, params, error);

  if (!res)
    return FALSE;
  if (PQgetisnull (res, 0, 0))
    return bad_input (error, RVI_ERROR_INVALID_INPUT, "unknown category \"%s\"", nd->category);
  if (!PQgetisnull (res, 0, 1))
    return bad_input (error, RVI_ERROR_INVALID_INPUT, "unknown reason code %s",
                      PQgetvalue (res, 0, 1));
  if (!PQgetisnull (res, 0, 2))
    return bad_input (error, RVI_ERROR_INVALID_INPUT, "unknown camera %s", PQgetvalue (res, 0, 2));
  if (nd->supersedes && PQgetisnull (res, 0, 3))
    return bad_input (error, RVI_ERROR_CONFLICT, "supersedes names no decision");
  if (nd->supersedes && !rvi_db_bool (res, 0, 3))
    return bad_input (error, RVI_ERROR_CONFLICT, "supersedes names a decision of another lot");
  if (rvi_db_bool (res, 0, 4))
    return bad_input (error, RVI_ERROR_CONFLICT, "that decision is already superseded");
  if (nd->inspection && !rvi_db_bool (res, 0, 5))
    return bad_input (error, RVI_ERROR_INVALID_INPUT,
                      "inspection_id names no inspection of this lot");
  if (!PQgetisnull (res, 0, 6) && !supersedes_current (PQgetvalue (res, 0, 6), nd, error))
    return FALSE;
  *needs_approval = rvi_db_bool (res, 0, 0);
  return TRUE;
}

static gboolean
audit_created (RviRequest *req, PGconn *conn, const char *id, const NewDecision *nd,
               gboolean needs_approval, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lot_id");
  json_builder_add_string_value (b, req->path_id);
  json_builder_set_member_name (b, "category");
  json_builder_add_string_value (b, nd->category);
  json_builder_set_member_name (b, "reasons");
  json_builder_add_value (b, json_node_copy (json_object_get_member (req->json, "reasons")));
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, needs_approval ? "pending_approval" : "effective");
  json_builder_set_member_name (b, "supersedes_id");
  if (nd->supersedes)
    json_builder_add_string_value (b, nd->supersedes);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  if (!rvi_request_audit (req, conn, NULL, "decision_created", "decision", id, detail, error))
    return FALSE;
  if (!nd->supersedes)
    return TRUE;
  g_clear_pointer (&detail, json_node_unref);
  json_builder_reset (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lot_id");
  json_builder_add_string_value (b, req->path_id);
  json_builder_set_member_name (b, "superseded_by");
  json_builder_add_string_value (b, id);
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  return rvi_request_audit (req, conn, NULL, "decision_superseded", "decision", nd->supersedes,
                            detail, error);
}

gboolean
rvi_api_decisions_create (RviRequest *req, PGconn *conn, GError **error)
{
  g_auto (NewDecision) nd = { 0 };
  g_autoptr (PGresult) res = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *id = NULL;
  gboolean same = FALSE, needs_approval = FALSE;
  char state[6], constraint[64];

  if (!read_new_decision (req, &nd, error) || !rvi_db_begin (conn, error)
      || !lock_lot (conn, req->path_id, error))
    return FALSE;
  if (req->idempotency_key && !find_keyed (req, conn, &nd, &id, &same, error))
    return FALSE;
  if (id) {
    rvi_db_rollback (conn);
    return reply_keyed (req, conn, id, same, error);
  }
  if (!check_references (conn, req->path_id, &nd, &needs_approval, error))
    return FALSE;
  {
    const char *params[] = { req->path_id, nd.inspection, nd.category, nd.reasons, nd.note,
                             nd.cameras, nd.from, nd.to, req->user->id, nd.supersedes,
                             req->idempotency_key };
    res = exec_diag (conn,
        "INSERT INTO decisions (lot_id, inspection_id, category, reasons, note, cameras,"
        " window_start, window_end, decided_by, supersedes_id, idempotency_key)"
        " VALUES ($1::uuid, $2::uuid, $3, $4::text[], $5, $6::uuid[], $7::timestamptz,"
        " $8::timestamptz, $9::uuid, $10::uuid, $11) RETURNING id", 11, params, state,
        constraint, &local);
  }
  if (!res && g_str_equal (constraint, "decisions_idempotency_key")) {
    /* the same key on another lot, committed meanwhile: answer that */
    rvi_db_rollback (conn);
    if (!find_keyed (req, conn, &nd, &id, &same, error))
      return FALSE;
    if (id)
      return reply_keyed (req, conn, id, same, error);
  }
  if (!res && g_str_equal (constraint, "decisions_supersedes_once")) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "that decision is already superseded");
    return FALSE;
  }
  if (!res) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  id = g_strdup (PQgetvalue (res, 0, 0));
  if (!update_lot_status (conn, req->path_id, error)
      || !audit_created (req, conn, id, &nd, needs_approval, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  return reply_created (req, conn, id, error);
}

gboolean
rvi_api_decisions_approve (RviRequest *req, PGconn *conn, GError **error)
{
  gboolean approve = json_object_get_boolean_member (req->json, "approve");
  const char *note = rvi_json_get_string (req->json, "note");
  const char *params[] = { req->path_id, req->user->id, approve ? "true" : "false",
                           note ? note : "" };
  g_autoptr (PGresult) res = NULL;
  g_autoptr (PGresult) ins = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = NULL;
  g_autofree char *lot = NULL;
  char state[6], constraint[64];

  if (!rvi_db_begin (conn, error)
      || !(res = rvi_db_exec (conn, "SELECT lot_id FROM decisions WHERE id = $1::uuid", 1,
                              params, error)))
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such decision");
    return FALSE;
  }
  lot = g_strdup (PQgetvalue (res, 0, 0));
  if (!lock_lot (conn, lot, error))
    return FALSE;
  ins = exec_diag (conn, "INSERT INTO decision_approvals (decision_id, approved_by, approved, note)"
                   " VALUES ($1::uuid, $2::uuid, $3::boolean, $4)", 4, params, state, constraint,
                   &local);
  if (!ins) {
    if (g_str_equal (state, "42501"))
      g_set_error (error, RVI_ERROR, RVI_ERROR_FORBIDDEN,
                   "the author of a decision cannot approve it");
    else if (g_str_equal (state, "55000") && strstr (local->message, "superseded"))
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "the decision is superseded");
    else if (g_str_equal (state, "55000"))
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT,
                   "the decision's category needs no approval");
    else if (g_str_equal (state, "23505"))
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT,
                   "the decision was already approved or rejected");
    else
      g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lot_id");
  json_builder_add_string_value (b, lot);
  json_builder_set_member_name (b, "note");
  json_builder_add_string_value (b, note ? note : "");
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  if (!update_lot_status (conn, lot, error)
      || !rvi_request_audit (req, conn, NULL, approve ? "decision_approved" : "decision_rejected",
                             "decision", req->path_id, detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  return reply_decision (req, conn, req->path_id, 200, "state", NULL, error);
}
