/* evidence-tar.c: ustar headers by hand (the format is small and fixed).
 *
 * Header fields used: name (100), mode, uid, gid, size, mtime, chksum,
 * typeflag ('0' file, '5' directory), magic "ustar\0" + version "00",
 * uname/gname "rvi", prefix (155) for paths longer than 100 bytes. A size
 * of 8 GiB or more is written in base-256 (the GNU extension that tar and
 * bsdtar read), as a day of 4 Mbit/s video is. */
#define G_LOG_DOMAIN "rvi-evidence"
#include "evidence-tar.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD (20 * RVI_TAR_BLOCK)
#define COPY_CHUNK (1024 * 1024)
#define OCTAL_SIZE_MAX G_GUINT64_CONSTANT (077777777777)

struct _RviTarWriter {
  int fd;
  gint64 mtime;
  guint64 offset;
  struct sha256_ctx whole;   /* of every byte written */
  guint8 *chunk;   /* copy buffer, COPY_CHUNK bytes */
};

RviTarWriter *
rvi_tar_writer_new (int fd, gint64 mtime)
{
  RviTarWriter *w = g_new0 (RviTarWriter, 1);

  w->fd = fd;
  w->mtime = mtime;
  sha256_init (&w->whole);
  return w;
}

void
rvi_tar_writer_free (RviTarWriter *w)
{
  if (!w)
    return;
  g_free (w->chunk);
  g_free (w);
}

guint64
rvi_tar_writer_get_offset (RviTarWriter *w)
{
  return w->offset;
}

static gboolean
write_all (RviTarWriter *w, const guint8 *data, gsize size, GError **error)
{
  while (size) {
    ssize_t n = write (w->fd, data, size);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot write the package: %s",
                   n < 0 ? g_strerror (errno) : "no progress");
      return FALSE;
    }
    sha256_update (&w->whole, (gsize) n, data);
    data += n;
    size -= (gsize) n;
    w->offset += (guint64) n;
  }
  return TRUE;
}

static gboolean
write_zeros (RviTarWriter *w, gsize size, GError **error)
{
  static const guint8 zeros[RVI_TAR_BLOCK];

  while (size) {
    gsize n = MIN (size, sizeof zeros);
    if (!write_all (w, zeros, n, error))
      return FALSE;
    size -= n;
  }
  return TRUE;
}

