/* users.h: queries of the users table.
 *
 * Results hold the API's columns, named as the API names them (id,
 * username, display_name, role, disabled, created_at as RFC 3339 UTC), so
 * the HTTP edge can turn a row into JSON as it is. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "roles.h"

G_BEGIN_DECLS

/* (transfer full) results, or NULL with @error set. A taken user name is
 * RVI_ERROR_CONFLICT; an unknown or deleted id answers zero rows. */
PGresult *rvi_users_insert (PGconn *conn, const char *username, const char *display_name,
                            const char *role, const char *password_hash, GError **error);
PGresult *rvi_users_list (PGconn *conn, GError **error);
PGresult *rvi_users_get (PGconn *conn, const char *id, GError **error);

/* Changes the non-NULL fields of user @id; @disabled is "true"/"false" or
 * NULL. Answers the updated row (zero rows when the user does not exist). */
PGresult *rvi_users_update (PGconn *conn, const char *id, const char *display_name,
                            const char *role, const char *password_hash, const char *disabled,
                            GError **error);

/* Marks @id deleted; its rows stay for the audit trail. Zero rows when it
 * did not exist. */
PGresult *rvi_users_delete (PGconn *conn, const char *id, GError **error);

/* The live user called @username (case-insensitive) with its password hash
 * in a column password_hash, for logins. Zero rows when there is none. */
PGresult *rvi_users_find_login (PGconn *conn, const char *username, GError **error);

/* (transfer full) the user, or NULL with @error (RVI_ERROR_NOT_FOUND). */
RviUser *rvi_users_get_by_name (PGconn *conn, const char *username, GError **error);

/* Column list of the API's user object, for the queries of other files. */
#define RVI_USER_COLUMNS \
  "id, username, display_name, role, disabled, " \
  "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at"

G_END_DECLS
