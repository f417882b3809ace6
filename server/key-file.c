/* key-file.c: create once (O_EXCL: two processes starting together agree
 * on one key), then read. */
#define G_LOG_DOMAIN "rvi-auth"
#include "key-file.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

static gboolean
create_key (const char *path, gsize len, const char *what, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree guchar *key = g_malloc (len);
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
  randombytes_buf (key, len);
  ok = write (fd, key, len) == (ssize_t) len && fsync (fd) == 0;
  sodium_memzero (key, len);
  close (fd);
  if (!ok) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "cannot write %s", path);
    unlink (path);
    return FALSE;
  }
  g_message ("created %s %s (nodes sharing a database need the same file)", what, path);
  return TRUE;
}

gboolean
rvi_key_file_load (const char *path, guchar *out, gsize len, const char *what, GError **error)
{
  g_autofree char *data = NULL;
  gsize got = 0;

  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !create_key (path, len, what, error))
    return FALSE;
  if (!g_file_get_contents (path, &data, &got, NULL) || got != len) {
    if (data)
      sodium_memzero (data, got);
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "%s is not %s (%" G_GSIZE_FORMAT
                 " bytes expected)", path, what, len);
    return FALSE;
  }
  memcpy (out, data, len);
  sodium_memzero (data, len);
  return TRUE;
}
