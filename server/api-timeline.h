/* api-timeline.h: GET /api/cameras/{id}/timeline, what a camera recorded
 * over a time range and why it did not record the rest. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

gboolean rvi_api_timeline_get (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
