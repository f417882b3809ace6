/* export-stills.c: the marks' stills in an evidence package.
 *
 * A still goes into the package only as the bytes its row describes: the
 * file is read whole (a full-size JPEG, well under a megabyte) and its
 * SHA-256 compared with the row's before it is added, so the package's
 * manifest covers exactly what was recorded when the mark was made. A
 * still another node holds is copied from it first (node-fetch.h), and
 * read and checked the same way. A still that cannot go in (its node does
 * not give it, its file is missing or changed) is named in marks.json
 * with the reason, and the server log says more. */
#define G_LOG_DOMAIN "rvi-evidence"
#include "export-stills.h"
#include "db.h"
#include "rvi-error.h"
#include <glib/gstdio.h>
#include "sha256-hex.h"

#include <json-glib/json-glib.h>

#define MAX_STILL_BYTES (64 * 1024 * 1024)

/* The still at @rel under @data_dir, when it matches @sha256; else NULL
 * and *@why says what is wrong with it. */
static GBytes *
read_still (const char *data_dir, const char *rel, const char *sha256, const char **why)
{
  g_autofree char *path = g_build_filename (data_dir, rel, NULL);
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  char digest[RVI_SHA256_HEX_LEN + 1];
  gsize size = 0;

  if (!g_file_get_contents (path, &data, &size, &error) || size > MAX_STILL_BYTES) {
    g_warning ("export: the still %s cannot be read: %s", path,
               error ? error->message : "too large");
    *why = "its file is missing on the node that made it";
    return NULL;
  }
  rvi_sha256_hex ((const guint8 *) data, size, digest);
  if (g_ascii_strcasecmp (digest, sha256) != 0) {
    g_warning ("export: the still %s does not match its SHA-256", path);
    *why = "its file no longer matches its SHA-256";
    return NULL;
  }
  return g_bytes_new_take (g_steal_pointer (&data), size);
}

/* Copies the still of mark row @i of @res from its node into @staging;
 * the copy's name under @staging, or NULL with *@why (transfer full). */
static char *
fetch_still (PGconn *conn, RviNodeFetcher *fetcher, const char *staging, PGresult *res, int i,
             GCancellable *cancel, char **why)
{
  const char *mark = PQgetvalue (res, i, 0), *node = PQgetvalue (res, i, 1);
  g_autofree char *name = g_strconcat ("still-", mark, ".jpg", NULL);
  g_autofree char *dest = g_build_filename (staging, name, NULL);
  g_autofree char *path = g_strconcat ("api/marks/", mark, "/still.jpg", NULL);
  g_autoptr (GError) error = NULL;

  if (!fetcher) {
    *why = g_strdup_printf ("held by node %s, and the export has no requester to fetch it for",
                            node);
    return NULL;
  }
  if (!rvi_node_fetch (fetcher, conn, node, path, PQgetvalue (res, i, 3), dest, cancel,
                       &error)) {
    g_warning ("export: %s", error->message);
    *why = g_strdup_printf ("held by node %s, which did not give it: %s", node, error->message);
    return NULL;
  }
  return g_steal_pointer (&name);
}

gboolean
rvi_export_stills_add (PGconn *conn, RviEvidencePackage *pkg, const char *export_id,
                       const char *data_dir, const char *node, RviNodeFetcher *fetcher,
                       const char *staging, GCancellable *cancel, char **stills, GError **error)
{
  const char *p[] = { export_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT m.id, s.node, s.path, s.sha256 FROM exports e"
      " JOIN marks m ON CASE WHEN e.lot_id IS NOT NULL THEN m.lot_id = e.lot_id"
      "   ELSE EXISTS (SELECT 1 FROM export_ranges r WHERE r.export_id = e.id"
      "     AND r.camera_id = m.camera_id AND m.at >= r.start_at AND m.at < r.end_at) END"
      " JOIN mark_stills s ON s.mark_id = m.id AND s.state = 'recorded'"
      " WHERE e.id = $1::uuid ORDER BY m.at, m.id", 1, p, error);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  if (!res)
    return FALSE;
  json_builder_begin_object (b);
  for (int i = 0; i < PQntuples (res); i++) {
    const char *mark = PQgetvalue (res, i, 0);
    g_autofree char *rel = g_strconcat ("marks/", mark, ".jpg", NULL);
    g_autofree char *held = NULL;
    g_autoptr (GBytes) bytes = NULL;
    const char *why = NULL;

    if (g_str_equal (PQgetvalue (res, i, 1), node)) {
      bytes = read_still (data_dir, PQgetvalue (res, i, 2), PQgetvalue (res, i, 3), &why);
    } else {
      g_autofree char *copy = fetch_still (conn, fetcher, staging, res, i, cancel, &held);

      why = held;
      if (copy) {
        g_autofree char *full = g_build_filename (staging, copy, NULL);

        bytes = read_still (staging, copy, PQgetvalue (res, i, 3), &why);
        g_unlink (full);
      }
    }
    if (bytes && !rvi_evidence_package_add_bytes (pkg, rel, g_bytes_get_data (bytes, NULL),
                                                  g_bytes_get_size (bytes), error))
      return FALSE;
    json_builder_set_member_name (b, mark);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, bytes ? "file" : "not_exported");
    json_builder_add_string_value (b, bytes ? rel : why);
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  *stills = json_to_string (root, FALSE);
  return TRUE;
}
