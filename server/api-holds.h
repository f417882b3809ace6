/* api-holds.h: /api/holds: recordings kept whatever retention says. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_holds_create_shape;

gboolean rvi_api_holds_list (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_holds_create (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_holds_release (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
