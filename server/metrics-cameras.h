/* metrics-cameras.h: the /metrics families of this node and its cameras
 * (see metrics-cameras.c for the names). Main loop only. */
#pragma once

#include <glib.h>

#include "app.h"

G_BEGIN_DECLS

/* Appends the node's and its cameras' families to @out, in a stable order
 * (cameras by id, label values by name). Nothing when @app records no
 * cameras. Reads no file and no database. */
void rvi_metrics_cameras_render (GString *out, RviApp *app);

/* Appends @value to @out escaped as a Prometheus label value: backslash,
 * double quote and line feed as \\, \" and \n. */
void rvi_metrics_append_label_value (GString *out, const char *value);

G_END_DECLS
