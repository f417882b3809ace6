/* api-samples.c: samples drawn from a lot's wagons for the lab, and their
 * lab results.
 *
 * A result is judged by the database (trigger lab_results_judge, sql/003)
 * against the latest version of the lab_rules table in force: the limits
 * and their legal source live in that table, not here. A failed element
 * sends the lot back to 'awaiting_review' for a follow-up decision. */
#define G_LOG_DOMAIN "rvi-samples"
#include "api-inspections.h"
#include "api-audit.h"
#include "db.h"
#include "json-rows.h"
#include "rvi-error.h"

#define SAMPLE_COLUMNS \
  "id, lot_id, number, seal, to_jsonb(wagon_ids) AS wagon_ids, drawn_by," \
  " witnessed_by IS NOT NULL AS witnessed," \
  " (SELECT username FROM users WHERE id = witnessed_by) AS witnessed_by," \
  " rvi_time(drawn_at) AS drawn_at," \
  " (SELECT username FROM users WHERE id = created_by) AS created_by," \
  " rvi_time(created_at) AS created_at"

/* How far in the future a drawn_at may lie (clocks differ a little). */
#define DRAWN_AT_SLACK_S 300

static const RviJsonField sample_fields[] = {
  { "number", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 64 },
  { "seal", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 64 },
  { "wagon_ids", RVI_JSON_ARRAY, RVI_FIELD_REQUIRED, 200 },
  { "drawn_by", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 200 },
  { "witnessed", RVI_JSON_BOOL, RVI_FIELD_REQUIRED, 0 },
  { "drawn_at", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 40 },
};
const RviJsonShape rvi_api_samples_create_shape = RVI_JSON_SHAPE (sample_fields);

static const RviJsonField result_fields[] = {
  { "element", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 2 },
  { "value_pct", RVI_JSON_NUMBER, RVI_FIELD_REQUIRED, 0 },
};
const RviJsonShape rvi_api_lab_results_create_shape = RVI_JSON_SHAPE (result_fields);

/* (transfer full) field @name of the body, trimmed; NULL with
 * RVI_ERROR_INVALID_INPUT when nothing is left. */
static char *
required_text (JsonObject *body, const char *name, GError **error)
{
  char *text = g_strstrip (g_strdup (rvi_json_get_string (body, name)));

  if (!*text) {
    g_free (text);
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s must not be empty", name);
    return NULL;
  }
  return text;
}

/* (transfer full) drawn_at as PostgreSQL reads it, or NULL with
 * RVI_ERROR_INVALID_INPUT when it is not RFC 3339 or lies in the future. */
static char *
drawn_at_time (JsonObject *body, GError **error)
{
  g_autofree char *at = rvi_query_time (rvi_json_get_string (body, "drawn_at"), "drawn_at",
                                        error);
  g_autoptr (GDateTime) t = at ? g_date_time_new_from_iso8601 (at, NULL) : NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  if (!t)
    return NULL;
  if (g_date_time_difference (t, now) > (GTimeSpan) DRAWN_AT_SLACK_S * G_TIME_SPAN_SECOND) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "drawn_at lies in the future");
    return NULL;
  }
  return g_steal_pointer (&at);
}

