/* credential-box.c: secretbox sealing of camera passwords. */
#define G_LOG_DOMAIN "rvi-auth"
#include "credential-box.h"
#include "key-file.h"
#include "rvi-error.h"

#include <sodium.h>

struct _RviCredentialBox {
  guchar key[crypto_secretbox_KEYBYTES];
};

RviCredentialBox *
rvi_credential_box_open (const char *path, GError **error)
{
  RviCredentialBox *box = g_new0 (RviCredentialBox, 1);

  if (!rvi_key_file_load (path, box->key, sizeof box->key, "the camera credentials key", error)) {
    rvi_credential_box_free (box);
    return NULL;
  }
  return box;
}

void
rvi_credential_box_free (RviCredentialBox *box)
{
  if (!box)
    return;
  sodium_memzero (box->key, sizeof box->key);
  g_free (box);
}

char *
rvi_credential_box_seal (RviCredentialBox *box, const char *secret)
{
  gsize len = strlen (secret);
  gsize total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
  g_autofree guchar *buf = g_malloc (total);

  randombytes_buf (buf, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy (buf + crypto_secretbox_NONCEBYTES, (const guchar *) secret, len, buf,
                         box->key);
  return g_base64_encode (buf, total);
}

char *
rvi_credential_box_open_sealed (RviCredentialBox *box, const char *sealed, GError **error)
{
  gsize total = 0;
  g_autofree guchar *buf = g_base64_decode (sealed, &total);
  gsize len;
  char *out;

  if (total < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INTEGRITY, "sealed credential is malformed");
    return NULL;
  }
  len = total - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  out = g_malloc0 (len + 1);
  if (crypto_secretbox_open_easy ((guchar *) out, buf + crypto_secretbox_NONCEBYTES,
                                  total - crypto_secretbox_NONCEBYTES, buf, box->key) != 0) {
    g_free (out);
    g_set_error (error, RVI_ERROR, RVI_ERROR_INTEGRITY,
                 "sealed credential does not open with this node's key");
    return NULL;
  }
  return out;
}
