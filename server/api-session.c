/* api-session.c: logging in and out of browser sessions.
 *
 * A login never says whether the user exists: an unknown user, a disabled
 * one and a wrong password all answer 401 invalid_credentials after the
 * same argon2id work. Failures slow further attempts down per user name and
 * per address (login-throttle.h); every outcome is an audit event. Over
 * HTTPS the session cookie is Secure: a browser never sends it in clear. */
#define G_LOG_DOMAIN "rvi-auth"
#include "api-session.h"
#include "db.h"
#include "login-throttle.h"
#include "rvi-error.h"
#include "secrets.h"
#include "sessions.h"
#include "tls.h"
#include "users.h"

#include <libsoup/soup.h>

#define COOKIE_NAME "rvi_session"
#define COOKIE_ATTRIBUTES "; Path=/; HttpOnly; SameSite=Strict"

/* (transfer full) the Set-Cookie value giving the session cookie @token
 * (empty: removing it) for @max_age_s seconds. */
static char *
session_cookie (const RviConfig *config, const char *token, int max_age_s)
{
  return g_strdup_printf (COOKIE_NAME "=%s" COOKIE_ATTRIBUTES "%s; Max-Age=%d", token,
                          rvi_tls_enabled (config) ? "; Secure" : "", max_age_s);
}

static const RviJsonField login_fields[] = {
  { "username", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 64 },
  { "password", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 1024 },
};
const RviJsonShape rvi_api_session_login_shape = RVI_JSON_SHAPE (login_fields);

/* {user: {...}, csrf_token, settings: {...}} */
static JsonNode *
session_body (RviRequest *req, const RviUser *user, const char *csrf)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "user");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, user->id);
  json_builder_set_member_name (b, "username");
  json_builder_add_string_value (b, user->username);
  json_builder_set_member_name (b, "display_name");
  json_builder_add_string_value (b, user->display_name);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, rvi_role_to_string (user->role));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "csrf_token");
  if (csrf)
    json_builder_add_string_value (b, csrf);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "settings");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "display_timezone");
  json_builder_add_string_value (b, req->app->config->display_timezone);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
reply_throttled (RviRequest *req, PGconn *conn, const char *username, int wait_s,
                 GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = NULL;
  g_autofree char *wait = g_strdup_printf ("%d", wait_s);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "username");
  json_builder_add_string_value (b, username);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, "throttled");
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  if (!rvi_request_audit (req, conn, username, "login_failed", "user", NULL, detail, error))
    return FALSE;

  json_builder_reset (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, "too_many_attempts");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, "too many failed logins; try again later");
  json_builder_set_member_name (b, "retry_after");
  json_builder_add_int_value (b, wait_s);
  json_builder_end_object (b);
  json_builder_end_object (b);
  rvi_request_reply (req, 429, json_builder_get_root (b));
  rvi_request_add_header (req, "Retry-After", wait);
  return TRUE;
}

static gboolean
record_failure (RviRequest *req, PGconn *conn, const char *username, const char *reason,
                GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "username");
  json_builder_add_string_value (b, username);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  if (!rvi_db_begin (conn, error)
      || !rvi_login_throttle_fail (conn, username, req->address, error)
      || !rvi_request_audit (req, conn, username, "login_failed", "user", NULL, detail, error)
      || !rvi_db_commit (conn, error))
    return FALSE;
  g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_CREDENTIALS, "wrong user name or password");
  return FALSE;
}

gboolean
rvi_api_session_login (RviRequest *req, PGconn *conn, GError **error)
{
  const RviConfig *config = req->app->config;
  const char *username = rvi_json_get_string (req->json, "username");
  const char *password = rvi_json_get_string (req->json, "password");
  g_autoptr (PGresult) found = NULL;
  g_autoptr (RviUser) user = NULL;
  g_autofree char *token = NULL;
  g_autofree char *csrf = NULL;
  g_autofree char *cookie = NULL;
  const char *reason = NULL;
  int wait_s;

  wait_s = rvi_login_throttle_check (conn, username, req->address, config->login_free_attempts,
                                     config->login_max_delay_s, error);
  if (wait_s < 0)
    return FALSE;
  if (wait_s > 0)
    return reply_throttled (req, conn, username, wait_s, error);

  found = rvi_users_find_login (conn, username, error);
  if (!found)
    return FALSE;
  if (PQntuples (found) != 1) {
    rvi_password_verify (NULL, password);
    reason = "unknown_user";
  } else if (!rvi_password_verify (PQgetvalue (found, 0, 4), password)) {
    reason = "wrong_password";
  } else if (rvi_db_bool (found, 0, 5)) {
    reason = "disabled";
  }
  if (reason)
    return record_failure (req, conn, username, reason, error);

  user = g_new0 (RviUser, 1);
  user->id = rvi_db_dup (found, 0, 0);
  user->username = rvi_db_dup (found, 0, 1);
  user->display_name = rvi_db_dup (found, 0, 2);
  user->role = rvi_role_from_string (PQgetvalue (found, 0, 3));
  req->user = rvi_user_copy (user);
  if (!rvi_db_begin (conn, error)
      || !rvi_login_throttle_succeed (conn, username, error)
      || !rvi_sessions_create (conn, user->id, config->session_ttl_s, req->address,
                               req->user_agent, &token, &csrf, error)
      || !rvi_request_audit (req, conn, NULL, "login", "user", user->id, NULL, error)
      || !rvi_db_commit (conn, error))
    return FALSE;

  cookie = session_cookie (config, token, config->session_ttl_s);
  rvi_request_add_header (req, "Set-Cookie", cookie);
  rvi_request_reply (req, SOUP_STATUS_OK, session_body (req, user, csrf));
  return TRUE;
}

gboolean
rvi_api_session_get (RviRequest *req, PGconn *conn, GError **error)
{
  rvi_request_reply (req, SOUP_STATUS_OK, session_body (req, req->user, req->session_csrf));
  return TRUE;
}

gboolean
rvi_api_session_logout (RviRequest *req, PGconn *conn, GError **error)
{
  g_autofree char *cookie = NULL;

  if (req->session_csrf) {
    if (!rvi_db_begin (conn, error)
        || !rvi_sessions_delete (conn, req->session_token, error)
        || !rvi_request_audit (req, conn, NULL, "logout", "user", req->user->id, NULL, error)
        || !rvi_db_commit (conn, error))
      return FALSE;
    cookie = session_cookie (req->app->config, "", 0);
    rvi_request_add_header (req, "Set-Cookie", cookie);
  }
  rvi_request_reply (req, SOUP_STATUS_NO_CONTENT, NULL);
  return TRUE;
}
