/* segment-repair.c: start-up repair of the segment index.
 *
 * DESIGN
 * Retention marks a row 'deleting', removes the file, then the row, so a
 * crash leaves either a 'deleting' row (finish: unlink, delete row) or
 * nothing. Recording inserts an 'open' row when a file starts; after a
 * crash the file is cut after its last complete fragment (fmp4-index) and
 * the row closed with repaired = true, or both go when not one fragment
 * was complete. A file whose row never reached the database (it was
 * queued when the process died) is found by scanning the camera
 * directories of today and yesterday (UTC) and indexed from its name and
 * content. Older directories are not scanned: a file older than that
 * without a row would need a process dead for more than a day with a
 * database away the whole time before. */
#define G_LOG_DOMAIN "rvi-index"
#include "segment-repair.h"
#include "db.h"
#include "fmp4-index.h"
#include "identifiers.h"
#include "index-writer.h"
#include "rvi-error.h"

#include <errno.h>
#include <glib/gstdio.h>

static gboolean
finish_deletes (PGconn *conn, const char *node, const char *media_dir, RviRepairReport *r,
                GError **error)
{
  const char *params[] = { node };
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT id, path FROM segments"
                                          " WHERE node = $1 AND status = 'deleting'", 1, params,
                                          error);
  if (!res)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++) {
    g_autofree char *full = g_build_filename (media_dir, PQgetvalue (res, i, 1), NULL);
    const char *del[] = { PQgetvalue (res, i, 0) };

    if (g_unlink (full) != 0 && errno != ENOENT) {
      g_warning ("cannot remove %s: %s", full, g_strerror (errno));
      continue;
    }
    if (!rvi_db_run (conn, "DELETE FROM segments WHERE id = $1::bigint", 1, del, error))
      return FALSE;
    r->finished_deletes++;
  }
  return TRUE;
}

/* Closes the row @id from the repaired file @full (or drops both). */
static gboolean
repair_one (PGconn *conn, const char *id, const char *full, gint64 start_us, RviRepairReport *r,
            GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (RviSegmentInfo) info = NULL;
  const char *del[] = { id };

  if (g_file_test (full, G_FILE_TEST_EXISTS))
    info = rvi_fmp4_index_file (full, TRUE, &local);
  if (!info) {
    if (g_file_test (full, G_FILE_TEST_EXISTS)) {
      g_warning ("segment %s has no complete fragment (%s); removing it", full, local->message);
      g_unlink (full);
      r->deleted_files++;
    }
    r->dropped_rows++;
    return rvi_db_run (conn, "DELETE FROM segments WHERE id = $1::bigint", 1, del, error);
  }
  {
    g_autofree char *end = g_strdup_printf ("%" G_GINT64_FORMAT, start_us + info->duration_us);
    g_autofree char *dur = g_strdup_printf ("%" G_GINT64_FORMAT, info->duration_us);
    g_autofree char *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, info->bytes);
    g_autofree char *init = g_strdup_printf ("%" G_GUINT64_FORMAT, info->init_size);
    g_autofree char *w = g_strdup_printf ("%d", info->info.width);
    g_autofree char *h = g_strdup_printf ("%d", info->info.height);
    g_autofree char *frags_text = rvi_segment_fragments_json (info->fragments);
    const char *params[] = { id, end, dur, bytes, info->sha256, info->info.codec,
                             info->info.codec_string, w, h, init, frags_text };

    g_message ("repaired segment %s: %.1f s kept", full, info->duration_us / 1e6);
    r->repaired++;
    return rvi_db_run (conn,
        "UPDATE segments SET status = 'closed', repaired = true, end_at = rvi_us($2::bigint),"
        " duration_us = $3::bigint, bytes = $4::bigint, sha256 = $5, codec = $6,"
        " codec_string = $7, width = $8::int, height = $9::int, init_size = $10::bigint,"
        " fragments = $11::jsonb, closed_at = now() WHERE id = $1::bigint", 11, params, error)
      && rvi_db_run (conn, RVI_TRIM_FAILOVER_GAPS_SQL ("s.id = $1::bigint"), 1, params, error);
  }
}

