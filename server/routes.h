/* routes.h: the one route table of rvi. Every route declares its method,
 * path, roles, body shape and handler here; tests walk this table. */
#pragma once

#include "config.h"
#include "http-router.h"

G_BEGIN_DECLS

/* Returns (transfer full) an array of RviRoute for @config (a few routes'
 * roles are configurable, e.g. /metrics). */
GArray *rvi_routes_new (const RviConfig *config);

G_END_DECLS
