/* data-dir-lock.c: the flock on DATA-DIR/rvi.lock. */
#include "data-dir-lock.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct _RviDataDirLock {
  int fd;
};

RviDataDirLock *
rvi_data_dir_lock_try (const char *data_dir, gboolean *busy, GError **error)
{
  g_autofree char *path = g_build_filename (data_dir, "rvi.lock", NULL);
  RviDataDirLock *lock;
  int fd;

  *busy = FALSE;
  if (g_mkdir_with_parents (data_dir, 0711) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "cannot create data directory %s: %s",
                 data_dir, g_strerror (errno));
    return NULL;
  }
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "cannot open %s: %s", path,
                 g_strerror (errno));
    return NULL;
  }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close (fd);
    if (e == EWOULDBLOCK) {
      *busy = TRUE;
      return NULL;
    }
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "cannot lock %s: %s", path,
                 g_strerror (e));
    return NULL;
  }
  lock = g_new0 (RviDataDirLock, 1);
  lock->fd = fd;
  return lock;
}

void
rvi_data_dir_lock_release (RviDataDirLock *lock)
{
  if (!lock)
    return;
  flock (lock->fd, LOCK_UN);
  close (lock->fd);
  g_free (lock);
}
