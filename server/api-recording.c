/* api-recording.c: GET /api/cameras/{id}/recording.mp4?segment=N, the bytes of
 * one closed segment file, whole or as one byte range; a segment another
 * node holds is fetched from that node (node-proxy.h).
 *
 * Range: one "bytes=A-B", "bytes=A-" or "bytes=-N" gives 206 with
 * Content-Range; for several ranges the whole file goes to libsoup, which
 * cuts a multipart/byteranges answer from it; a range outside the file is
 * 416. A range of up to
 * READ_MAX bytes is read here, on the database worker, so the main loop
 * never waits for the disk; a larger answer is the file mapped into memory
 * (like an export package). Serving renews the segment's read lease.
 * Answers are immutable (a closed segment never changes). A request
 * without Range (a download of the file) is the audit event
 * `recording_downloaded`; the byte
 * ranges of a replay are covered by its playlist's `replay_viewed`. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-replay.h"
#include "node-proxy.h"
#include "db.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define READ_MAX (16 * 1024 * 1024)

typedef struct {
  gboolean ranged;
  guint64 first, last;   /* inclusive */
} ByteRange;

static gboolean
parse_u64 (const char *text, gsize len, guint64 *out)
{
  g_autofree char *copy = g_strndup (text, len);

  return len > 0 && len <= 19 && g_ascii_string_to_unsigned (copy, 10, 0, G_MAXINT64, out, NULL);
}

/* Resolves @header against a file of @size bytes. FALSE: unsatisfiable. */
static gboolean
byte_range (const char *header, guint64 size, ByteRange *r)
{
  const char *spec, *dash;
  guint64 a = 0, b = 0;

  *r = (ByteRange) { FALSE, 0, size ? size - 1 : 0 };
  if (!header || !g_str_has_prefix (header, "bytes=") || strchr (header, ','))
    return TRUE;   /* absent, another unit or several ranges: the whole file */
  spec = header + strlen ("bytes=");
  if (!(dash = strchr (spec, '-')))
    return TRUE;
  if (dash == spec) {                                   /* bytes=-N: the last N */
    if (!parse_u64 (dash + 1, strlen (dash + 1), &b))
      return TRUE;
    if (b == 0 || size == 0)
      return FALSE;
    *r = (ByteRange) { TRUE, b >= size ? 0 : size - b, size - 1 };
    return TRUE;
  }
  if (!parse_u64 (spec, dash - spec, &a))
    return TRUE;
  if (dash[1] && !parse_u64 (dash + 1, strlen (dash + 1), &b))
    return TRUE;
  if (!dash[1])
    b = size ? size - 1 : 0;
  if (a >= size || b < a)
    return FALSE;
  *r = (ByteRange) { TRUE, a, MIN (b, size - 1) };
  return TRUE;
}

/* @len bytes at @offset of @fd (transfer full), or NULL with errno. */
static GBytes *
read_at (int fd, guint64 offset, gsize len)
{
  char *buf = g_malloc (len ? len : 1);
  gsize done = 0;

  while (done < len) {
    ssize_t n = pread (fd, buf + done, len - done, (off_t) (offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;   /* shorter than the index says */
      g_free (buf);
      return NULL;
    }
    done += (gsize) n;
  }
  return g_bytes_new_take (buf, len);
}

/* Whether this node holds segment @id of the camera (an unknown segment
 * is left to lease_segment() to explain). */
static RviHolder
segment_holder (PGconn *conn, RviRequest *req, const char *id, GError **error)
{
  const char *params[] = { id, req->path_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT node FROM segments WHERE id = $1::bigint"
                                          " AND camera_id = $2::uuid", 2, params, error);

  if (!res)
    return RVI_HOLDER_ERROR;
  if (PQntuples (res) == 0)
    return RVI_HOLDER_HERE;
  return rvi_node_holder (req, conn, PQgetvalue (res, 0, 0), error);
}

/* A whole file given out: `recording_downloaded`, naming the segment. */
static gboolean
audit_download (RviRequest *req, PGconn *conn, const char *segment_id, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "segment_id");
  json_builder_add_int_value (b, g_ascii_strtoll (segment_id, NULL, 10));
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  return rvi_request_audit (req, conn, NULL, "recording_downloaded", "camera", req->path_id,
                            detail, error);
}

/* Leases segment @id of the camera and returns its row: path, bytes,
 * sha256; NULL with @error saying why it cannot be served. */