static void
put_octal (guint8 *field, gsize width, guint64 value)
{
  /* width - 1 digits and a NUL */
  for (gsize i = width - 1; i-- > 0;) {
    field[i] = (guint8) ('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
}

/* Splits @path into ustar's prefix and name; FALSE when it cannot fit. */
static gboolean
split_path (const char *path, const char **name, gsize *prefix_len)
{
  gsize len = strlen (path);

  if (len <= 100) {
    *name = path;
    *prefix_len = 0;
    return TRUE;
  }
  for (const char *slash = strchr (path, '/'); slash; slash = strchr (slash + 1, '/')) {
    gsize prefix = (gsize) (slash - path);
    if (prefix <= 155 && len - prefix - 1 <= 100 && len - prefix - 1 > 0) {
      *name = slash + 1;
      *prefix_len = prefix;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
write_header (RviTarWriter *w, const char *path, gboolean dir, guint64 size, GError **error)
{
  guint8 h[RVI_TAR_BLOCK] = { 0 };
  const char *name;
  gsize prefix_len;
  guint sum = 0;

  if (!*path || path[0] == '/' || strstr (path, "..") || !split_path (path, &name, &prefix_len)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot store the path %s in a package", path);
    return FALSE;
  }
  memcpy (h, name, strlen (name));
  memcpy (h + 345, path, prefix_len);
  put_octal (h + 100, 8, dir ? 0755 : 0644);
  put_octal (h + 108, 8, 0);
  put_octal (h + 116, 8, 0);
  if (size > OCTAL_SIZE_MAX) {
    h[124] = 0x80;
    for (int i = 11; i >= 1; i--, size >>= 8)
      h[124 + i] = (guint8) (size & 0xff);
  } else {
    put_octal (h + 124, 12, size);
  }
  put_octal (h + 136, 12, (guint64) MAX (w->mtime, 0));
  memset (h + 148, ' ', 8);
  h[156] = dir ? '5' : '0';
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  memcpy (h + 265, "rvi", 3);
  memcpy (h + 297, "rvi", 3);
  for (gsize i = 0; i < sizeof h; i++)
    sum += h[i];
  put_octal (h + 148, 7, sum);
  h[155] = ' ';
  return write_all (w, h, sizeof h, error);
}

static gsize
padding (guint64 size)
{
  return (gsize) ((RVI_TAR_BLOCK - size % RVI_TAR_BLOCK) % RVI_TAR_BLOCK);
}

gboolean
rvi_tar_writer_add_dir (RviTarWriter *w, const char *path, GError **error)
{
  return write_header (w, path, TRUE, 0, error);
}

gboolean
rvi_tar_writer_add_bytes (RviTarWriter *w, const char *path, const guint8 *data, gsize size,
                          char sha256[RVI_SHA256_HEX_LEN + 1], GError **error)
{
  if (!write_header (w, path, FALSE, size, error) || !write_all (w, data, size, error)
      || !write_zeros (w, padding (size), error))
    return FALSE;
  if (sha256)
    rvi_sha256_hex (data, size, sha256);
  return TRUE;
}

gboolean
rvi_tar_writer_add_file (RviTarWriter *w, const char *path, const char *source,
                         void (*progress) (guint64 copied, gpointer data), gpointer data,
                         GCancellable *cancel, char sha256[RVI_SHA256_HEX_LEN + 1],
                         guint64 *bytes, GError **error)
{
  struct sha256_ctx ctx;
  struct stat st;
  guint64 copied = 0;
  gboolean ok = FALSE;
  int fd = open (source, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || fstat (fd, &st) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot read %s: %s", source,
                 g_strerror (errno));
    goto out;
  }
  if (!w->chunk)
    w->chunk = g_malloc (COPY_CHUNK);
  if (!write_header (w, path, FALSE, (guint64) st.st_size, error))
    goto out;
  sha256_init (&ctx);
  while (copied < (guint64) st.st_size) {
    ssize_t n = read (fd, w->chunk, (gsize) MIN ((guint64) COPY_CHUNK, (guint64) st.st_size - copied));

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "%s: %s while it was copied", source,
                   n < 0 ? g_strerror (errno) : "it got shorter");
      goto out;
    }
    if (g_cancellable_set_error_if_cancelled (cancel, error))
      goto out;
    sha256_update (&ctx, (gsize) n, w->chunk);
    if (!write_all (w, w->chunk, (gsize) n, error))
      goto out;
    copied += (guint64) n;
    if (progress)
      progress (copied, data);
  }
  if (!write_zeros (w, padding (copied), error))
    goto out;
  if (sha256)
    rvi_sha256_hex_finish (&ctx, sha256);
  if (bytes)
    *bytes = copied;
  ok = TRUE;
out:
  if (fd >= 0)
    close (fd);
  return ok;
}

gboolean
rvi_tar_writer_finish (RviTarWriter *w, char sha256[RVI_SHA256_HEX_LEN + 1], GError **error)
{
  guint64 end = w->offset + 2 * RVI_TAR_BLOCK;

  if (!write_zeros (w, (gsize) (end - w->offset + (RECORD - end % RECORD) % RECORD), error))
    return FALSE;
  if (sha256)
    rvi_sha256_hex_finish (&w->whole, sha256);
  return TRUE;
}

/* ---- strict reading ------------------------------------------------------ */

static void
entry_free (gpointer p)
{
  RviTarEntry *e = p;

  g_free (e->path);
  g_free (e);
}

static gboolean
all_zero (const guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i])
      return FALSE;
  return TRUE;
}

/* An octal field (digits, then NUL or space padding); FALSE when malformed. */
static gboolean
parse_octal (const guint8 *field, gsize width, guint64 *out)
{
  gsize i = 0;
  guint64 v = 0;

  while (i < width && field[i] == ' ')
    i++;
  if (i == width || field[i] < '0' || field[i] > '7')
    return FALSE;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; i++)
    v = (v << 3) | (guint64) (field[i] - '0');
  for (; i < width; i++)
    if (field[i] != '\0' && field[i] != ' ')
      return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_size (const guint8 *field, guint64 *out)
{
  if (field[0] == 0x80) {
    guint64 v = 0;
    if (field[1] || field[2] || field[3])   /* more than 64 bits */
      return FALSE;
    for (int i = 4; i < 12; i++)
      v = (v << 8) | field[i];
    *out = v;
    return TRUE;
  }
  return parse_octal (field, 12, out);
}

/* A NUL-terminated (or full-width) text field; NULL when it has bytes after its NUL. */
static char *
text_field (const guint8 *field, gsize width)
{
  gsize len = 0;

  while (len < width && field[len])
    len++;
  if (!all_zero (field + len, width - len))
    return NULL;
  return g_strndup ((const char *) field, len);
}

