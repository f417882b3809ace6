/* api-users.h: /api/users, user administration (admin only). */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_users_create_shape;
extern const RviJsonShape rvi_api_users_update_shape;

gboolean rvi_api_users_list (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_users_create (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_users_update (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_users_delete (RviRequest *req, PGconn *conn, GError **error);

/* Checks a new user name / password / display name; shared with the CLI. */
gboolean rvi_users_check_username (const char *username, GError **error);
gboolean rvi_users_check_password (const char *password, GError **error);

G_END_DECLS
