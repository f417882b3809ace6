/* api-inspections.c: remote inspection sessions, their marks, signing.
 *
 * An inspector opens an inspection of a lot with the cameras of its siding
 * (one open inspection per lot and inspector: the partial unique index of
 * sql/003), adds marks while watching, and signs it. Only the inspection's
 * own inspector writes into it. Once signed it is locked: the database's
 * trigger refuses any mark that supersedes nothing (SQLSTATE 55000), so a
 * correction is a new mark superseding an old one. Every write is an audit
 * event in the same transaction as the change. */
#define G_LOG_DOMAIN "rvi-inspections"
#include "api-inspections.h"
#include "api-audit.h"
#include "db.h"
#include "identifiers.h"
#include "json-rows.h"
#include "rvi-error.h"

#define INSPECTION_COLUMNS \
  "i.id, i.lot_id," \
  " json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name)" \
  " AS inspector, to_jsonb(i.cameras) AS cameras, rvi_time(i.opened_at) AS opened_at," \
  " rvi_time(i.signed_at) AS signed_at"

#define MARK_COLUMNS \
  "id, inspection_id, lot_id, wagon_id, camera_id, rvi_time(at) AS at, region, reason_code," \
  " note, supersedes_id AS supersedes," \
  " (SELECT username FROM users WHERE id = created_by) AS created_by," \
  " rvi_time(created_at) AS created_at"

#define SIGNED_MESSAGE "the inspection is signed: corrections supersede a mark"
#define REGION_MESSAGE \
  "region must be {x, y, w, h}, fractions of the frame: x, y >= 0, w, h > 0, x + w <= 1," \
  " y + h <= 1"

static const RviJsonField open_fields[] = {
  { "cameras", RVI_JSON_ARRAY, RVI_FIELD_REQUIRED, 64 },
};
const RviJsonShape rvi_api_inspections_open_shape = RVI_JSON_SHAPE (open_fields);

static const RviJsonField mark_fields[] = {
  { "wagon_id", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 36 },
  { "camera_id", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 36 },
  { "at", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 40 },
  { "region", RVI_JSON_OBJECT, RVI_FIELD_NULLABLE, 0 },
  { "reason_code", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 64 },
  { "note", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 2000 },
  { "supersedes", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 36 },
};
const RviJsonShape rvi_api_marks_create_shape = RVI_JSON_SHAPE (mark_fields);

char *
rvi_api_uuid_array (JsonArray *array, const char *name, GError **error)
{
  guint n = json_array_get_length (array);
  g_autoptr (GString) text = g_string_new ("{");

  for (guint i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (array, i);
    const char *id = JSON_NODE_HOLDS_VALUE (node)
                     && json_node_get_value_type (node) == G_TYPE_STRING
                     ? json_node_get_string (node) : NULL;

    if (!rvi_is_uuid (id)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s must hold UUIDs", name);
      return NULL;
    }
    for (guint j = 0; j < i; j++) {
      if (g_ascii_strcasecmp (id, json_array_get_string_element (array, j)) == 0) {
        g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s lists %s twice", name, id);
        return NULL;
      }
    }
    g_string_append_printf (text, "%s%s", i ? "," : "", id);
  }
  g_string_append_c (text, '}');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

void
rvi_api_number_text (double v, char buf[G_ASCII_DTOSTR_BUF_SIZE])
{
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, formats[i], v);
    if (g_ascii_strtod (buf, NULL) == v)
      return;
  }
}

/* TRUE when @e came from PostgreSQL with SQLSTATE @state (db.c ends the
 * message with it). */
static gboolean
sqlstate_is (const GError *e, const char *state)
{
  g_autofree char *suffix = g_strconcat (" SQLSTATE ", state, NULL);
  return e && g_str_has_suffix (e->message, suffix);
}

/* (transfer full) inspection @id as the API shows it: one row, or zero
 * when there is none. */
static PGresult *
get_inspection (PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  return rvi_db_exec (conn, "SELECT " INSPECTION_COLUMNS " FROM inspections i"
                      " JOIN users u ON u.id = i.inspector_id WHERE i.id = $1::uuid", 1, params,
                      error);
}

/* Locks the inspection of the request path (FOR UPDATE when @for_update,
 * else FOR SHARE) and checks it is the caller's. Returns (transfer full)
 * its lot_id and signed_at, or NULL with NOT_FOUND or FORBIDDEN (@action
 * says what only its inspector may do). */
static PGresult *
own_inspection (RviRequest *req, PGconn *conn, gboolean for_update, const char *action,
                GError **error)
{
  const char *params[] = { req->path_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, for_update
      ? "SELECT lot_id, signed_at, inspector_id FROM inspections WHERE id = $1::uuid FOR UPDATE"
      : "SELECT lot_id, signed_at, inspector_id FROM inspections WHERE id = $1::uuid FOR SHARE",
      1, params, error);

  if (!res)
    return NULL;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such inspection");
    return NULL;
  }
  if (g_ascii_strcasecmp (PQgetvalue (res, 0, 2), req->user->id) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FORBIDDEN, "only the inspection's inspector may %s",
                 action);
    return NULL;
  }
  return g_steal_pointer (&res);
}

