/* api-exports.c: asking for an evidence export, following it, fetching
 * the package (docs/evidence.md).
 *
 * POST /api/exports takes {lot_id} or {camera_id, from, to}, a reason and
 * optionally a recipient. In one transaction it works out what to take
 * (a lot: the cameras of its inspections over their windows, overlapping
 * windows merged), places a hold on each camera range (so retention cannot
 * delete a segment the export is about to read, whatever the disk says),
 * queues the export for this node and writes the audit event
 * export_requested (who, what, why, for whom). The export runner
 * (export-runner.c) is woken on the main loop and does the rest. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-exports.h"
#include "api-audit.h"
#include "db.h"
#include "node-proxy.h"
#include "export-runner.h"
#include "identifiers.h"
#include "json-rows.h"
#include "rvi-error.h"

#define EXPORT_COLUMNS \
  "e.id, e.status, e.progress, e.phase, e.error, e.lot_id, e.camera_id," \
  " rvi_time(e.start_at) AS from, rvi_time(e.end_at) AS to, e.reason, e.recipient," \
  " e.requested_by_name, e.node, rvi_time(e.created_at) AS created_at," \
  " rvi_time(e.finished_at) AS finished_at, e.package_bytes, e.package_sha256," \
  " (SELECT coalesce(json_agg(json_build_object('camera_id', r.camera_id," \
  "    'from', rvi_time(r.start_at), 'to', rvi_time(r.end_at), 'hold_id', r.hold_id)" \
  "    ORDER BY r.camera_id, r.start_at), '[]') FROM export_ranges r WHERE r.export_id = e.id)" \
  " AS ranges"

static const RviJsonField create_fields[] = {
  { "lot_id", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 36 },
  { "camera_id", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 36 },
  { "from", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 40 },
  { "to", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 40 },
  { "reason", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 500 },
  { "recipient", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 200 },
};
const RviJsonShape rvi_api_exports_create_shape = RVI_JSON_SHAPE (create_fields);

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error_literal (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, message);
  return FALSE;
}

/* The export row and its ranges, as the API shows them; NULL when unknown. */
static JsonNode *
export_json (PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT " EXPORT_COLUMNS " FROM exports e"
                                          " WHERE e.id = $1::uuid", 1, params, error);

  if (!res)
    return NULL;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such export");
    return NULL;
  }
  return rvi_json_from_row (res, 0);
}

/* Inserts the export's ranges with their holds; FALSE with @error. The
 * number of ranges in @ranges. */
static gboolean
place_ranges (PGconn *conn, const char *export_id, gboolean lot, guint *ranges, GError **error)
{
  const char *params[] = { export_id };
  /* a lot: per camera of its inspections, the union of their windows (an
   * open inspection up to now); a camera: the range asked for */
  g_autoptr (PGresult) res = rvi_db_exec (conn, lot
      ? "WITH windows AS ("
        "  SELECT cam AS camera_id,"
        "         unnest(range_agg(tstzrange(i.opened_at, coalesce(i.signed_at, now())))) AS r"
        "    FROM exports e JOIN inspections i ON i.lot_id = e.lot_id, unnest(i.cameras) AS cam"
        "   WHERE e.id = $1::uuid GROUP BY cam),"
        " held AS ("
        "  INSERT INTO holds (camera_id, start_at, end_at, reason, created_by, created_by_name,"
        "                     export_id)"
        "  SELECT w.camera_id, lower(w.r), upper(w.r), left('evidence export: ' || e.reason, 500),"
        "         e.requested_by, e.requested_by_name, e.id"
        "    FROM windows w, exports e WHERE e.id = $1::uuid AND upper(w.r) > lower(w.r)"
        "  RETURNING id, camera_id, start_at, end_at, export_id)"
        " INSERT INTO export_ranges (export_id, camera_id, start_at, end_at, hold_id)"
        " SELECT export_id, camera_id, start_at, end_at, id FROM held RETURNING camera_id"
      : "WITH held AS ("
        "  INSERT INTO holds (camera_id, start_at, end_at, reason, created_by, created_by_name,"
        "                     export_id)"
        "  SELECT e.camera_id, e.start_at, e.end_at, left('evidence export: ' || e.reason, 500),"
        "         e.requested_by, e.requested_by_name, e.id FROM exports e WHERE e.id = $1::uuid"
        "  RETURNING id, camera_id, start_at, end_at, export_id)"
        " INSERT INTO export_ranges (export_id, camera_id, start_at, end_at, hold_id)"
        " SELECT export_id, camera_id, start_at, end_at, id FROM held RETURNING camera_id",
      1, params, error);

  if (!res)
    return FALSE;
  *ranges = (guint) PQntuples (res);
  return TRUE;
}