static gboolean
damaged (GError **error, guint64 offset, const char *path, const char *what)
{
  if (path && *path)
    g_set_error (error, RVI_ERROR, RVI_ERROR_INTEGRITY,
                 "the package is damaged at byte %" G_GUINT64_FORMAT ": %s (entry %s)", offset,
                 what, path);
  else
    g_set_error (error, RVI_ERROR, RVI_ERROR_INTEGRITY,
                 "the package is damaged at byte %" G_GUINT64_FORMAT ": %s", offset, what);
  return FALSE;
}

/* Parses the header at @off into @e; FALSE with @error. */
static gboolean
parse_header (const guint8 *h, guint64 off, RviTarEntry *e, GError **error)
{
  guint64 stored, sum = 0;
  g_autofree char *name = text_field (h, 100);
  g_autofree char *prefix = text_field (h + 345, 155);
  g_autofree char *shown = !name ? g_strdup ("(unreadable name)")
                           : prefix && *prefix ? g_strconcat (prefix, "/", name, NULL)
                           : g_strdup (name);

  for (gsize i = 0; i < RVI_TAR_BLOCK; i++)
    sum += i >= 148 && i < 156 ? ' ' : h[i];
  /* exactly as written (six digits, NUL, space): the field's own bytes
   * are outside the sum, so a looser form would let them change unseen */
  if (h[154] != '\0' || h[155] != ' ' || !parse_octal (h + 148, 6, &stored) || stored != sum)
    return damaged (error, off, shown, "its header's checksum does not match");
  if (memcmp (h + 257, "ustar", 6) != 0 || memcmp (h + 263, "00", 2) != 0)
    return damaged (error, off + 257, shown, "not a ustar header");
  if (!name || !prefix || !*name)
    return damaged (error, off, shown, "a malformed name");
  if (h[156] != '0' && h[156] != '5')
    return damaged (error, off + 156, shown, "an entry that is neither a file nor a directory");
  if (!parse_size (h + 124, &e->size))
    return damaged (error, off + 124, shown, "a malformed size");
  e->dir = h[156] == '5';
  e->path = *prefix ? g_strconcat (prefix, "/", name, NULL) : g_strdup (name);
  if (e->dir && g_str_has_suffix (e->path, "/"))
    e->path[strlen (e->path) - 1] = '\0';
  if (e->dir && e->size)
    return damaged (error, off + 124, e->path, "a directory with a size");
  e->header_offset = off;
  return TRUE;
}

GPtrArray *
rvi_tar_read (const guint8 *data, gsize size, GError **error)
{
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 off = 0;

  if (size < 2 * RVI_TAR_BLOCK || size % RVI_TAR_BLOCK) {
    damaged (error, size - size % RVI_TAR_BLOCK, NULL,
             "not a tar file (its size is not a whole number of 512-byte blocks)");
    return NULL;
  }
  for (;;) {
    RviTarEntry *e;

    if (off + RVI_TAR_BLOCK > size) {
      damaged (error, off, NULL, "the archive ends without its two zero blocks");
      return NULL;
    }
    if (all_zero (data + off, RVI_TAR_BLOCK))
      break;
    e = g_new0 (RviTarEntry, 1);
    g_ptr_array_add (entries, e);
    if (!parse_header (data + off, off, e, error))
      return NULL;
    if (g_hash_table_contains (seen, e->path)) {
      damaged (error, off, e->path, "a second entry with the same path");
      return NULL;
    }
    g_hash_table_add (seen, e->path);
    off += RVI_TAR_BLOCK;
    if (e->size > size - off) {
      damaged (error, e->header_offset + 124, e->path, "its size runs past the end of the file");
      return NULL;
    }
    e->data = e->dir ? NULL : data + off;
    off += e->size;
    if (!all_zero (data + off, padding (e->size))) {
      damaged (error, off, e->path, "bytes in the padding after it");
      return NULL;
    }
    off += padding (e->size);
  }
  /* the first zero block is here; everything after it must be zeros too */
  for (guint64 at = off; at < size; at += RVI_TAR_BLOCK)
    if (!all_zero (data + at, RVI_TAR_BLOCK)) {
      guint64 bad = at;
      while (!data[bad])
        bad++;
      damaged (error, bad, NULL, "bytes after the end of the archive");
      return NULL;
    }
  if (size - off < 2 * RVI_TAR_BLOCK) {
    damaged (error, off, NULL, "the archive ends without its two zero blocks");
    return NULL;
  }
  return g_steal_pointer (&entries);
}
