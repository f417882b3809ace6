/* api-frame-samples.h: GET /api/frame-samples/{id}, one key-frame still
 * (image/jpeg) as the sampler wrote it. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

gboolean rvi_api_frame_samples_get (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
