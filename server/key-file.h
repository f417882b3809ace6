/* key-file.h: small secret keys kept in files outside the database (the
 * camera credentials key, the evidence signing key): created with random
 * bytes on first use, mode 0600 in a 0700 directory, fsync'ed. Nodes that
 * share a database must be given the same files. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads the @len-byte key at @path into @out, first creating it (and its
 * directory) with random bytes when it does not exist. @what names the key
 * in messages ("the camera credentials key"). FALSE with @error when it
 * cannot be made or is not @len bytes. The caller wipes @out after use. */
gboolean rvi_key_file_load (const char *path, guchar *out, gsize len, const char *what,
                            GError **error);

G_END_DECLS
