/* api-timeline.h: GET /api/cameras/{id}/timeline and GET /api/timeline
 * (several cameras, or a lot's): what cameras recorded over a time range,
 * why they did not record the rest, and what was marked and decided. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

gboolean rvi_api_timeline_get (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_timeline_many (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
