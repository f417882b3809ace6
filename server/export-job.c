/* export-job.c: records, clips, package.
 *
 * DESIGN. Clips first, into a staging directory next to the package
 * (DATA-DIR/exports/<id>.staging), because a file's size must be known
 * before it goes into the tar; then the package is written in one pass and
 * the staging directory removed. Per exported range of a camera, its
 * closed segments held by this node are cut into runs: a new clip starts
 * at a gap in the recording (more than MAX_JOIN_GAP_US between one
 * segment's end and the next one's start) and where the codec parameters
 * change (clip-export.c ends a clip there). So a clip never shows a
 * frozen picture over a gap; the gaps are in gaps.json with their causes.
 * Segments another node holds are fetched from it into the staging
 * directory first, checked against their SHA-256 (node-fetch.h), with
 * a short-lived token of the export's requester. Segments still being
 * written, or whose node cannot give them, are not in the clips:
 * clips.json says which and why.
 *
 * Progress: records 5 %, clips 60 % (by media time), packaging 35 % (by
 * bytes copied). */
#define G_LOG_DOMAIN "rvi-evidence"
#include "export-job.h"
#include "clip-export.h"
#include "db.h"
#include "evidence-package.h"
#include "export-records.h"
#include "export-stills.h"
#include "rvi-error.h"
#include "node-fetch.h"
#include "node-proxy.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define MAX_JOIN_GAP_US (1 * G_USEC_PER_SEC)
#define SHARE_RECORDS 0.05
#define SHARE_CLIPS 0.60

typedef struct {
  char *camera_id;
  gint64 from_us, to_us;
} Range;

typedef struct {
  char *rel;          /* path in the package */
  char *staged;       /* file in the staging directory */
} Staged;

/* Segment files of other nodes: how to fetch them, and the copies made. */
typedef struct {
  RviNodeFetcher *fetcher;   /* NULL: the export has no requester to fetch for */
  GPtrArray *files;
} Remote;

typedef struct {
  RviExportProgress progress;
  gpointer data;
  gint64 media_total_us, clip_base_us;
  guint64 package_total, file_base;
} Progress;

char *
rvi_export_job_package_path (const char *data_dir, const char *export_id)
{
  g_autofree char *name = g_strconcat ("rvi-evidence-", export_id, ".tar", NULL);

  return g_build_filename (data_dir, "exports", name, NULL);
}

static void
range_clear (gpointer p)
{
  g_free (((Range *) p)->camera_id);
}

static void
staged_clear (gpointer p)
{
  g_free (((Staged *) p)->rel);
  g_free (((Staged *) p)->staged);
}

static GArray *
load_ranges (PGconn *conn, const char *export_id, GError **error)
{
  const char *p[] = { export_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT camera_id, (extract(epoch FROM start_at) * 1000000)::bigint,"
      " (extract(epoch FROM end_at) * 1000000)::bigint FROM export_ranges"
      " WHERE export_id = $1::uuid ORDER BY camera_id, start_at", 1, p, error);
  GArray *ranges;

  if (!res)
    return NULL;
  ranges = g_array_new (FALSE, TRUE, sizeof (Range));
  g_array_set_clear_func (ranges, range_clear);
  for (int i = 0; i < PQntuples (res); i++) {
    Range r = { g_strdup (PQgetvalue (res, i, 0)), rvi_db_int64 (res, i, 1),
                rvi_db_int64 (res, i, 2) };
    g_array_append_val (ranges, r);
  }
  return ranges;
}

static void
on_clip_progress (gint64 done_us, gint64 total_us, gpointer data)
{
  Progress *pr = data;
  gint64 done = pr->clip_base_us + done_us;

  (void) total_us;
  if (pr->progress && pr->media_total_us > 0)
    pr->progress (SHARE_RECORDS + SHARE_CLIPS * MIN (1.0, (double) done / pr->media_total_us),
                  "clips", pr->data);
}

static void
on_copy_progress (guint64 copied, gpointer data)
{
  Progress *pr = data;

  if (pr->progress && pr->package_total > 0)
    pr->progress (SHARE_RECORDS + SHARE_CLIPS + (1 - SHARE_RECORDS - SHARE_CLIPS)
                  * MIN (1.0, (double) (pr->file_base + copied) / (double) pr->package_total),
                  "package", pr->data);
}

