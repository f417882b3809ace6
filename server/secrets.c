/* secrets.c: argon2id passwords and random tokens. */
#define G_LOG_DOMAIN "rvi-auth"
#include "secrets.h"
#include "rvi-error.h"

#include <sodium.h>

static char dummy_hash[crypto_pwhash_STRBYTES];

gboolean
rvi_secrets_init (GError **error)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    gboolean ok = sodium_init () >= 0;
    if (ok)
      ok = crypto_pwhash_str (dummy_hash, "rvi-dummy-password", 18,
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
    g_once_init_leave (&once, ok ? 1 : 2);
  }
  if (once != 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "libsodium could not be initialized");
    return FALSE;
  }
  return TRUE;
}

char *
rvi_password_hash (const char *password)
{
  char out[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str (out, password, strlen (password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return NULL;
  return g_strdup (out);
}

gboolean
rvi_password_verify (const char *hash, const char *password)
{
  if (!hash || !g_str_has_prefix (hash, "$argon2id$")) {
    int ignored = crypto_pwhash_str_verify (dummy_hash, password, strlen (password));
    (void) ignored;
    return FALSE;
  }
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

char *
rvi_token_new (const char *prefix, gsize n_bytes)
{
  g_autofree guchar *bytes = g_malloc (n_bytes);
  gsize b64_len = sodium_base64_ENCODED_LEN (n_bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  g_autofree char *b64 = g_malloc (b64_len);

  randombytes_buf (bytes, n_bytes);
  sodium_bin2base64 (b64, b64_len, bytes, n_bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, n_bytes);
  return g_strconcat (prefix ? prefix : "", b64, NULL);
}

char *
rvi_token_hash_param (const char *token)
{
  guchar digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];

  crypto_hash_sha256 (digest, (const guchar *) token, strlen (token));
  sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);
  return g_strconcat ("\\x", hex, NULL);
}

gboolean
rvi_secret_equal (const char *a, const char *b)
{
  gsize la, lb;

  if (!a || !b)
    return FALSE;
  la = strlen (a);
  lb = strlen (b);
  return la == lb && sodium_memcmp (a, b, la) == 0;
}
