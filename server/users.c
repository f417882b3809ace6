/* users.c: the users table. */
#define G_LOG_DOMAIN "rvi-users"
#include "users.h"
#include "db.h"
#include "rvi-error.h"

PGresult *
rvi_users_insert (PGconn *conn, const char *username, const char *display_name,
                  const char *role, const char *password_hash, GError **error)
{
  const char *params[] = { username, display_name ? display_name : "", role, password_hash };
  g_autoptr (GError) local = NULL;
  PGresult *res = rvi_db_exec (conn,
      "INSERT INTO users (username, display_name, role, password_hash)"
      " VALUES ($1, $2, $3, $4) RETURNING " RVI_USER_COLUMNS, 4, params, &local);

  if (!res && g_error_matches (local, RVI_ERROR, RVI_ERROR_CONFLICT)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "user name \"%s\" is taken", username);
    return NULL;
  }
  if (!res)
    g_propagate_error (error, g_steal_pointer (&local));
  return res;
}

PGresult *
rvi_users_list (PGconn *conn, GError **error)
{
  return rvi_db_exec (conn, "SELECT " RVI_USER_COLUMNS " FROM users"
                      " WHERE deleted_at IS NULL ORDER BY lower(username)", 0, NULL, error);
}

PGresult *
rvi_users_get (PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  return rvi_db_exec (conn, "SELECT " RVI_USER_COLUMNS " FROM users"
                      " WHERE id = $1::uuid AND deleted_at IS NULL", 1, params, error);
}

PGresult *
rvi_users_update (PGconn *conn, const char *id, const char *display_name, const char *role,
                  const char *password_hash, const char *disabled, GError **error)
{
  const char *params[] = { id, display_name, role, password_hash, disabled };
  return rvi_db_exec (conn,
      "UPDATE users SET display_name = coalesce($2, display_name),"
      " role = coalesce($3, role), password_hash = coalesce($4, password_hash),"
      " disabled = coalesce($5::boolean, disabled), updated_at = now()"
      " WHERE id = $1::uuid AND deleted_at IS NULL RETURNING " RVI_USER_COLUMNS,
      5, params, error);
}

PGresult *
rvi_users_delete (PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  return rvi_db_exec (conn, "UPDATE users SET deleted_at = now(), disabled = true"
                      " WHERE id = $1::uuid AND deleted_at IS NULL RETURNING id, username",
                      1, params, error);
}

PGresult *
rvi_users_find_login (PGconn *conn, const char *username, GError **error)
{
  const char *params[] = { username };
  return rvi_db_exec (conn, "SELECT id, username, display_name, role, password_hash, disabled"
                      " FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL",
                      1, params, error);
}

RviUser *
rvi_users_get_by_name (PGconn *conn, const char *username, GError **error)
{
  g_autoptr (PGresult) res = rvi_users_find_login (conn, username, error);
  RviUser *user;

  if (!res)
    return NULL;
  if (PQntuples (res) != 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no user \"%s\"", username);
    return NULL;
  }
  user = g_new0 (RviUser, 1);
  user->id = rvi_db_dup (res, 0, 0);
  user->username = rvi_db_dup (res, 0, 1);
  user->display_name = rvi_db_dup (res, 0, 2);
  user->role = rvi_role_from_string (PQgetvalue (res, 0, 3));
  return user;
}
