/* api-users.c: user administration. Every change is an audit event in the
 * same transaction; a password change, disable or delete ends the user's
 * sessions and revokes their API tokens. An admin cannot change their own
 * role, disable or delete themselves (so the last admin cannot lock
 * everyone out by accident). */
#define G_LOG_DOMAIN "rvi-users"
#include "api-users.h"
#include "db.h"
#include "json-rows.h"
#include "rvi-error.h"
#include "secrets.h"
#include "sessions.h"
#include "users.h"

#define MIN_PASSWORD 8

static const RviJsonField create_fields[] = {
  { "username", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 64 },
  { "password", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 1024 },
  { "role", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 16 },
  { "display_name", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 200 },
};
const RviJsonShape rvi_api_users_create_shape = RVI_JSON_SHAPE (create_fields);

static const RviJsonField update_fields[] = {
  { "password", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 1024 },
  { "role", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 16 },
  { "display_name", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 200 },
  { "disabled", RVI_JSON_BOOL, RVI_FIELD_OPTIONAL, 0 },
};
const RviJsonShape rvi_api_users_update_shape = RVI_JSON_SHAPE (update_fields);

gboolean
rvi_users_check_username (const char *username, GError **error)
{
  gsize len = strlen (username);

  if (len == 0 || len > 64) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "user name must be 1 to 64 characters");
    return FALSE;
  }
  for (const char *p = username; *p; p++) {
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-') {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "user name may hold only letters, digits, '.', '_' and '-'");
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
rvi_users_check_password (const char *password, GError **error)
{
  if (g_utf8_strlen (password, -1) < MIN_PASSWORD) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "password must be at least %d characters", MIN_PASSWORD);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_role (const char *role, GError **error)
{
  if (role && !rvi_role_from_string (role)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "role must be inspector, operator, auditor or admin");
    return FALSE;
  }
  return TRUE;
}

gboolean
rvi_api_users_list (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (PGresult) res = rvi_users_list (conn, error);

  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("users", rvi_json_from_rows (res)));
  return TRUE;
}

/* The audit detail of a change: the fields given, never a password. */
static JsonNode *
change_detail (JsonObject *body, const char *username)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  if (username) {
    json_builder_set_member_name (b, "username");
    json_builder_add_string_value (b, username);
  }
  for (const char *const *f = (const char *const[]) { "role", "display_name", NULL }; *f; f++) {
    if (rvi_json_get_string (body, *f)) {
      json_builder_set_member_name (b, *f);
      json_builder_add_string_value (b, rvi_json_get_string (body, *f));
    }
  }
  if (json_object_has_member (body, "disabled")) {
    json_builder_set_member_name (b, "disabled");
    json_builder_add_boolean_value (b, json_object_get_boolean_member (body, "disabled"));
  }
  if (json_object_has_member (body, "password")) {
    json_builder_set_member_name (b, "password_changed");
    json_builder_add_boolean_value (b, TRUE);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
rvi_api_users_create (RviRequest *req, PGconn *conn, GError **error)
{
  const char *username = rvi_json_get_string (req->json, "username");
  const char *password = rvi_json_get_string (req->json, "password");
  const char *role = rvi_json_get_string (req->json, "role");
  g_autofree char *hash = NULL;
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;

  if (!rvi_users_check_username (username, error) || !rvi_users_check_password (password, error)
      || !check_role (role, error))
    return FALSE;
  hash = rvi_password_hash (password);
  if (!hash) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "password hashing failed");
    return FALSE;
  }
  if (!rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_users_insert (conn, username, rvi_json_get_string (req->json, "display_name"), role,
                          hash, error);
  if (!res)
    return FALSE;
  detail = change_detail (req->json, username);
  if (!rvi_request_audit (req, conn, NULL, "user_created", "user", PQgetvalue (res, 0, 0), detail,
                          error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 201, rvi_json_wrap ("user", rvi_json_from_row (res, 0)));
  return TRUE;
}

gboolean
rvi_api_users_update (RviRequest *req, PGconn *conn, GError **error)
{
  const char *password = rvi_json_get_string (req->json, "password");
  const char *role = rvi_json_get_string (req->json, "role");
  gboolean has_disabled = json_object_has_member (req->json, "disabled");
  gboolean disabled = has_disabled && json_object_get_boolean_member (req->json, "disabled");
  gboolean self = g_str_equal (req->path_id, req->user->id);
  g_autofree char *hash = NULL;
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;

  if ((password && !rvi_users_check_password (password, error)) || !check_role (role, error))
    return FALSE;
  if (self && ((role && rvi_role_from_string (role) != req->user->role) || disabled)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT,
                 "you cannot change your own role or disable yourself");
    return FALSE;
  }
  if (password && !(hash = rvi_password_hash (password))) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "password hashing failed");
    return FALSE;
  }
  if (!rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_users_update (conn, req->path_id, rvi_json_get_string (req->json, "display_name"),
                          role, hash, has_disabled ? (disabled ? "true" : "false") : NULL, error);
  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such user");
    return FALSE;
  }
  if ((password || disabled)
      && (!rvi_sessions_delete_for_user (conn, req->path_id, error)
          || (disabled && !rvi_api_tokens_revoke_for_user (conn, req->path_id, error))))
    return FALSE;
  detail = change_detail (req->json, PQgetvalue (res, 0, 1));
  if (!rvi_request_audit (req, conn, NULL, "user_updated", "user", req->path_id, detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("user", rvi_json_from_row (res, 0)));
  return TRUE;
}

gboolean
rvi_api_users_delete (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  if (g_str_equal (req->path_id, req->user->id)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "you cannot delete yourself");
    return FALSE;
  }
  if (!rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_users_delete (conn, req->path_id, error);
  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such user");
    return FALSE;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "username");
  json_builder_add_string_value (b, PQgetvalue (res, 0, 1));
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  if (!rvi_sessions_delete_for_user (conn, req->path_id, error)
      || !rvi_api_tokens_revoke_for_user (conn, req->path_id, error)
      || !rvi_request_audit (req, conn, NULL, "user_deleted", "user", req->path_id, detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  rvi_request_reply (req, 204, NULL);
  return TRUE;
}
