/* api-health.h: /healthz, /readyz and /metrics. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

void rvi_api_healthz (RviRequest *req);
gboolean rvi_api_readyz (RviRequest *req, PGconn *conn, GError **error);
void rvi_api_metrics (RviRequest *req);

G_END_DECLS
