/* static-files.c: serving web/.
 *
 * Files are read once and kept in memory (the UI is a few hundred KB), so
 * after the first request of each file nothing touches the disk on the main
 * loop. Restart rvi to pick up changed UI files. */
#define G_LOG_DOMAIN "rvi-http"
#include "static-files.h"

struct _RviStaticFiles {
  char *root;
  GHashTable *cache;   /* relative path -> GBytes */
};

RviStaticFiles *
rvi_static_files_new (const char *web_dir)
{
  RviStaticFiles *files = g_new0 (RviStaticFiles, 1);

  files->root = g_canonicalize_filename (web_dir, NULL);
  files->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_bytes_unref);
  return files;
}

void
rvi_static_files_free (RviStaticFiles *files)
{
  if (!files)
    return;
  g_free (files->root);
  g_hash_table_unref (files->cache);
  g_free (files);
}

static const char *
content_type (const char *path)
{
  static const struct { const char *ext, *type; } types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".json", "application/json" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
    { ".woff2", "font/woff2" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_has_suffix (path, types[i].ext))
      return types[i].type;
  return "application/octet-stream";
}

static gboolean
safe_relative (const char *rel)
{
  g_auto (GStrv) parts = g_strsplit (rel, "/", -1);

  if (!*rel)
    return FALSE;
  for (guint i = 0; parts[i]; i++)
    if (parts[i][0] == '.' || parts[i][0] == '\0' || strchr (parts[i], '\\'))
      return FALSE;
  return TRUE;
}

static GBytes *
load (RviStaticFiles *files, const char *rel)
{
  GBytes *bytes = g_hash_table_lookup (files->cache, rel);
  g_autofree char *full = NULL;
  g_autofree char *real = NULL;
  char *data = NULL;
  gsize len = 0;

  if (bytes)
    return bytes;
  full = g_build_filename (files->root, rel, NULL);
  real = realpath (full, NULL);
  if (!real || !g_str_has_prefix (real, files->root) || real[strlen (files->root)] != '/'
      || !g_file_test (real, G_FILE_TEST_IS_REGULAR)
      || !g_file_get_contents (real, &data, &len, NULL))
    return NULL;
  bytes = g_bytes_new_take (data, len);
  g_hash_table_insert (files->cache, g_strdup (rel), bytes);
  return bytes;
}

guint
rvi_static_files_serve (RviStaticFiles *files, SoupServerMessage *msg, const char *path)
{
  const char *rel = g_str_equal (path, "/") ? "index.html" : path + 1;
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  GBytes *bytes = safe_relative (rel) ? load (files, rel) : NULL;

  if (!bytes) {
    static const char body[] = "{\"error\":{\"code\":\"not_found\",\"message\":\"no such page\"}}";
    soup_server_message_set_status (msg, 404, NULL);
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body,
                                      sizeof body - 1);
    return 404;
  }
  soup_message_headers_replace (h, "Cache-Control", "no-cache");
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, content_type (rel), SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return 200;
}
