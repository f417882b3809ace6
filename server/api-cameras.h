/* api-cameras.h: /api/cameras, linking and managing cameras (operators
 * write, every role reads). */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_cameras_create_shape;
extern const RviJsonShape rvi_api_cameras_update_shape;

gboolean rvi_api_cameras_list (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_cameras_get (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_cameras_create (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_cameras_update (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_cameras_delete (RviRequest *req, PGconn *conn, GError **error);

/* Main-loop step after a change: the camera manager picks it up at once. */
void rvi_api_cameras_changed (RviRequest *req);

G_END_DECLS
