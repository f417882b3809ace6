/* api-cameras.c: camera CRUD.
 *
 * Credentials are write-only: a username and password given in the body or
 * written into the URL are stored apart from the URL (the password sealed,
 * credential-box.h) and no answer, log line or audit event ever holds them;
 * answers say only `credentials: true|false`. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "api-cameras.h"
#include "camera-manager.h"
#include "camera-url.h"
#include "cameras.h"
#include "config.h"
#include "credential-box.h"
#include "db.h"
#include "identifiers.h"
#include "json-rows.h"
#include "rvi-error.h"

#define TEXT(n, max) { n, RVI_JSON_STRING, RVI_FIELD_OPTIONAL, max }
static const RviJsonField create_fields[] = {
  { "name", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 100 },
  { "url", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 1000 },
  { "username", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 200 },
  TEXT ("password", 200), TEXT ("site", 100), TEXT ("track", 100), TEXT ("position", 100),
  { "gacc_id", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 20 },
  TEXT ("transport", 8),
  { "recording", RVI_JSON_BOOL, RVI_FIELD_OPTIONAL, 0 },
  { "segment_seconds", RVI_JSON_INT, RVI_FIELD_OPTIONAL, 0 },
  { "retention_days", RVI_JSON_INT, RVI_FIELD_OPTIONAL, 0 },
  { "pinned_nodes", RVI_JSON_ARRAY, RVI_FIELD_NULLABLE, 0 },
};
const RviJsonShape rvi_api_cameras_create_shape = RVI_JSON_SHAPE (create_fields);

static const RviJsonField update_fields[] = {
  TEXT ("name", 100), TEXT ("url", 1000),
  { "username", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 200 },
  TEXT ("password", 200), TEXT ("site", 100), TEXT ("track", 100), TEXT ("position", 100),
  { "gacc_id", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 20 },
  TEXT ("transport", 8),
  { "recording", RVI_JSON_BOOL, RVI_FIELD_OPTIONAL, 0 },
  { "segment_seconds", RVI_JSON_INT, RVI_FIELD_OPTIONAL, 0 },
  { "retention_days", RVI_JSON_INT, RVI_FIELD_OPTIONAL, 0 },
  { "pinned_nodes", RVI_JSON_ARRAY, RVI_FIELD_NULLABLE, 0 },
};
const RviJsonShape rvi_api_cameras_update_shape = RVI_JSON_SHAPE (update_fields);
#undef TEXT

/* The values of one create or update, as text parameters. */
typedef struct {
  char *v[RVI_CAMERA_N_FIELDS];
  gboolean set[RVI_CAMERA_N_FIELDS];
} CameraValues;

static void
camera_values_clear (CameraValues *cv)
{
  for (int i = 0; i < RVI_CAMERA_N_FIELDS; i++)
    g_free (cv->v[i]);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CameraValues, camera_values_clear)

static void
put (CameraValues *cv, int field, char *value)
{
  g_free (cv->v[field]);
  cv->v[field] = value;
  cv->set[field] = TRUE;
}

static gboolean
take_int (JsonObject *body, const char *name, gint64 min, gint64 max, CameraValues *cv,
          int field, GError **error)
{
  gint64 n;

  if (!json_object_has_member (body, name))
    return TRUE;
  n = json_object_get_int_member (body, name);
  if (n < min || n > max) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s must be between %" G_GINT64_FORMAT
                 " and %" G_GINT64_FORMAT, name, min, max);
    return FALSE;
  }
  put (cv, field, g_strdup_printf ("%" G_GINT64_FORMAT, n));
  return TRUE;
}

static gboolean
take_text (JsonObject *body, const char *name, CameraValues *cv, int field)
{
  if (!json_object_has_member (body, name))
    return FALSE;
  put (cv, field, g_strdup (rvi_json_get_string (body, name)));
  return TRUE;
}

