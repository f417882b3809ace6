/* identifiers.h: validation of the identifiers of the customs domain
 * (../shared/domain.md). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GACC camera id: 20 digits (district, site, controller, "10", device
 * type, site class, location, serial). Only the pattern is checked: the
 * field layout is not published precisely enough to check more. */
gboolean rvi_gacc_camera_id_valid (const char *id);

/* TRUE for a UUID in its 36-character text form (any case). */
gboolean rvi_is_uuid (const char *s);

G_END_DECLS