gboolean
rvi_api_exports_create (RviRequest *req, PGconn *conn, GError **error)
{
  const RviConfig *config = req->app->config;
  const char *lot = rvi_json_get_string (req->json, "lot_id");
  const char *camera = rvi_json_get_string (req->json, "camera_id");
  const char *recipient = rvi_json_get_string (req->json, "recipient");
  g_autofree char *reason = g_strstrip (g_strdup (rvi_json_get_string (req->json, "reason")));
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *recipient_clean = g_strstrip (g_strdup (recipient ? recipient : ""));
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autofree char *max_hours = g_strdup_printf ("%d", config->export_max_hours);
  const char *id;
  guint ranges = 0;

  if (!!lot == !!camera)
    return invalid (error, "give either lot_id or camera_id (with from and to)");
  if ((lot && !rvi_is_uuid (lot)) || (camera && !rvi_is_uuid (camera)))
    return invalid (error, lot ? "lot_id must be a UUID" : "camera_id must be a UUID");
  if (lot && (rvi_json_get_string (req->json, "from") || rvi_json_get_string (req->json, "to")))
    return invalid (error, "from and to go with camera_id; a lot's export covers its inspections");
  if (camera) {
    if (!rvi_json_get_string (req->json, "from") || !rvi_json_get_string (req->json, "to"))
      return invalid (error, "a camera's export needs from and to");
    if (!(from = rvi_query_time (rvi_json_get_string (req->json, "from"), "from", error))
        || !(to = rvi_query_time (rvi_json_get_string (req->json, "to"), "to", error)))
      return FALSE;
  }
  if (!*reason)
    return invalid (error, "reason: say why the evidence is exported (it goes into the audit log)");
  if (!rvi_db_begin (conn, error))
    return FALSE;
  {
    const char *params[] = { lot, camera, from, to, reason, recipient_clean, config->node,
                             req->user->id, req->user->username, max_hours };
    /* checks in SQL, answered as one word each: the row is inserted only
     * when the scope exists and the range is sane */
    res = rvi_db_exec (conn,
        "WITH checked AS (SELECT CASE"
        "   WHEN $1::uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lots WHERE id = $1::uuid)"
        "     THEN 'no_lot'"
        "   WHEN $2::uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cameras WHERE id = $2::uuid"
        "                                               AND deleted_at IS NULL) THEN 'no_camera'"
        "   WHEN $2::uuid IS NOT NULL AND $4::timestamptz <= $3::timestamptz THEN 'backwards'"
        "   WHEN $2::uuid IS NOT NULL AND $4::timestamptz - $3::timestamptz"
        "          > make_interval(hours => $10::int) THEN 'too_long'"
        "   WHEN $2::uuid IS NOT NULL AND $3::timestamptz > now() THEN 'future'"
        "   ELSE 'ok' END AS verdict),"
        " inserted AS (INSERT INTO exports (lot_id, camera_id, start_at, end_at, reason,"
        "   recipient, node, requested_by, requested_by_name)"
        "   SELECT $1::uuid, $2::uuid, $3::timestamptz, least($4::timestamptz, now()), $5, $6,"
        "          $7, $8::uuid, $9 FROM checked WHERE verdict = 'ok' RETURNING id)"
        " SELECT verdict, (SELECT id FROM inserted) FROM checked",
        10, params, error);
  }
  if (!res)
    return FALSE;
  if (!g_str_equal (PQgetvalue (res, 0, 0), "ok")) {
    const char *v = PQgetvalue (res, 0, 0);
    if (g_str_equal (v, "no_lot") || g_str_equal (v, "no_camera")) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, g_str_equal (v, "no_lot")
                   ? "no such lot" : "no such camera");
      return FALSE;
    }
    if (g_str_equal (v, "too_long")) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "the range is longer than export_max_hours (%d h); export it in parts",
                   config->export_max_hours);
      return FALSE;
    }
    return invalid (error, g_str_equal (v, "backwards") ? "to must be after from"
                                                        : "the range starts in the future");
  }
  id = PQgetvalue (res, 0, 1);
  if (!place_ranges (conn, id, lot != NULL, &ranges, error))
    return FALSE;
  if (!(detail = export_json (conn, id, error))
      || !rvi_request_audit (req, conn, NULL, "export_requested", "export", id, detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 202, rvi_json_wrap ("export", json_node_copy (detail)));
  return TRUE;
}

