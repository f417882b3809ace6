/* credential-box.c: secretbox sealing of camera passwords. */
#define G_LOG_DOMAIN "rvi-auth"
#include "credential-box.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

struct _RviCredentialBox {
  guchar key[crypto_secretbox_KEYBYTES];
};

static gboolean
create_key (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  guchar key[crypto_secretbox_KEYBYTES];
  int fd;
  gboolean ok;

  if (g_mkdir_with_parents (dir, 0700) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "cannot create %s: %s", dir,
                 g_strerror (errno));
    return FALSE;
  }
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return TRUE;   /* another process made it first */
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "cannot create %s: %s", path,
                 g_strerror (errno));
    return FALSE;
  }
  crypto_secretbox_keygen (key);
  ok = write (fd, key, sizeof key) == (ssize_t) sizeof key && fsync (fd) == 0;
  sodium_memzero (key, sizeof key);
  close (fd);
  if (!ok) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "cannot write %s", path);
    unlink (path);
    return FALSE;
  }
  g_message ("created the camera credentials key %s (nodes sharing a database need the same file)",
             path);
  return TRUE;
}

RviCredentialBox *
rvi_credential_box_open (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  RviCredentialBox *box;

  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !create_key (path, error))
    return NULL;
  if (!g_file_get_contents (path, &data, &len, NULL) || len != crypto_secretbox_KEYBYTES) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "%s is not a credentials key (%d bytes expected)", path,
                 crypto_secretbox_KEYBYTES);
    return NULL;
  }
  box = g_new0 (RviCredentialBox, 1);
  memcpy (box->key, data, sizeof box->key);
  sodium_memzero (data, len);
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
