/* api-marks.h: a mark's still, GET /api/marks/{id}/still.jpg (the
 * recorded frame at the mark's time, kept as evidence: mark-stills.h). */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

/* Database worker: the stored JPEG with X-Frame-Time and X-Still-SHA256,
 * or a 404 saying why there is none. */
gboolean rvi_api_marks_still (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
