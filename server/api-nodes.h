/* api-nodes.h: GET /api/nodes, the rvi nodes sharing this database. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

gboolean rvi_api_nodes_list (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
