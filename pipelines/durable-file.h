/* durable-file.h: writing a small file so that a crash leaves either no
 * file or the whole one. Blocking file work: call it on a worker thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes @size bytes at @data to @path (creating its directory, mode
 * 0750; the file 0640) through a hidden temporary file in the same
 * directory (".NAME.tmp"): written, fdatasync'ed, renamed over @path, and
 * with @sync_dir the directory fsync'ed too, so the rename itself survives
 * a power loss. On failure the temporary file is removed and @error
 * (RVI_ERROR_FAILED) names the step. */
gboolean rvi_durable_file_write (const char *path, const guint8 *data, gsize size,
                                 gboolean sync_dir, GError **error);

G_END_DECLS
