/* api-marks.c: GET /api/marks/{id}/still.jpg, a mark's still.
 *
 * The still is the recorded frame at the mark's time, made in the
 * background by the node that holds the recording (mark-stills.c). This
 * node answers for its own files (another node's: a 404 naming it until
 * proxying between nodes exists, issue 7). The file is read on the
 * database worker that looked the row up (a full-size JPEG, tens to
 * hundreds of kilobytes) and checked against the row's SHA-256, so a
 * damaged or replaced file is never served as evidence. Answers:
 *
 *   200 image/jpeg, X-Frame-Time (the frame's wall-clock time, RFC 3339
 *       with µs), X-Still-SHA256; private, cacheable for a year: a still
 *       never changes
 *   404 no such mark; the mark names no camera; not made yet (with
 *       Retry-After); not recorded (and the cause); held by another node
 *   500 the file is missing or does not match its SHA-256 */
#define G_LOG_DOMAIN "rvi-http"
#include "api-marks.h"
#include "db.h"
#include "node-proxy.h"
#include "rvi-error.h"
#include "sha256-hex.h"

#define MAX_STILL_BYTES (64 * 1024 * 1024)
#define STILL_RETRY_S "2"

/* Reads the still at @rel under the data directory into the answer,
 * checked against @sha256. */
static gboolean
answer_file (RviRequest *req, const char *rel, const char *sha256, GError **error)
{
  g_autofree char *path = g_build_filename (req->app->config->data_dir, rel, NULL);
  g_autofree char *data = NULL;
  g_autoptr (GError) local = NULL;
  char digest[RVI_SHA256_HEX_LEN + 1];
  gsize size = 0;

  if (!g_file_get_contents (path, &data, &size, &local) || size > MAX_STILL_BYTES) {
    g_warning ("still of mark %s: %s", req->path_id, local ? local->message : "too large");
    g_set_error (error, RVI_ERROR, RVI_ERROR_INTEGRITY, "the still's file is missing");
    return FALSE;
  }
  rvi_sha256_hex ((const guint8 *) data, size, digest);
  if (g_ascii_strcasecmp (digest, sha256) != 0) {
    g_warning ("still of mark %s: %s does not match its SHA-256", req->path_id, path);
    g_set_error (error, RVI_ERROR, RVI_ERROR_INTEGRITY,
                 "the still's file does not match its hash");
    return FALSE;
  }
  req->bytes_body = g_bytes_new_take (g_steal_pointer (&data), size);
  return TRUE;
}

gboolean
rvi_api_marks_still (RviRequest *req, PGconn *conn, GError **error)
{
  const char *params[] = { req->path_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT m.camera_id IS NOT NULL, s.state, s.node, s.path, s.sha256,"
      " rvi_time_us(s.frame_at), s.cause"
      " FROM marks m LEFT JOIN mark_stills s ON s.mark_id = m.id WHERE m.id = $1::uuid",
      1, params, error);

  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such mark");
    return FALSE;
  }
  if (!rvi_db_bool (res, 0, 0)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "the mark names no camera: no still");
    return FALSE;
  }
  if (PQgetisnull (res, 0, 1)) {
    rvi_request_add_header (req, "Retry-After", STILL_RETRY_S);
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND,
                 "the still is not made yet (the recording of the mark's time is awaited)");
    return FALSE;
  }
  if (g_str_equal (PQgetvalue (res, 0, 1), "not_recorded")) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no still: %s", PQgetvalue (res, 0, 6));
    return FALSE;
  }
  switch (rvi_node_holder (req, conn, PQgetvalue (res, 0, 2), error)) {
    case RVI_HOLDER_HERE: break;
    case RVI_HOLDER_FORWARD: return TRUE;
    case RVI_HOLDER_ERROR: return FALSE;
  }
  if (!answer_file (req, PQgetvalue (res, 0, 3), PQgetvalue (res, 0, 4), error))
    return FALSE;
  req->status = 200;
  req->text_type = "image/jpeg";
  rvi_request_add_header (req, "X-Frame-Time", PQgetvalue (res, 0, 5));
  rvi_request_add_header (req, "X-Still-SHA256", PQgetvalue (res, 0, 4));
  rvi_request_add_header (req, "Cache-Control", "private, max-age=31536000, immutable");
  return TRUE;
}