static void
clip_entry (JsonBuilder *b, const char *file, const Range *r, gint64 from, gint64 to,
            const RviClipInfo *info)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, file);
  json_builder_set_member_name (b, "requested_from_us");
  json_builder_add_int_value (b, from);
  json_builder_set_member_name (b, "requested_to_us");
  json_builder_add_int_value (b, to);
  json_builder_set_member_name (b, "first_frame_us");
  json_builder_add_int_value (b, info->first_us);
  json_builder_set_member_name (b, "end_us");
  json_builder_add_int_value (b, info->end_us);
  json_builder_set_member_name (b, "lead_in_us");   /* before the range: up to its key frame */
  json_builder_add_int_value (b, MAX (0, from - info->first_us));
  json_builder_set_member_name (b, "frames");
  json_builder_add_int_value (b, info->frames);
  json_builder_set_member_name (b, "bytes");
  json_builder_add_int_value (b, (gint64) info->bytes);
  json_builder_set_member_name (b, "damaged_sources");
  json_builder_add_int_value (b, info->damaged);
  json_builder_set_member_name (b, "range_from_us");
  json_builder_add_int_value (b, r->from_us);
  json_builder_set_member_name (b, "range_to_us");
  json_builder_add_int_value (b, r->to_us);
  json_builder_end_object (b);
}

/* Exports one run of contiguous sources [from, to) as one clip or more
 * (more when the codec parameters change inside it). */
static gboolean
export_run (const RviClipSource *src, guint n, gint64 from, gint64 to, const Range *r,
            const char *staging, GArray *staged, JsonBuilder *clips, guint *clip_no,
            Progress *pr, GCancellable *cancel, GError **error)
{
  while (from < to) {
    g_autofree char *name = g_strdup_printf ("clip-%03u.mp4", ++*clip_no);
    g_autofree char *rel = g_strdup_printf ("cameras/%s/%s", r->camera_id, name);
    g_autofree char *out = g_strdup_printf ("%s/%s-%s", staging, r->camera_id, name);
    g_autoptr (GError) local = NULL;
    RviClipInfo info = { 0 };

    if (!rvi_clip_export (src, n, from, to, out, on_clip_progress, pr, cancel, &info, &local)) {
      --*clip_no;
      if (g_error_matches (local, RVI_ERROR, RVI_ERROR_NOT_FOUND))
        return TRUE;   /* nothing readable recorded here: gaps.json tells */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    clip_entry (clips, name, r, from, to, &info);
    {
      Staged s = { g_steal_pointer (&rel), g_steal_pointer (&out) };
      g_array_append_val (staged, s);
    }
    pr->package_total += info.bytes;
    if (!info.next_us || info.next_us >= to)
      break;
    from = info.next_us;
  }
  return TRUE;
}

/* The clips of one range: its segments' runs, each exported; what could
 * not be exported is listed in @skipped. */
static void
skip_segment (JsonBuilder *skipped, PGresult *res, int i, const char *why)
{
  json_builder_begin_object (skipped);
  json_builder_set_member_name (skipped, "segment_id");
  json_builder_add_string_value (skipped, PQgetvalue (res, i, 0));
  json_builder_set_member_name (skipped, "why");
  json_builder_add_string_value (skipped, why);
  json_builder_set_member_name (skipped, "node");
  json_builder_add_string_value (skipped, PQgetvalue (res, i, 1));
  json_builder_end_object (skipped);
}

/* The file of segment row @i of @res: this node's, or a checked copy
 * from its node; NULL when there is none, with @why for clips.json. */
static char *
segment_file (PGconn *conn, const RviExportJobConfig *cfg, Remote *remote, const Range *r,
              const char *staging, PGresult *res, int i, GCancellable *cancel, char **why)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *copy = NULL;

  if (!g_str_equal (PQgetvalue (res, i, 2), "closed")) {
    *why = rvi_db_bool (res, i, 7)
      ? g_strdup_printf ("left open by node %s, which stopped while writing it: export again"
                         " once that node runs (it closes the segment then)",
                         PQgetvalue (res, i, 1))
      : g_strdup ("still being recorded: export again later");
    return NULL;
  }
  if (g_str_equal (PQgetvalue (res, i, 1), cfg->node))
    return g_build_filename (cfg->data_dir, "media", PQgetvalue (res, i, 3), NULL);
  if (!remote->fetcher) {
    *why = g_strdup ("held by another node, and the export has no requester to fetch it for");
    return NULL;
  }
  copy = g_strdup_printf ("%s/segment-%s.mp4", staging, PQgetvalue (res, i, 0));
  if (!rvi_node_fetch_segment (remote->fetcher, conn, r->camera_id, PQgetvalue (res, i, 0),
                          PQgetvalue (res, i, 1), PQgetvalue (res, i, 6), copy, cancel,
                          &error)) {
    g_warning ("export: %s", error->message);
    *why = g_error_matches (error, RVI_ERROR, RVI_ERROR_INTEGRITY)
      ? g_strdup_printf ("held by another node, whose copy is not the recorded file: %s",
                         error->message)
      : g_strdup_printf ("held by another node, which did not give it: %s", error->message);
    return NULL;
  }
  g_ptr_array_add (remote->files, g_strdup (copy));
  return g_steal_pointer (&copy);
}

