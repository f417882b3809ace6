/* metrics.h: RviMetrics, counters for /metrics in the Prometheus text
 * format. Main loop only (no locking). */
#pragma once

#include <glib.h>

#include "app.h"

G_BEGIN_DECLS

RviMetrics *rvi_metrics_new (void);
void rvi_metrics_free (RviMetrics *metrics);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviMetrics, rvi_metrics_free)

/* Counts one answered request; @route is the route pattern ("static",
 * "unmatched" for the rest), so label values stay few. */
void rvi_metrics_observe_request (RviMetrics *metrics, const char *route, const char *method,
                                  guint status, double seconds);

/* (transfer full) the exposition text with the database pool's figures. */
char *rvi_metrics_render (RviMetrics *metrics, RviApp *app);

G_END_DECLS
