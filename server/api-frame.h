/* api-frame.h: GET /api/cameras/{id}/frame.jpg?at=TIME, the recorded
 * frame nearest TIME, decoded from the recording (image/jpeg). */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

/* Database worker: parses `at`, finds the camera's segments around it. */
gboolean rvi_api_frame_lookup (RviRequest *req, PGconn *conn, GError **error);

/* Main loop: decodes on the frame service and answers when it is done. */
void rvi_api_frame_decode (RviRequest *req);

G_END_DECLS
