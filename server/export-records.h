/* export-records.h: the database records an evidence package carries, as
 * JSON files (export-records.c says which and why). Runs on the export
 * runner's thread with its own connection. */
#pragma once

#include <libpq-fe.h>

#include "evidence-package.h"

G_BEGIN_DECLS

/* export.json, the lot's records (lot.json, inspections.json,
 * decisions.json, marks.json, samples.json) or a camera export's marks,
 * and audit.json. @stills (export-stills.h) says which marks' stills are
 * in the package, for marks.json. */
gboolean rvi_export_records_add (PGconn *conn, RviEvidencePackage *package, const char *export_id,
                                 const char *stills, GError **error);

/* One exported camera's camera.json, segments.json, gaps.json,
 * frame-samples.json and alerts.json under @dir (e.g. "cameras/<id>"). */
gboolean rvi_export_records_add_camera (PGconn *conn, RviEvidencePackage *package,
                                        const char *export_id, const char *camera_id,
                                        const char *dir, GError **error);

G_END_DECLS