gboolean
rvi_api_inspections_open (RviRequest *req, PGconn *conn, GError **error)
{
  g_autofree char *cameras = rvi_api_uuid_array (
      json_object_get_array_member (req->json, "cameras"), "cameras", error);
  const char *params[] = { req->path_id, req->user->id, cameras };
  g_autoptr (PGresult) res = NULL;
  g_autoptr (PGresult) row = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autofree char *id = NULL;

  if (!cameras || !rvi_db_begin (conn, error))
    return FALSE;
  if (!(res = rvi_db_exec (conn, "SELECT 1 FROM lots WHERE id = $1::uuid", 1, params, error)))
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such lot");
    return FALSE;
  }
  g_clear_pointer (&res, PQclear);
  if (!(res = rvi_db_exec (conn, "SELECT c FROM unnest($1::uuid[]) c WHERE NOT EXISTS"
                           " (SELECT 1 FROM cameras WHERE id = c AND deleted_at IS NULL) LIMIT 1",
                           1, &params[2], error)))
    return FALSE;
  if (PQntuples (res) > 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "no such camera: %s",
                 PQgetvalue (res, 0, 0));
    return FALSE;
  }
  g_clear_pointer (&res, PQclear);
  res = rvi_db_exec (conn, "INSERT INTO inspections (lot_id, inspector_id, cameras)"
                     " VALUES ($1::uuid, $2::uuid, $3::uuid[])"
                     " ON CONFLICT (lot_id, inspector_id) WHERE signed_at IS NULL DO NOTHING"
                     " RETURNING id", 3, params, error);
  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_autoptr (PGresult) open = rvi_db_exec (conn, "SELECT id FROM inspections WHERE lot_id ="
                                             " $1::uuid AND inspector_id = $2::uuid"
                                             " AND signed_at IS NULL", 2, params, error);
    if (!open)
      return FALSE;
    if (PQntuples (open) > 0)
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT,
                   "you already have an open inspection of this lot: %s",
                   PQgetvalue (open, 0, 0));
    else   /* it was signed meanwhile: the client may retry */
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT,
                   "you already have an open inspection of this lot");
    return FALSE;
  }
  id = g_strdup (PQgetvalue (res, 0, 0));
  if (!rvi_db_run (conn, "UPDATE lots SET status = 'under_inspection'"
                   " WHERE id = $1::uuid AND status = 'awaiting_review'", 1, params, error)
      || !(row = get_inspection (conn, id, error)))
    return FALSE;
  detail = rvi_json_from_row (row, 0);
  if (!rvi_request_audit (req, conn, NULL, "inspection_opened", "inspection", id, detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 201, rvi_json_wrap ("inspection", rvi_json_from_row (row, 0)));
  return TRUE;
}

gboolean
rvi_api_inspections_sign (RviRequest *req, PGconn *conn, GError **error)
{
  const char *params[] = { req->path_id };
  g_autoptr (PGresult) insp = NULL;
  g_autoptr (PGresult) count = NULL;
  g_autoptr (PGresult) row = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = NULL;

  /* FOR UPDATE: marks being added (FOR SHARE in their trigger) finish
   * first, so the count below is the count that was signed */
  if (!rvi_db_begin (conn, error)
      || !(insp = own_inspection (req, conn, TRUE, "sign it", error)))
    return FALSE;
  if (!PQgetisnull (insp, 0, 1)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "the inspection is already signed");
    return FALSE;
  }
  if (!rvi_db_run (conn, "UPDATE inspections SET signed_at = greatest(now(), opened_at)"
                   " WHERE id = $1::uuid", 1, params, error)
      || !(count = rvi_db_exec (conn, "SELECT count(*) FROM marks WHERE inspection_id = $1::uuid",
                                1, params, error))
      || !(row = get_inspection (conn, req->path_id, error)))
    return FALSE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lot_id");
  json_builder_add_string_value (b, PQgetvalue (insp, 0, 0));
  json_builder_set_member_name (b, "marks");
  json_builder_add_int_value (b, rvi_db_int64 (count, 0, 0));
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  if (!rvi_request_audit (req, conn, NULL, "inspection_signed", "inspection", req->path_id,
                          detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("inspection", rvi_json_from_row (row, 0)));
  return TRUE;
}

/* (transfer full) a region on a frame as JSON text with its numbers
 * written as typed (0.1, not 0.10000000000000001), or NULL with
 * RVI_ERROR_INVALID_INPUT unless it is exactly {x, y, w, h}, numbers. Their
 * values are the database's to judge, in exact decimals (marks_region_valid
 * in sql/003): a sum of doubles can land just above 1 when the typed
 * fractions add up to exactly 1. */
