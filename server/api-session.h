/* api-session.h: /api/session, logging in and out. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_session_login_shape;

gboolean rvi_api_session_login (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_session_get (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_session_logout (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
