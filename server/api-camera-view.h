/* api-camera-view.h: POST /api/cameras/{id}/accept-view, an operator's
 * word that the camera's current view is the right one (re-aimed on
 * purpose, lens replaced): its tamper detector learns the view and the
 * sharpness again, and a moved or defocused alert clears. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_camera_view_accept_shape;

gboolean rvi_api_camera_view_accept (RviRequest *req, PGconn *conn, GError **error);
void rvi_api_camera_view_accepted (RviRequest *req);

G_END_DECLS
