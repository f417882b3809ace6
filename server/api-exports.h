/* api-exports.h: evidence exports (docs/evidence.md, docs/api.md):
 * POST /api/exports, GET /api/exports, GET /api/exports/{id},
 * GET /api/exports/{id}/package. Auditors only. */
#pragma once

#include <libpq-fe.h>

#include "http-request.h"
#include "json-shape.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_exports_create_shape;

gboolean rvi_api_exports_create (RviRequest *req, PGconn *conn, GError **error);
void rvi_api_exports_created (RviRequest *req);   /* main loop: wakes the runner */
gboolean rvi_api_exports_get (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_exports_list (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_exports_package (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
