/* export-job.h: one evidence export, from its rows to a signed package in
 * DATA-DIR/exports (docs/evidence.md). Runs on the export runner's thread
 * with the runner's own database connection; file and FFmpeg work only. */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

#include "evidence-key.h"

G_BEGIN_DECLS

typedef struct {
  const char *data_dir;
  const char *node;          /* this node: only its segment files can be read */
  RviSigningKey *key;
  GTlsDatabase *node_cas;    /* CAs of other nodes' certificates (tls_ca); NULL: the system's */
} RviExportJobConfig;

/* @fraction of the whole (0..1) and the phase's name ("records", "clips",
 * "package"). */
typedef void (*RviExportProgress) (double fraction, const char *phase, gpointer data);

/* Builds the package of export @export_id. @bytes and @sha256 get the
 * package's size and digest. FALSE with @error (and nothing left behind:
 * no package, no staging files). */
gboolean rvi_export_job_run (PGconn *conn, const RviExportJobConfig *config,
                             const char *export_id, RviExportProgress progress, gpointer data,
                             GCancellable *cancel, guint64 *bytes, char sha256[65],
                             GError **error);

/* The package's path for @export_id under @data_dir. */
char *rvi_export_job_package_path (const char *data_dir, const char *export_id);

G_END_DECLS
