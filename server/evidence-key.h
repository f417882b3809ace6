/* evidence-key.h: RviSigningKey, the server's Ed25519 key that signs
 * evidence packages (docs/evidence.md). Its seed lives in a key file
 * (key-file.h, default DATA-DIR/keys/signing.key), created on first start. */
#pragma once

#include <glib.h>
#include <sodium.h>

G_BEGIN_DECLS

#define RVI_EVIDENCE_PUBLIC_KEY_BYTES crypto_sign_PUBLICKEYBYTES
#define RVI_EVIDENCE_SIGNATURE_BYTES crypto_sign_BYTES
#define RVI_EVIDENCE_KEY_ID_LEN 16

typedef struct _RviSigningKey RviSigningKey;

/* (transfer full) the key at @path, created when missing; NULL with @error. */
RviSigningKey *rvi_signing_key_open (const char *path, GError **error);
void rvi_signing_key_free (RviSigningKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviSigningKey, rvi_signing_key_free)

/* The detached signature of @size bytes at @data. Thread-safe. */
void rvi_signing_key_sign (RviSigningKey *key, const guint8 *data, gsize size,
                           guint8 signature[RVI_EVIDENCE_SIGNATURE_BYTES]);

/* (transfer none) the 32 public key bytes. */
const guint8 *rvi_signing_key_public (RviSigningKey *key);

/* The key's id: the first 16 hex digits of the SHA-256 of @public_key. */
void rvi_evidence_key_id (const guint8 public_key[RVI_EVIDENCE_PUBLIC_KEY_BYTES],
                          char out[RVI_EVIDENCE_KEY_ID_LEN + 1]);

/* Parses a public key given as base64 (32 bytes), surrounding blanks
 * allowed, or as the name of a file holding that text. FALSE with @error. */
gboolean rvi_evidence_public_key_parse (const char *text_or_path,
                                        guint8 out[RVI_EVIDENCE_PUBLIC_KEY_BYTES], GError **error);

G_END_DECLS
