/* sessions.c: browser sessions and bearer API tokens. */
#define G_LOG_DOMAIN "rvi-auth"
#include "sessions.h"
#include "db.h"
#include "rvi-error.h"
#include "secrets.h"

#define SESSION_TOKEN_BYTES 32
#define API_TOKEN_PREFIX "rvi_"

gboolean
rvi_sessions_create (PGconn *conn, const char *user_id, int ttl_s, const char *address,
                     const char *user_agent, char **token, char **csrf, GError **error)
{
  g_autofree char *t = rvi_token_new (NULL, SESSION_TOKEN_BYTES);
  g_autofree char *c = rvi_token_new (NULL, SESSION_TOKEN_BYTES);
  g_autofree char *hash = rvi_token_hash_param (t);
  g_autofree char *ttl = g_strdup_printf ("%d", ttl_s);
  const char *ua_in = user_agent ? user_agent : "";
  g_autofree char *ua = g_utf8_make_valid (ua_in, (gssize) MIN (strlen (ua_in), 300));
  const char *params[] = { hash, user_id, c, address ? address : "", ua, ttl };

  if (!rvi_db_run (conn, "INSERT INTO sessions (token_hash, user_id, csrf_token, address,"
                   " user_agent, expires_at) VALUES ($1::bytea, $2::uuid, $3, $4, $5,"
                   " now() + make_interval(secs => $6::int))", 6, params, error))
    return FALSE;
  *token = g_steal_pointer (&t);
  *csrf = g_steal_pointer (&c);
  return TRUE;
}

static RviUser *
user_from_row (const PGresult *res)
{
  RviUser *user = g_new0 (RviUser, 1);

  user->id = rvi_db_dup (res, 0, 0);
  user->username = rvi_db_dup (res, 0, 1);
  user->display_name = rvi_db_dup (res, 0, 2);
  user->role = rvi_role_from_string (PQgetvalue (res, 0, 3));
  return user;
}

RviUser *
rvi_sessions_lookup (PGconn *conn, const char *token, int idle_s, char **csrf, GError **error)
{
  g_autofree char *hash = rvi_token_hash_param (token);
  g_autofree char *idle = g_strdup_printf ("%d", idle_s);
  const char *params[] = { hash, idle };
  /* refresh last_seen_at at most every 30 s, not on every request */
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "WITH s AS (SELECT s.token_hash, s.csrf_token, s.last_seen_at, u.id, u.username,"
      "   u.display_name, u.role FROM sessions s JOIN users u ON u.id = s.user_id"
      "   WHERE s.token_hash = $1::bytea AND s.expires_at > now()"
      "   AND s.last_seen_at > now() - make_interval(secs => $2::int)"
      "   AND NOT u.disabled AND u.deleted_at IS NULL),"
      " touch AS (UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1::bytea"
      "   AND EXISTS (SELECT 1 FROM s WHERE s.last_seen_at < now() - interval '30 seconds'))"
      " SELECT id, username, display_name, role, csrf_token FROM s", 2, params, error);

  if (!res)
    return NULL;
  if (PQntuples (res) != 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_UNAUTHENTICATED, "session expired or unknown");
    return NULL;
  }
  *csrf = rvi_db_dup (res, 0, 4);
  return user_from_row (res);
}

gboolean
rvi_sessions_delete (PGconn *conn, const char *token, GError **error)
{
  g_autofree char *hash = rvi_token_hash_param (token);
  const char *params[] = { hash };
  return rvi_db_run (conn, "DELETE FROM sessions WHERE token_hash = $1::bytea", 1, params, error);
}

gboolean
rvi_sessions_delete_for_user (PGconn *conn, const char *user_id, GError **error)
{
  const char *params[] = { user_id };
  return rvi_db_run (conn, "DELETE FROM sessions WHERE user_id = $1::uuid", 1, params, error);
}

char *
rvi_api_tokens_create (PGconn *conn, const char *user_id, const char *label, GError **error)
{
  return rvi_api_tokens_create_expiring (conn, user_id, label, 0, NULL, error);
}

char *
rvi_api_tokens_create_expiring (PGconn *conn, const char *user_id, const char *label,
                                guint lifetime_s, char **id, GError **error)
{
  g_autofree char *t = rvi_token_new (API_TOKEN_PREFIX, SESSION_TOKEN_BYTES);
  g_autofree char *hash = rvi_token_hash_param (t);
  g_autofree char *lifetime = g_strdup_printf ("%u", lifetime_s);
  const char *params[] = { hash, user_id, label ? label : "", lifetime };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "INSERT INTO api_tokens (token_hash, user_id, label, expires_at)"
      " VALUES ($1::bytea, $2::uuid, $3, CASE WHEN $4::int > 0"
      "   THEN now() + make_interval(secs => $4::int) END) RETURNING id", 4, params, error);

  if (!res)
    return NULL;
  if (id)
    *id = g_strdup (PQgetvalue (res, 0, 0));
  return g_steal_pointer (&t);
}

gboolean
rvi_api_tokens_revoke (PGconn *conn, const char *token_id, GError **error)
{
  const char *params[] = { token_id };
  return rvi_db_run (conn, "UPDATE api_tokens SET revoked_at = now()"
                     " WHERE id = $1::uuid AND revoked_at IS NULL", 1, params, error);
}

RviUser *
rvi_api_tokens_lookup (PGconn *conn, const char *token, GError **error)
{
  g_autofree char *hash = rvi_token_hash_param (token);
  const char *params[] = { hash };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "WITH t AS (SELECT t.id AS token_id, t.last_used_at, u.id, u.username, u.display_name,"
      "   u.role FROM api_tokens t JOIN users u ON u.id = t.user_id"
      "   WHERE t.token_hash = $1::bytea AND t.revoked_at IS NULL"
      "   AND (t.expires_at IS NULL OR t.expires_at > now())"
      "   AND NOT u.disabled AND u.deleted_at IS NULL),"
      " touch AS (UPDATE api_tokens SET last_used_at = now() WHERE id IN (SELECT token_id FROM t"
      "   WHERE last_used_at IS NULL OR last_used_at < now() - interval '60 seconds'))"
      " SELECT id, username, display_name, role FROM t", 1, params, error);

  if (!res)
    return NULL;
  if (PQntuples (res) != 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_UNAUTHENTICATED, "unknown or revoked API token");
    return NULL;
  }
  return user_from_row (res);
}

gboolean
rvi_api_tokens_revoke_for_user (PGconn *conn, const char *user_id, GError **error)
{
  const char *params[] = { user_id };
  return rvi_db_run (conn, "UPDATE api_tokens SET revoked_at = now()"
                     " WHERE user_id = $1::uuid AND revoked_at IS NULL", 1, params, error);
}
