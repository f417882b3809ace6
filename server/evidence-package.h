/* evidence-package.h: RviEvidencePackage writes one evidence package
 * (docs/evidence.md): files go into the tar as they are added, each one
 * hashed on the way; finishing adds README.txt, then manifest.json (every
 * file with its size and SHA-256) and manifest.sig (its Ed25519
 * signature), and renames the package into place. Until then the package
 * is PATH.partial; a failed or abandoned one leaves nothing behind. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "evidence-key.h"

G_BEGIN_DECLS

typedef struct _RviEvidencePackage RviEvidencePackage;

/* (transfer full) a package to be written at @path for export @export_id,
 * created at @created_us (Unix microseconds); NULL with @error. */
RviEvidencePackage *rvi_evidence_package_begin (const char *path, const char *export_id,
                                                gint64 created_us, GError **error);

/* Adds a file at @rel_path (relative to the package's top directory;
 * parent directories are added as needed). */
gboolean rvi_evidence_package_add_bytes (RviEvidencePackage *package, const char *rel_path,
                                         const guint8 *data, gsize size, GError **error);
/* @node as pretty-printed JSON. */
gboolean rvi_evidence_package_add_json (RviEvidencePackage *package, const char *rel_path,
                                        JsonNode *node, GError **error);
/* The file at @source, copied; @progress as rvi_tar_writer_add_file(). */
gboolean rvi_evidence_package_add_file (RviEvidencePackage *package, const char *rel_path,
                                        const char *source,
                                        void (*progress) (guint64 copied, gpointer data),
                                        gpointer data, GCancellable *cancel, GError **error);

/* Adds README.txt, the manifest and its signature by @key, ends the tar,
 * syncs it and renames it to its path. @bytes and @sha256 (may be NULL)
 * get the package's size and digest. The package is freed either way. */
gboolean rvi_evidence_package_finish (RviEvidencePackage *package, RviSigningKey *key,
                                      guint64 *bytes, char sha256[65], GError **error);

/* Abandons the package: the partial file is removed. NULL is fine. */
void rvi_evidence_package_abort (RviEvidencePackage *package);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviEvidencePackage, rvi_evidence_package_abort)

/* The package's top directory and file name stem: "rvi-evidence-<id>". */
char *rvi_evidence_package_name (const char *export_id);

G_END_DECLS