gboolean
rvi_api_samples_create (RviRequest *req, PGconn *conn, GError **error)
{
  JsonArray *wagon_list = json_object_get_array_member (req->json, "wagon_ids");
  g_autofree char *number = NULL, *seal = NULL, *drawn_by = NULL, *drawn_at = NULL;
  g_autofree char *wagons = NULL;
  gboolean witnessed = json_object_get_boolean_member (req->json, "witnessed");
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local = NULL;

  if (!(number = required_text (req->json, "number", error))
      || !(seal = required_text (req->json, "seal", error))
      || !(drawn_by = required_text (req->json, "drawn_by", error))
      || !(drawn_at = drawn_at_time (req->json, error))
      || !(wagons = rvi_api_uuid_array (wagon_list, "wagon_ids", error)))
    return FALSE;
  if (json_array_get_length (wagon_list) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "wagon_ids must name the wagons the sample came from");
    return FALSE;
  }
  {
    const char *params[] = { req->path_id, number, seal, wagons, drawn_by,
                             witnessed ? req->user->id : NULL, drawn_at, req->user->id };
    if (!rvi_db_begin (conn, error)
        || !(res = rvi_db_exec (conn, "SELECT 1 FROM lots WHERE id = $1::uuid", 1, params,
                                error)))
      return FALSE;
    if (PQntuples (res) == 0) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such lot");
      return FALSE;
    }
    g_clear_pointer (&res, PQclear);
    if (!(res = rvi_db_exec (conn, "SELECT w FROM unnest($2::uuid[]) w WHERE NOT EXISTS"
                             " (SELECT 1 FROM wagons WHERE id = w AND lot_id = $1::uuid) LIMIT 1",
                             2, (const char *const[]) { req->path_id, wagons }, error)))
      return FALSE;
    if (PQntuples (res) > 0) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "wagon %s is not a wagon of this lot",
                   PQgetvalue (res, 0, 0));
      return FALSE;
    }
    g_clear_pointer (&res, PQclear);
    res = rvi_db_exec (conn, "INSERT INTO samples (lot_id, number, seal, wagon_ids, drawn_by,"
                       " witnessed_by, drawn_at, created_by) VALUES ($1::uuid, $2, $3,"
                       " $4::uuid[], $5, $6::uuid, $7::timestamptz, $8::uuid)"
                       " RETURNING " SAMPLE_COLUMNS, 8, params, &local);
  }
  if (!res) {
    if (g_error_matches (local, RVI_ERROR, RVI_ERROR_CONFLICT))
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "a sample numbered \"%s\" exists",
                   number);
    else if (g_error_matches (local, RVI_ERROR, RVI_ERROR_INVALID_INPUT))
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "the sample's wagons must be wagons of its lot");
    else
      g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  detail = rvi_json_from_row (res, 0);
  if (!rvi_request_audit (req, conn, NULL, "sample_created", "sample", PQgetvalue (res, 0, 0),
                          detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 201, rvi_json_wrap ("sample", rvi_json_from_row (res, 0)));
  return TRUE;
}

gboolean
rvi_api_lab_results_create (RviRequest *req, PGconn *conn, GError **error)
{
  const char *element = rvi_json_get_string (req->json, "element");
  double value = json_object_get_double_member (req->json, "value_pct");
  char value_text[G_ASCII_DTOSTR_BUF_SIZE];
  const char *params[] = { req->path_id, element, value_text, req->user->id };
  g_autoptr (PGresult) sample = NULL;
  g_autoptr (PGresult) res = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) answer = NULL;
  gboolean pass;

  if (!(value >= 0 && value <= 100)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "value_pct must be a mass fraction from 0 to 100");
    return FALSE;
  }
  rvi_api_number_text (value, value_text);
  if (!rvi_db_begin (conn, error)
      || !(sample = rvi_db_exec (conn, "SELECT lot_id FROM samples WHERE id = $1::uuid", 1, params,
                                 error)))
    return FALSE;
  if (PQntuples (sample) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such sample");
    return FALSE;
  }
  /* the trigger fills rule_version and pass before the row is written */
  res = rvi_db_exec (conn, "WITH r AS (INSERT INTO lab_results (sample_id, element, value_pct,"
                     " entered_by) VALUES ($1::uuid, $2, $3::numeric, $4::uuid) RETURNING *)"
                     " SELECT r.id, r.sample_id, s.lot_id, r.element, r.value_pct,"
                     " l.max_mass_fraction_pct AS limit_pct, r.rule_version,"
                     " l.source AS rule_source, r.pass, r.entered_by,"
                     " rvi_time(r.entered_at) AS entered_at"
                     " FROM r JOIN lab_rules l ON l.version = r.rule_version"
                     " AND l.element = r.element JOIN samples s ON s.id = r.sample_id",
                     4, params, &local);
  if (!res) {
    if (g_error_matches (local, RVI_ERROR, RVI_ERROR_INVALID_INPUT))
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "no lab rule in force for element \"%s\"", element);
    else
      g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  pass = rvi_db_bool (res, 0, PQfnumber (res, "pass"));
  if (!pass && !rvi_db_run (conn, "UPDATE lots SET status = 'awaiting_review' WHERE id = $1::uuid",
                            1, (const char *const[]) { PQgetvalue (sample, 0, 0) }, error))
    return FALSE;
  answer = rvi_json_from_row (res, 0);
  json_object_set_boolean_member (json_node_get_object (answer), "follow_up", !pass);
  if (!rvi_request_audit (req, conn, NULL, "lab_result", "lab_result", PQgetvalue (res, 0, 0),
                          answer, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 201, rvi_json_wrap ("lab_result", g_steal_pointer (&answer)));
  return TRUE;
}
