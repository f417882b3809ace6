/* export-stills.h: the stills of the exported marks in an evidence package
 * (docs/evidence.md): marks/<mark id>.jpg, each checked against its row's
 * SHA-256 as it is read. Runs on the export runner's thread. */
#pragma once

#include <libpq-fe.h>

#include "evidence-package.h"
#include "node-fetch.h"

G_BEGIN_DECLS

/* Adds the still of every exported mark (a lot's marks; a camera export's
 * marks within its ranges) as marks/<mark id>.jpg: those node @node holds
 * from under @data_dir, those of other nodes copied into @staging through
 * @fetcher (node-fetch.h; NULL: not fetched). Sets @stills (transfer
 * full) to a JSON object as text, for marks.json (export-records.h): for
 * each recorded still, its mark id -> {"file": "marks/<id>.jpg"} or
 * {"not_exported": why} (its node did not give it, its file missing or
 * changed). FALSE with @error when the database or the package fails. */
gboolean rvi_export_stills_add (PGconn *conn, RviEvidencePackage *package, const char *export_id,
                                const char *data_dir, const char *node, RviNodeFetcher *fetcher,
                                const char *staging, GCancellable *cancel, char **stills,
                                GError **error);

G_END_DECLS
