/* api-live.h: GET /api/cameras/{id}/live, the live video WebSocket
 * (docs/live.md). Like GET /api/events it is kept out of the route table
 * (http-server.c takes it the same way); this is its route. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

/* TRUE when @path is /api/cameras/{something}/live; sets @id (transfer
 * full) to the something. */
gboolean rvi_api_live_match (const char *path, char **id);

extern const RviRoute rvi_api_live_route;

G_END_DECLS
