/* evidence-key.c: the seed on disk, the key pair in memory (libsodium). */
#define G_LOG_DOMAIN "rvi-auth"
#include "evidence-key.h"
#include "key-file.h"
#include "rvi-error.h"
#include "sha256-hex.h"

struct _RviSigningKey {
  guint8 public_key[crypto_sign_PUBLICKEYBYTES];
  guint8 secret_key[crypto_sign_SECRETKEYBYTES];
};

RviSigningKey *
rvi_signing_key_open (const char *path, GError **error)
{
  guint8 seed[crypto_sign_SEEDBYTES];
  RviSigningKey *key;

  if (sodium_init () < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "libsodium could not be initialized");
    return NULL;
  }
  if (!rvi_key_file_load (path, seed, sizeof seed, "the evidence signing key", error))
    return NULL;
  key = g_new0 (RviSigningKey, 1);
  crypto_sign_seed_keypair (key->public_key, key->secret_key, seed);
  sodium_memzero (seed, sizeof seed);
  return key;
}

void
rvi_signing_key_free (RviSigningKey *key)
{
  if (!key)
    return;
  sodium_memzero (key->secret_key, sizeof key->secret_key);
  g_free (key);
}

void
rvi_signing_key_sign (RviSigningKey *key, const guint8 *data, gsize size,
                      guint8 signature[RVI_EVIDENCE_SIGNATURE_BYTES])
{
  crypto_sign_detached (signature, NULL, data, size, key->secret_key);
}

const guint8 *
rvi_signing_key_public (RviSigningKey *key)
{
  return key->public_key;
}

void
rvi_evidence_key_id (const guint8 public_key[RVI_EVIDENCE_PUBLIC_KEY_BYTES],
                     char out[RVI_EVIDENCE_KEY_ID_LEN + 1])
{
  char hex[RVI_SHA256_HEX_LEN + 1];

  rvi_sha256_hex (public_key, RVI_EVIDENCE_PUBLIC_KEY_BYTES, hex);
  memcpy (out, hex, RVI_EVIDENCE_KEY_ID_LEN);
  out[RVI_EVIDENCE_KEY_ID_LEN] = '\0';
}

gboolean
rvi_evidence_public_key_parse (const char *text_or_path, guint8 out[RVI_EVIDENCE_PUBLIC_KEY_BYTES],
                               GError **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *text = NULL;
  g_autofree guint8 *raw = NULL;
  gsize len = 0;

  if (g_file_get_contents (text_or_path, &contents, NULL, NULL))
    text = g_strstrip (g_strdup (contents));
  else
    text = g_strstrip (g_strdup (text_or_path));
  /* g_base64_decode accepts anything; insist on the alphabet and the size */
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=') {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "the public key is neither base64 text nor a file holding it");
      return FALSE;
    }
  raw = *text ? g_base64_decode (text, &len) : NULL;
  if (len != RVI_EVIDENCE_PUBLIC_KEY_BYTES) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "the public key must be %d bytes in base64 (this is %" G_GSIZE_FORMAT ")",
                 RVI_EVIDENCE_PUBLIC_KEY_BYTES, len);
    return FALSE;
  }
  memcpy (out, raw, len);
  return TRUE;
}