static char *
region_text (JsonObject *region, GError **error)
{
  static const char *const keys[] = { "x", "y", "w", "h" };
  char v[4][G_ASCII_DTOSTR_BUF_SIZE];

  if (json_object_get_size (region) != 4)
    goto bad;
  for (int i = 0; i < 4; i++) {
    JsonNode *n = json_object_get_member (region, keys[i]);
    GType t = n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_INVALID;
    if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
      goto bad;
    rvi_api_number_text (json_node_get_double (n), v[i]);
  }
  return g_strdup_printf ("{\"x\": %s, \"y\": %s, \"w\": %s, \"h\": %s}", v[0], v[1], v[2],
                          v[3]);
bad:
  g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, REGION_MESSAGE);
  return NULL;
}

/* Words for what the mark's INSERT refuses: a mark into a signed
 * inspection that supersedes nothing (the trigger's 55000), and what a
 * concurrent correction or an odd region lets past the checks before it. */
static gboolean
explain_mark_error (GError *local, GError **error)
{
  if (sqlstate_is (local, "55000"))
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, SIGNED_MESSAGE);
  else if (sqlstate_is (local, "23505"))
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "the mark is already superseded");
  else if (sqlstate_is (local, "23514"))   /* the only check a body can break: the region */
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, REGION_MESSAGE);
  else if (sqlstate_is (local, "23503"))
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "the mark names a wagon, camera, reason or mark unknown to this inspection");
  else
    g_propagate_error (error, g_error_copy (local));
  return FALSE;
}

/* Checks what a mark of inspection @inspection (of lot @lot) refers to;
 * each of the others may be NULL. Fails with the reason for a 400 or 409. */
static gboolean
check_mark_refs (PGconn *conn, const char *inspection, const char *lot, const char *wagon,
                 const char *camera, const char *reason, const char *supersedes, GError **error)
{
  const char *params[] = { inspection, lot, wagon, camera, reason, supersedes };
  static const char *const problems[] = {
    "unknown reason_code", "wagon_id is not a wagon of this lot", "no such camera",
    "supersedes is not a mark of this inspection",
  };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT EXISTS (SELECT 1 FROM reason_codes WHERE code = $5),"
      " $3::uuid IS NULL OR EXISTS (SELECT 1 FROM wagons WHERE id = $3::uuid AND lot_id = $2::uuid),"
      " $4::uuid IS NULL OR EXISTS (SELECT 1 FROM cameras WHERE id = $4::uuid),"
      " $6::uuid IS NULL OR EXISTS (SELECT 1 FROM marks WHERE id = $6::uuid"
      "                             AND inspection_id = $1::uuid),"
      " EXISTS (SELECT 1 FROM marks WHERE supersedes_id = $6::uuid)",
      6, params, error);

  if (!res)
    return FALSE;
  for (int i = 0; i < 4; i++) {
    if (!rvi_db_bool (res, 0, i)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s", problems[i]);
      return FALSE;
    }
  }
  if (rvi_db_bool (res, 0, 4)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "the mark is already superseded");
    return FALSE;
  }
  return TRUE;
}

gboolean
rvi_api_marks_create (RviRequest *req, PGconn *conn, GError **error)
{
  const char *wagon = rvi_json_get_string (req->json, "wagon_id");
  const char *camera = rvi_json_get_string (req->json, "camera_id");
  const char *supersedes = rvi_json_get_string (req->json, "supersedes");
  JsonNode *region = json_object_get_member (req->json, "region");
  g_autofree char *region_json = NULL;
  g_autofree char *at = NULL;
  g_autoptr (PGresult) insp = NULL;
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local = NULL;

  if ((wagon && !rvi_is_uuid (wagon)) || (camera && !rvi_is_uuid (camera))
      || (supersedes && !rvi_is_uuid (supersedes))) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "wagon_id, camera_id and supersedes must be UUIDs");
    return FALSE;
  }
  if (!(at = rvi_query_time (rvi_json_get_string (req->json, "at"), "at", error)))
    return FALSE;
  if (region && !JSON_NODE_HOLDS_NULL (region)
      && !(region_json = region_text (json_node_get_object (region), error)))
    return FALSE;
  if (!rvi_db_begin (conn, error)
      || !(insp = own_inspection (req, conn, FALSE, "add marks", error)))
    return FALSE;
  {
    const char *params[] = { req->path_id, PQgetvalue (insp, 0, 0), wagon, camera, at,
                             region_json, rvi_json_get_string (req->json, "reason_code"),
                             rvi_json_get_string (req->json, "note"), supersedes,
                             req->user->id };
    if (!check_mark_refs (conn, params[0], params[1], wagon, camera, params[6], supersedes,
                          error))
      return FALSE;
    res = rvi_db_exec (conn, "INSERT INTO marks (inspection_id, lot_id, wagon_id, camera_id, at,"
                       " region, reason_code, note, supersedes_id, created_by)"
                       " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::timestamptz,"
                       " $6::jsonb, $7, $8, $9::uuid, $10::uuid) RETURNING " MARK_COLUMNS, 10,
                       params, &local);
  }
  if (!res)
    return explain_mark_error (local, error);
  detail = rvi_json_from_row (res, 0);
  if (!rvi_request_audit (req, conn, NULL, "mark_created", "mark", PQgetvalue (res, 0, 0), detail,
                          error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 201, rvi_json_wrap ("mark", rvi_json_from_row (res, 0)));
  return TRUE;
}
