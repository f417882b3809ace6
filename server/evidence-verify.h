/* evidence-verify.h: checking an evidence package offline (docs/evidence.md):
 * the tar read strictly, the manifest's Ed25519 signature (against the key
 * it names, or a pinned one), every listed file's size and SHA-256, and
 * no file the manifest does not list. */
#pragma once

#include <glib.h>

#include "evidence-key.h"

G_BEGIN_DECLS

typedef struct {
  GPtrArray *problems;      /* char *, one per problem, in the order found */
  guint files;              /* files listed in the manifest */
  gboolean signature_ok;
  char key_id[RVI_EVIDENCE_KEY_ID_LEN + 1];   /* of the key that signed, "" when unknown */
  char *export_id;          /* from the manifest, NULL when unknown */
} RviEvidenceReport;

/* Checks the package at @path against @pinned_key (NULL: the key the
 * manifest names). Fills @report; the package is intact when it holds no
 * problems. FALSE with @error only when the file cannot be read at all. */
gboolean rvi_evidence_verify (const char *path, const guint8 *pinned_key,
                              RviEvidenceReport *report, GError **error);
void rvi_evidence_report_clear (RviEvidenceReport *report);

/* The names of the package's manifest and signature under its top directory. */
#define RVI_EVIDENCE_MANIFEST "manifest.json"
#define RVI_EVIDENCE_SIGNATURE "manifest.sig"
#define RVI_EVIDENCE_FORMAT "rvi-evidence/1"

G_END_DECLS
