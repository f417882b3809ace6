/* evidence-tar.h: the POSIX ustar files that evidence packages are
 * (docs/evidence.md). RviTarWriter appends directories and files to a
 * file descriptor, hashing each file's bytes on the way (SHA-256);
 * rvi_tar_read() parses a whole archive strictly, so that one changed
 * byte anywhere (header, data padding, end) is found. */
#pragma once

#include <gio/gio.h>

#include "sha256-hex.h"

G_BEGIN_DECLS

#define RVI_TAR_BLOCK 512

typedef struct _RviTarWriter RviTarWriter;

/* (transfer full) a writer appending to @fd (not closed by the writer);
 * entries get @mtime (Unix seconds). */
RviTarWriter *rvi_tar_writer_new (int fd, gint64 mtime);
void rvi_tar_writer_free (RviTarWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviTarWriter, rvi_tar_writer_free)

gboolean rvi_tar_writer_add_dir (RviTarWriter *writer, const char *path, GError **error);

/* Appends a file holding @size bytes at @data; @sha256 (may be NULL)
 * gets their digest in hex. */
gboolean rvi_tar_writer_add_bytes (RviTarWriter *writer, const char *path, const guint8 *data,
                                   gsize size, char sha256[RVI_SHA256_HEX_LEN + 1],
                                   GError **error);

/* Appends the file at @source (copied in chunks, hashed on the way; its
 * size in @bytes); @progress (may be NULL) gets the bytes copied so far.
 * Fails when @source changes size while it is copied or @cancel fires. */
gboolean rvi_tar_writer_add_file (RviTarWriter *writer, const char *path, const char *source,
                                  void (*progress) (guint64 copied, gpointer data),
                                  gpointer data, GCancellable *cancel,
                                  char sha256[RVI_SHA256_HEX_LEN + 1], guint64 *bytes,
                                  GError **error);

/* Writes the end of the archive (two zero blocks, then zeros up to a
 * whole 10240-byte record); @sha256 (may be NULL) gets the digest of the
 * whole archive. */
gboolean rvi_tar_writer_finish (RviTarWriter *writer, char sha256[RVI_SHA256_HEX_LEN + 1],
                                GError **error);

/* The bytes written so far. */
guint64 rvi_tar_writer_get_offset (RviTarWriter *writer);

typedef struct {
  char *path;               /* as stored (prefix/name joined), directories without a final '/' */
  gboolean dir;
  guint64 header_offset;    /* of its header block in the archive */
  const guint8 *data;       /* into the caller's buffer; NULL for directories */
  guint64 size;
} RviTarEntry;

/* (transfer full) the entries (RviTarEntry *) of the archive in @data, in
 * order. NULL with @error (RVI_ERROR_INTEGRITY) naming the byte offset and,
 * when there is one, the entry of the first damage found. */
GPtrArray *rvi_tar_read (const guint8 *data, gsize size, GError **error);

G_END_DECLS