/* pinned_nodes: null (any node) or 1 to 16 node names, as a text[] literal. */
static gboolean
take_pinned_nodes (JsonObject *body, CameraValues *cv, GError **error)
{
  JsonNode *node = json_object_get_member (body, "pinned_nodes");
  g_autoptr (GString) literal = g_string_new ("{");
  JsonArray *names;

  if (!node)
    return TRUE;
  if (JSON_NODE_HOLDS_NULL (node)) {
    put (cv, RVI_CAMERA_FIELD_pinned_nodes, NULL);
    return TRUE;
  }
  names = json_node_get_array (node);
  if (json_array_get_length (names) < 1 || json_array_get_length (names) > 16) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "pinned_nodes must name 1 to 16 nodes, or be null for any node");
    return FALSE;
  }
  for (guint i = 0; i < json_array_get_length (names); i++) {
    JsonNode *item = json_array_get_element (names, i);
    const char *name = JSON_NODE_HOLDS_VALUE (item) &&
                       json_node_get_value_type (item) == G_TYPE_STRING
                         ? json_node_get_string (item) : NULL;

    if (!name || !rvi_node_name_valid (name)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "pinned_nodes[%u] must be a node name (letters, digits, '.', '_', '-';"
                   " at most 63)", i);
      return FALSE;
    }
    g_string_append_printf (literal, "%s\"%s\"", i ? "," : "", name);
  }
  g_string_append_c (literal, '}');
  put (cv, RVI_CAMERA_FIELD_pinned_nodes, g_string_free (g_steal_pointer (&literal), FALSE));
  return TRUE;
}

/* Validates @body into @cv; seals the password with @box. */
static gboolean
read_values (JsonObject *body, RviCredentialBox *box, CameraValues *cv, GError **error)
{
  const char *url = rvi_json_get_string (body, "url");
  const char *transport = rvi_json_get_string (body, "transport");
  const char *gacc = rvi_json_get_string (body, "gacc_id");
  const char *name = rvi_json_get_string (body, "name");
  g_autofree char *url_user = NULL;
  g_autofree char *url_password = NULL;
  g_autofree char *trimmed = name ? g_strstrip (g_strdup (name)) : NULL;
  const char *password;

  if (trimmed && !*trimmed) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "name must not be empty");
    return FALSE;
  }
  if (url) {
    char *clean = rvi_camera_url_normalize (url, &url_user, &url_password, error);
    if (!clean)
      return FALSE;
    put (cv, RVI_CAMERA_FIELD_url, clean);
  }
  if (transport && !g_strv_contains ((const char *const[]) { "auto", "tcp", "udp", NULL },
                                     transport)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "transport must be auto, tcp or udp");
    return FALSE;
  }
  if (gacc && !rvi_gacc_camera_id_valid (gacc)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "gacc_id must be the 20-digit GACC camera id");
    return FALSE;
  }
  take_text (body, "name", cv, RVI_CAMERA_FIELD_name);
  take_text (body, "site", cv, RVI_CAMERA_FIELD_site);
  take_text (body, "track", cv, RVI_CAMERA_FIELD_track);
  take_text (body, "position", cv, RVI_CAMERA_FIELD_position);
  take_text (body, "gacc_id", cv, RVI_CAMERA_FIELD_gacc_id);
  take_text (body, "transport", cv, RVI_CAMERA_FIELD_transport);
  if (json_object_has_member (body, "recording"))
    put (cv, RVI_CAMERA_FIELD_recording,
         g_strdup (json_object_get_boolean_member (body, "recording") ? "true" : "false"));
  if (!take_int (body, "segment_seconds", 5, 3600, cv, RVI_CAMERA_FIELD_segment_seconds, error)
      || !take_int (body, "retention_days", 1, 3650, cv, RVI_CAMERA_FIELD_retention_days, error)
      || !take_pinned_nodes (body, cv, error))
    return FALSE;

  /* credentials: the body's fields win over what the URL carried; a null
   * username removes both */
  if (json_object_has_member (body, "username") && !rvi_json_get_string (body, "username")) {
    put (cv, RVI_CAMERA_FIELD_username, NULL);
    put (cv, RVI_CAMERA_FIELD_password_box, NULL);
    return TRUE;
  }
  if (rvi_json_get_string (body, "username"))
    put (cv, RVI_CAMERA_FIELD_username, g_strdup (rvi_json_get_string (body, "username")));
  else if (url_user)
    put (cv, RVI_CAMERA_FIELD_username, g_steal_pointer (&url_user));
  password = rvi_json_get_string (body, "password");
  if (!password)
    password = url_password;
  if (password)
    put (cv, RVI_CAMERA_FIELD_password_box, rvi_credential_box_seal (box, password));
  if (password && !cv->v[RVI_CAMERA_FIELD_username] && cv->set[RVI_CAMERA_FIELD_username]) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "a password needs a username");
    return FALSE;
  }
  return TRUE;
}