static PGresult *
lease_segment (PGconn *conn, RviRequest *req, const char *id, GError **error)
{
  const char *params[] = { id, req->path_id, req->app->config->node };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "UPDATE segments SET read_lease_until ="
      " greatest(coalesce(read_lease_until, now()), now() + " RVI_REPLAY_LEASE ")"
      " WHERE id = $1::bigint AND camera_id = $2::uuid AND node = $3 AND status = 'closed'"
      " RETURNING path, bytes, sha256", 3, params, error);
  g_autoptr (PGresult) why = NULL;

  if (!res)
    return NULL;
  if (PQntuples (res) == 1)
    return g_steal_pointer (&res);
  why = rvi_db_exec (conn, "SELECT status, node FROM segments WHERE id = $1::bigint"
                     " AND camera_id = $2::uuid", 2, params, error);
  if (!why)
    return NULL;
  if (PQntuples (why) == 0)
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such segment of this camera");
  else if (!g_str_equal (PQgetvalue (why, 0, 1), req->app->config->node))
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "the segment is held by node %s",
                 PQgetvalue (why, 0, 1));
  else if (g_str_equal (PQgetvalue (why, 0, 0), "open"))
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "the segment is still being written");
  else
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "the segment was deleted by retention");
  return NULL;
}

static void
set_unsatisfiable (RviRequest *req, guint64 size)
{
  g_autofree char *content_range = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);
  JsonBuilder *b = json_builder_new ();
  g_autofree char *message = g_strdup_printf ("the range is outside the segment's %"
                                              G_GUINT64_FORMAT " bytes", size);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, "range_not_satisfiable");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  rvi_request_add_header (req, "Content-Range", content_range);
  rvi_request_reply (req, 416, json_builder_get_root (b));
  g_object_unref (b);
}

gboolean
rvi_api_replay_recording (RviRequest *req, PGconn *conn, GError **error)
{
  const char *id = rvi_request_query (req, "segment");
  g_autoptr (PGresult) row = NULL;
  g_autofree char *path = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *content_range = NULL;
  struct stat st;
  ByteRange r;
  int fd;

  if (!id || !g_ascii_string_to_unsigned (id, 10, 1, G_MAXINT64, NULL, NULL)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "segment must be a segment id (a positive integer)");
    return FALSE;
  }
  switch (segment_holder (conn, req, id, error)) {
    case RVI_HOLDER_FORWARD:
      return TRUE;
    case RVI_HOLDER_ERROR:
      return FALSE;
    case RVI_HOLDER_HERE:
      break;
  }
  if (!(row = lease_segment (conn, req, id, error)))
    return FALSE;
  path = g_build_filename (req->app->config->data_dir, "media", PQgetvalue (row, 0, 0), NULL);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0) {
    g_warning ("segment %s: cannot open %s: %s", id, path, g_strerror (errno));
    if (fd >= 0)
      close (fd);
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "the segment's file is missing");
    return FALSE;
  }
  if (!byte_range (req->range, (guint64) st.st_size, &r)) {
    close (fd);
    set_unsatisfiable (req, (guint64) st.st_size);
    return TRUE;
  }
  if (r.ranged && r.last - r.first + 1 <= READ_MAX) {
    req->bytes_body = read_at (fd, r.first, r.last - r.first + 1);
  } else {
    g_autoptr (GMappedFile) map = g_mapped_file_new_from_fd (fd, FALSE, NULL);
    g_autoptr (GBytes) all = map ? g_mapped_file_get_bytes (map) : NULL;
    if (all && st.st_size > 0)
      req->bytes_body = g_bytes_new_from_bytes (all, r.first, r.last - r.first + 1);
    else if (all)
      req->bytes_body = g_bytes_new (NULL, 0);
  }
  close (fd);
  if (!req->bytes_body) {
    g_warning ("segment %s: cannot read %s: %s", id, path, g_strerror (errno));
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "the segment's file cannot be read");
    return FALSE;
  }
  if (!req->range && !audit_download (req, conn, id, error))
    return FALSE;
  req->text_type = "video/mp4";
  req->status = r.ranged ? 206 : 200;
  rvi_request_add_header (req, "Accept-Ranges", "bytes");
  rvi_request_add_header (req, "Cache-Control", "private, max-age=31536000, immutable");
  etag = g_strdup_printf ("\"%s\"", PQgetvalue (row, 0, 2));
  rvi_request_add_header (req, "ETag", etag);
  if (r.ranged) {
    content_range = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%"
                                     G_GUINT64_FORMAT, r.first, r.last, (guint64) st.st_size);
    rvi_request_add_header (req, "Content-Range", content_range);
  }
  return TRUE;
}