void
rvi_api_exports_created (RviRequest *req)
{
  if (req->app->exports)
    rvi_export_runner_wake (req->app->exports);
}

gboolean
rvi_api_exports_get (RviRequest *req, PGconn *conn, GError **error)
{
  JsonNode *node = export_json (conn, req->path_id, error);

  if (!node)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("export", node));
  return TRUE;
}

gboolean
rvi_api_exports_list (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT " EXPORT_COLUMNS " FROM exports e"
                                          " ORDER BY e.created_at DESC LIMIT 200", 0, NULL, error);

  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("exports", rvi_json_from_rows (res)));
  return TRUE;
}

/* The package: this node's file, mapped (not read into memory), checked
 * against nothing here (it is signed; the recipient checks it) but only
 * served when the export is done. Downloading is an audit event. */
gboolean
rvi_api_exports_package (RviRequest *req, PGconn *conn, GError **error)
{
  const RviConfig *config = req->app->config;
  const char *params[] = { req->path_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT status, node, package_sha256"
                                          " FROM exports WHERE id = $1::uuid", 1, params, error);
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *disposition = NULL;
  g_autoptr (GMappedFile) file = NULL;
  g_autoptr (GError) local = NULL;

  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such export");
    return FALSE;
  }
  if (!g_str_equal (PQgetvalue (res, 0, 0), "done")) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "the export is %s, not done",
                 PQgetvalue (res, 0, 0));
    return FALSE;
  }
  switch (rvi_node_holder (req, conn, PQgetvalue (res, 0, 1), error)) {
    case RVI_HOLDER_HERE: break;
    case RVI_HOLDER_FORWARD: return TRUE;
    case RVI_HOLDER_ERROR: return FALSE;
  }
  name = g_strconcat ("rvi-evidence-", req->path_id, ".tar", NULL);
  path = g_build_filename (config->data_dir, "exports", name, NULL);
  if (!(file = g_mapped_file_new (path, FALSE, &local))) {
    g_warning ("export %s: %s", req->path_id, local->message);
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "the package's file is missing");
    return FALSE;
  }
  if (!rvi_request_audit (req, conn, NULL, "export_downloaded", "export", req->path_id, NULL,
                          error))
    return FALSE;
  req->bytes_body = g_mapped_file_get_bytes (file);
  req->text_type = "application/x-tar";
  req->status = 200;
  disposition = g_strdup_printf ("attachment; filename=\"%s\"", name);
  rvi_request_add_header (req, "Content-Disposition", disposition);
  rvi_request_add_header (req, "X-Package-SHA256", PQgetvalue (res, 0, 2));
  return TRUE;
}
