/* disk-watch.h: RviDiskWatch, the free and total bytes of the file system
 * holding a directory, read with statvfs() every few seconds on a thread
 * of its own, never on the main loop: statvfs() blocks for as long as the
 * file system does (a dead NFS mount, a failing disk). A read stuck there
 * holds only that thread (no second read starts meanwhile) and the figures
 * grow old: rvi_disk_watch_get() says when they were read. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RviDiskWatch RviDiskWatch;

/* (transfer full) starts reading @path now and every @interval_s. */
RviDiskWatch *rvi_disk_watch_new (const char *path, guint interval_s);

/* The last figures read and when (wall clock, us); FALSE before the first
 * read succeeded. Never blocks on the disk (any thread). */
gboolean rvi_disk_watch_get (RviDiskWatch *watch, guint64 *free_bytes, guint64 *total_bytes,
                             gint64 *read_at_us);

/* Stops the thread without waiting for it (a read stuck in the kernel
 * finishes, or not, on its own) and drops @watch. NULL is ignored. */
void rvi_disk_watch_free (RviDiskWatch *watch);

G_END_DECLS
