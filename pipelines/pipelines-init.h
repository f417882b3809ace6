/* pipelines-init.h: the one-time set-up of the media plane. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Initializes GStreamer and checks that the elements recording needs are
 * installed. Idempotent. Returns FALSE with @error naming what is missing. */
gboolean rvi_pipelines_init (GError **error);

G_END_DECLS