static gboolean
export_range (PGconn *conn, const RviExportJobConfig *cfg, Remote *remote, const Range *r,
              const char *staging, GArray *staged, JsonBuilder *clips, JsonBuilder *skipped,
              guint *clip_no, Progress *pr, GCancellable *cancel, GError **error)
{
  g_autofree char *from_text = g_strdup_printf ("%" G_GINT64_FORMAT, r->from_us);
  g_autofree char *to_text = g_strdup_printf ("%" G_GINT64_FORMAT, r->to_us);
  const char *p[] = { r->camera_id, from_text, to_text };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT id, node, status, path, (extract(epoch FROM start_at) * 1000000)::bigint,"
      " (extract(epoch FROM coalesce(end_at, now())) * 1000000)::bigint, sha256,"
      " " RVI_SEGMENT_INTERRUPTED_SQL ("segments") " FROM segments"
      " WHERE camera_id = $1::uuid AND status <> 'deleting'"
      " AND start_at < to_timestamp($3::bigint / 1e6)"
      " AND coalesce(end_at, 'infinity') > to_timestamp($2::bigint / 1e6)"
      " ORDER BY start_at", 3, p, error);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) src = g_array_new (FALSE, TRUE, sizeof (RviClipSource));
  int rows;

  if (!res)
    return FALSE;
  rows = PQntuples (res);
  g_ptr_array_set_size (paths, rows);
  for (int i = 0; i <= rows; i++) {
    g_autofree char *why = NULL;
    gboolean usable = FALSE;
    RviClipSource *last;
    gboolean joins;

    if (i < rows) {
      paths->pdata[i] = segment_file (conn, cfg, remote, r, staging, res, i, cancel, &why);
      usable = paths->pdata[i] != NULL;
    }
    last = src->len ? &g_array_index (src, RviClipSource, src->len - 1) : NULL;
    joins = usable && last && rvi_db_int64 (res, i, 4) - last->end_us <= MAX_JOIN_GAP_US;

    /* a run ends at the end, at an unusable segment and at a gap */
    if (last && !joins) {
      gint64 from = MAX (r->from_us, g_array_index (src, RviClipSource, 0).start_us);
      if (!export_run ((RviClipSource *) src->data, src->len, from, MIN (r->to_us, last->end_us),
                       r, staging, staged, clips, clip_no, pr, cancel, error))
        return FALSE;
      g_array_set_size (src, 0);
    }
    if (i == rows)
      break;
    if (!usable) {
      skip_segment (skipped, res, i, why);
      continue;
    }
    {
      RviClipSource s = { paths->pdata[i], rvi_db_int64 (res, i, 4), rvi_db_int64 (res, i, 5) };
      g_array_append_val (src, s);
    }
  }
  pr->clip_base_us += r->to_us - r->from_us;
  for (guint i = 0; i < remote->files->len; i++)   /* copies are needed for one range only */
    g_unlink (remote->files->pdata[i]);
  g_ptr_array_set_size (remote->files, 0);
  return TRUE;
}

static void
remove_staging (const char *staging, GArray *staged, GPtrArray *fetched)
{
  for (guint i = 0; i < staged->len; i++)
    g_unlink (g_array_index (staged, Staged, i).staged);
  for (guint i = 0; i < fetched->len; i++)
    g_unlink (fetched->pdata[i]);
  g_rmdir (staging);
}

/* How to fetch other nodes' segments for export @export_id: with a token
 * of its requester (none when it has none). */
static gboolean
remote_init (PGconn *conn, const RviExportJobConfig *cfg, const char *export_id, Remote *remote,
             GError **error)
{
  const char *p[] = { export_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT requested_by FROM exports"
                                          " WHERE id = $1::uuid", 1, p, error);
  g_autofree char *label = g_strdup_printf ("export %s: segments of other nodes", export_id);

  if (!res)
    return FALSE;
  remote->files = g_ptr_array_new_with_free_func (g_free);
  if (PQntuples (res) == 1 && !PQgetisnull (res, 0, 0))
    remote->fetcher = rvi_node_fetcher_new (PQgetvalue (res, 0, 0), label, cfg->node_cas);
  return TRUE;
}

