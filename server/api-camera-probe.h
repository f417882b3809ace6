/* api-camera-probe.h: POST /api/cameras/probe, "test connection". */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_camera_probe_shape;

gboolean rvi_api_camera_probe_prepare (RviRequest *req, PGconn *conn, GError **error);
void rvi_api_camera_probe_run (RviRequest *req);

G_END_DECLS