/* Replaces the database's wording of the two constraints a request can
 * break with words for the operator. */
static gboolean
explain_db_error (GError *local, const char *name, GError **error)
{
  if (g_error_matches (local, RVI_ERROR, RVI_ERROR_CONFLICT))
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "a camera named \"%s\" exists",
                 name ? name : "");
  else if (local && strstr (local->message, "cameras_password_needs_username"))
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "a password needs a username");
  else
    g_propagate_error (error, g_error_copy (local));
  return FALSE;
}

/* The audit detail of a change: the fields given, never credentials. */
static JsonNode *
change_detail (JsonObject *body)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GList) members = json_object_get_members (body);

  json_builder_begin_object (b);
  for (GList *l = members; l; l = l->next) {
    const char *name = l->data;
    if (g_str_equal (name, "password") || g_str_equal (name, "username"))
      continue;
    if (g_str_equal (name, "url")) {
      g_autofree char *u = NULL, *p = NULL;
      g_autofree char *clean = rvi_camera_url_normalize (rvi_json_get_string (body, "url"), &u,
                                                         &p, NULL);
      json_builder_set_member_name (b, "url");
      json_builder_add_string_value (b, clean);
      continue;
    }
    json_builder_set_member_name (b, name);
    json_builder_add_value (b, json_node_copy (json_object_get_member (body, name)));
  }
  if (json_object_has_member (body, "username") || json_object_has_member (body, "password")) {
    json_builder_set_member_name (b, "credentials_changed");
    json_builder_add_boolean_value (b, TRUE);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
reply_camera (RviRequest *req, PGconn *conn, const char *id, guint status, GError **error)
{
  g_autoptr (PGresult) res = rvi_cameras_list (conn, id, error);

  if (!res)
    return FALSE;
  if (PQntuples (res) != 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  rvi_request_reply (req, status, rvi_json_wrap ("camera", rvi_json_from_row (res, 0)));
  return TRUE;
}

gboolean
rvi_api_cameras_list (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (PGresult) res = rvi_cameras_list (conn, NULL, error);

  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("cameras", rvi_json_from_rows (res)));
  return TRUE;
}

gboolean
rvi_api_cameras_get (RviRequest *req, PGconn *conn, GError **error)
{
  return reply_camera (req, conn, req->path_id, 200, error);
}

gboolean
rvi_api_cameras_create (RviRequest *req, PGconn *conn, GError **error)
{
  g_auto (CameraValues) cv = { 0 };
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GError) local = NULL;

  if (!read_values (req->json, req->app->credentials, &cv, error) || !rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_cameras_insert (conn, (const char *const *) cv.v, &local);
  if (!res)
    return explain_db_error (local, cv.v[RVI_CAMERA_FIELD_name], error);
  id = g_strdup (PQgetvalue (res, 0, 0));
  detail = change_detail (req->json);
  if (!rvi_request_audit (req, conn, NULL, "camera_created", "camera", id, detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  g_free (req->path_id);
  req->path_id = g_strdup (id);
  return reply_camera (req, conn, id, 201, error);
}

gboolean
rvi_api_cameras_update (RviRequest *req, PGconn *conn, GError **error)
{
  g_auto (CameraValues) cv = { 0 };
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local = NULL;

  if (!read_values (req->json, req->app->credentials, &cv, error) || !rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_cameras_update (conn, req->path_id, (const char *const *) cv.v, cv.set, &local);
  if (!res)
    return explain_db_error (local, cv.v[RVI_CAMERA_FIELD_name], error);
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  detail = change_detail (req->json);
  if (!rvi_request_audit (req, conn, NULL, "camera_updated", "camera", req->path_id, detail,
                          error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  return reply_camera (req, conn, req->path_id, 200, error);
}

gboolean
rvi_api_cameras_delete (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (PGresult) res = NULL;

  if (!rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_cameras_delete (conn, req->path_id, error);
  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  if (!rvi_request_audit (req, conn, NULL, "camera_deleted", "camera", req->path_id, NULL, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 204, NULL);
  return TRUE;
}

void
rvi_api_cameras_changed (RviRequest *req)
{
  if (req->app->cameras)
    rvi_camera_manager_refresh (req->app->cameras);
}
