/* durable-file.c: write to a temporary name, sync, rename. */
#include "durable-file.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

static gboolean
fsync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok = fd >= 0 && fsync (fd) == 0;

  if (fd >= 0)
    close (fd);
  return ok;
}

gboolean
rvi_durable_file_write (const char *path, const guint8 *data, gsize size, gboolean sync_dir,
                        GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp_name = g_strconcat (".", base, ".tmp", NULL);
  g_autofree char *tmp = g_build_filename (dir, tmp_name, NULL);
  gsize done = 0;
  int fd, saved = 0;

  if (g_mkdir_with_parents (dir, 0750) != 0
      || (fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot write %s: %s", tmp,
                 g_strerror (errno));
    return FALSE;
  }
  while (done < size) {
    ssize_t n = write (fd, data + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      saved = n < 0 ? errno : ENOSPC;
      break;
    }
    done += (gsize) n;
  }
  if (done == size && fdatasync (fd) != 0)
    saved = errno;
  close (fd);
  if (done < size || saved) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot write %s: %s", tmp,
                 g_strerror (saved));
    g_unlink (tmp);
    return FALSE;
  }
  if (g_rename (tmp, path) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot rename %s: %s", tmp,
                 g_strerror (errno));
    g_unlink (tmp);
    return FALSE;
  }
  if (sync_dir && !fsync_dir (dir)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot sync %s: %s", dir,
                 g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}