static gboolean
repair_open (PGconn *conn, const char *node, const char *media_dir, RviRepairReport *r,
             GError **error)
{
  const char *params[] = { node };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT id, path, ((extract(epoch FROM start_at) * 1000000)::bigint)::text"
      " FROM segments WHERE node = $1 AND status = 'open'", 1, params, error);

  if (!res)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++) {
    g_autofree char *full = g_build_filename (media_dir, PQgetvalue (res, i, 1), NULL);
    if (!repair_one (conn, PQgetvalue (res, i, 0), full,
                     g_ascii_strtoll (PQgetvalue (res, i, 2), NULL, 10), r, error))
      return FALSE;
  }
  return TRUE;
}

/* Inserts an open row for a file that has none, then repairs it. */
static gboolean
index_orphan (PGconn *conn, const char *node, const char *camera_id, const char *media_dir,
              const char *rel, RviRepairReport *r, GError **error)
{
  g_autofree char *full = g_build_filename (media_dir, rel, NULL);
  gint64 start = rvi_fmp4_start_from_name (full);
  g_autofree char *start_s = g_strdup_printf ("%" G_GINT64_FORMAT, start);
  const char *params[] = { camera_id, node, rel, start_s };
  g_autoptr (PGresult) res = NULL;

  if (!start)
    return TRUE;   /* not a segment file */
  res = rvi_db_exec (conn, "INSERT INTO segments (camera_id, node, path, status, start_at)"
                     " SELECT $1::uuid, $2, $3, 'open', rvi_us($4::bigint)"
                     " WHERE EXISTS (SELECT 1 FROM cameras WHERE id = $1::uuid)"
                     " ON CONFLICT (path) DO NOTHING RETURNING id", 4, params, error);
  if (!res)
    return FALSE;
  if (PQntuples (res) == 0)
    return TRUE;
  r->indexed_files++;
  return repair_one (conn, PQgetvalue (res, 0, 0), full, start, r, error);
}

static gboolean
scan_recent (PGconn *conn, const char *node, const char *media_dir, RviRepairReport *r,
             GError **error)
{
  g_autoptr (GDir) cams = g_dir_open (media_dir, 0, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) yesterday = g_date_time_add_days (now, -1);
  g_autofree char *d0 = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *d1 = g_date_time_format (yesterday, "%Y-%m-%d");
  const char *cam;

  while (cams && (cam = g_dir_read_name (cams))) {
    if (!rvi_is_uuid (cam))
      continue;
    for (const char *const *day = (const char *const[]) { d1, d0, NULL }; *day; day++) {
      g_autofree char *dir_path = g_build_filename (media_dir, cam, *day, NULL);
      g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)))
        if (g_str_has_suffix (name, ".mp4"))
          g_ptr_array_add (names, g_build_filename (cam, *day, name, NULL));
      for (guint i = 0; i < names->len; i++) {
        const char *params[] = { names->pdata[i] };
        g_autoptr (PGresult) known = rvi_db_exec (conn, "SELECT 1 FROM segments WHERE path = $1",
                                                  1, params, error);
        if (!known)
          return FALSE;
        if (PQntuples (known) == 0
            && !index_orphan (conn, node, cam, media_dir, names->pdata[i], r, error))
          return FALSE;
      }
    }
  }
  return TRUE;
}

gboolean
rvi_segment_repair_run (PGconn *conn, const char *node, const char *media_dir,
                        RviRepairReport *report, GError **error)
{
  memset (report, 0, sizeof *report);
  return finish_deletes (conn, node, media_dir, report, error)
         && repair_open (conn, node, media_dir, report, error)
         && scan_recent (conn, node, media_dir, report, error);
}
