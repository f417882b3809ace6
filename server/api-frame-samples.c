/* api-frame-samples.c: a still from its row and file.
 *
 * The row says which node holds the file; this node answers for its own
 * stills (other nodes' come with issue 7's proxying: until then 404 naming
 * the node). The file is read on the database worker that looked the row
 * up (stills are tens of kilobytes), checked against the row's SHA-256 so
 * a damaged or replaced file is never served as evidence, and answered
 * with a long private cache lifetime: a still never changes. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-frame-samples.h"
#include "db.h"
#include "node-proxy.h"
#include "rvi-error.h"
#include "sha256-hex.h"

#define MAX_STILL_BYTES (16 * 1024 * 1024)

static gboolean
digest_matches (GBytes *bytes, const char *hex)
{
  char text[RVI_SHA256_HEX_LEN + 1];
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  rvi_sha256_hex (data, size, text);
  return g_ascii_strcasecmp (text, hex) == 0;
}

gboolean
rvi_api_frame_samples_get (RviRequest *req, PGconn *conn, GError **error)
{
  const char *params[] = { req->path_id };
  const RviConfig *config = req->app->config;
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT node, path, sha256 FROM frame_samples"
                                          " WHERE id = $1::uuid", 1, params, error);
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GError) local = NULL;
  gsize size = 0;

  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such still");
    return FALSE;
  }
  switch (rvi_node_holder (req, conn, PQgetvalue (res, 0, 0), error)) {
    case RVI_HOLDER_HERE: break;
    case RVI_HOLDER_FORWARD: return TRUE;
    case RVI_HOLDER_ERROR: return FALSE;
  }
  path = g_build_filename (config->data_dir, "media", PQgetvalue (res, 0, 1), NULL);
  if (!g_file_get_contents (path, &data, &size, &local) || size > MAX_STILL_BYTES) {
    g_warning ("still %s: %s", req->path_id, local ? local->message : "too large");
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "the still's file is missing");
    return FALSE;
  }
  req->bytes_body = g_bytes_new_take (g_steal_pointer (&data), size);
  if (!digest_matches (req->bytes_body, PQgetvalue (res, 0, 2))) {
    g_warning ("still %s: %s does not match its SHA-256", req->path_id, path);
    g_clear_pointer (&req->bytes_body, g_bytes_unref);
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "the still's file does not match its hash");
    return FALSE;
  }
  req->text_type = "image/jpeg";
  req->status = 200;
  rvi_request_add_header (req, "Cache-Control", "private, max-age=31536000, immutable");
  return TRUE;
}