gboolean
rvi_export_job_run (PGconn *conn, const RviExportJobConfig *cfg, const char *export_id,
                    RviExportProgress progress, gpointer data, GCancellable *cancel,
                    guint64 *bytes, char sha256[65], GError **error)
{
  g_autofree char *dir = g_build_filename (cfg->data_dir, "exports", NULL);
  g_autofree char *staging_name = g_strconcat (export_id, ".staging", NULL);
  g_autofree char *staging = g_build_filename (dir, staging_name, NULL);
  g_autofree char *path = rvi_export_job_package_path (cfg->data_dir, export_id);
  g_autoptr (GArray) ranges = NULL;
  g_autoptr (GArray) staged = g_array_new (FALSE, TRUE, sizeof (Staged));
  g_autoptr (GPtrArray) cameras = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) clip_lists = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                             g_object_unref);
  g_autoptr (GHashTable) skip_lists = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                             g_object_unref);
  g_autoptr (RviEvidencePackage) pkg = NULL;
  g_autofree char *stills = NULL;
  Progress pr = { .progress = progress, .data = data };
  Remote remote = { 0 };
  gboolean ok = FALSE;
  guint clip_no = 0;

  g_array_set_clear_func (staged, staged_clear);
  if (g_mkdir_with_parents (staging, 0750) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot create %s", staging);
    return FALSE;
  }
  if (!remote_init (conn, cfg, export_id, &remote, error)) {
    g_rmdir (staging);
    return FALSE;
  }
  if (!(ranges = load_ranges (conn, export_id, error)))
    goto out;
  for (guint i = 0; i < ranges->len; i++)
    pr.media_total_us += g_array_index (ranges, Range, i).to_us
                         - g_array_index (ranges, Range, i).from_us;
  if (progress)
    progress (0.01, "clips", data);
  for (guint i = 0; i < ranges->len; i++) {
    const Range *r = &g_array_index (ranges, Range, i);
    JsonBuilder *clips = g_hash_table_lookup (clip_lists, r->camera_id);
    JsonBuilder *skipped = g_hash_table_lookup (skip_lists, r->camera_id);

    if (!clips) {
      g_ptr_array_add (cameras, g_strdup (r->camera_id));
      clips = json_builder_new ();
      skipped = json_builder_new ();
      json_builder_begin_array (clips);
      json_builder_begin_array (skipped);
      g_hash_table_insert (clip_lists, r->camera_id, clips);
      g_hash_table_insert (skip_lists, r->camera_id, skipped);
      clip_no = 0;
    }
    if (!export_range (conn, cfg, &remote, r, staging, staged, clips, skipped, &clip_no, &pr,
                       cancel, error))
      goto out;
  }
  if (!(pkg = rvi_evidence_package_begin (path, export_id, g_get_real_time (), error))
      || !rvi_export_stills_add (conn, pkg, export_id, cfg->data_dir, cfg->node, remote.fetcher,
                                 staging, cancel, &stills, error)
      || !rvi_export_records_add (conn, pkg, export_id, stills, error))
    goto out;
  for (guint i = 0; i < cameras->len; i++) {
    const char *cam = cameras->pdata[i];
    g_autofree char *cam_dir = g_strconcat ("cameras/", cam, NULL);
    g_autofree char *clips_rel = g_strconcat (cam_dir, "/clips.json", NULL);
    JsonBuilder *clips = g_hash_table_lookup (clip_lists, cam);
    JsonBuilder *skipped = g_hash_table_lookup (skip_lists, cam);
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) node = NULL;

    json_builder_end_array (clips);
    json_builder_end_array (skipped);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "clips");
    json_builder_add_value (b, json_builder_get_root (clips));
    json_builder_set_member_name (b, "not_exported");
    json_builder_add_value (b, json_builder_get_root (skipped));
    json_builder_set_member_name (b, "note");
    json_builder_add_string_value (b, "Clips are the camera's own stream, remuxed, not re-encoded."
                                      " Each starts at the key frame at or before the range"
                                      " (lead_in_us earlier) so its first frame decodes, and ends"
                                      " with the last frame that starts before the range's end."
                                      " Times are Unix microseconds (UTC).");
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    if (!rvi_export_records_add_camera (conn, pkg, export_id, cam, cam_dir, error)
        || !rvi_evidence_package_add_json (pkg, clips_rel, node, error))
      goto out;
  }
  for (guint i = 0; i < staged->len; i++) {
    const Staged *s = &g_array_index (staged, Staged, i);

    if (!rvi_evidence_package_add_file (pkg, s->rel, s->staged, on_copy_progress, &pr, cancel,
                                        error))
      goto out;
    {
      GStatBuf st;
      if (g_stat (s->staged, &st) == 0)
        pr.file_base += (guint64) st.st_size;   /* the next file's progress starts here */
    }
  }
  ok = rvi_evidence_package_finish (g_steal_pointer (&pkg), cfg->key, bytes, sha256, error);
out:
  remove_staging (staging, staged, remote.files);
  g_ptr_array_unref (remote.files);
  rvi_node_fetcher_free (remote.fetcher, conn);
  return ok;
}
