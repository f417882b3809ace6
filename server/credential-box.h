/* credential-box.h: RviCredentialBox seals camera passwords at rest.
 *
 * Camera passwords must be usable (rvi sends them to the camera), so they
 * cannot be hashed; they are sealed with libsodium's secretbox under a key
 * kept in a file outside the database (default DATA-DIR/keys/credentials.key,
 * mode 0600, created on first start). A database dump alone does not reveal
 * them. Nodes sharing a database must share this key file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RviCredentialBox RviCredentialBox;

/* Loads the key at @path, creating it (and its directory) when missing.
 * Returns (transfer full) the box or NULL with @error set. */
RviCredentialBox *rvi_credential_box_open (const char *path, GError **error);
void rvi_credential_box_free (RviCredentialBox *box);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCredentialBox, rvi_credential_box_free)

/* (transfer full) base64 of nonce + ciphertext. Thread-safe. */
char *rvi_credential_box_seal (RviCredentialBox *box, const char *secret);

/* (transfer full) the secret, or NULL with @error when @sealed is not from
 * this key. Thread-safe. */
char *rvi_credential_box_open_sealed (RviCredentialBox *box, const char *sealed, GError **error);

G_END_DECLS
