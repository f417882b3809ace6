/* mark-still-job.c: one attempt at one mark's still (mark-still-job.h).
 *
 * DESIGN. The frame is the one frame.jpg answers for the mark's time
 * (frame-locate.c), encoded the same way (full size, the same JPEG
 * quantizer). The outcome decides what is written:
 *
 *   a frame              the file (DATA-DIR/stills/<mark id>.jpg, written
 *                        under a temporary name, fsynced, renamed, the
 *                        directory fsynced), then in one transaction the
 *                        'recorded' row, the audit event
 *                        mark_still_recorded and the mark's removal from
 *                        the queue
 *   no frame             final when a gap row holds the time and the time
 *                        is SETTLE_US old (the index of the camera's
 *                        recording around it has settled), or when the
 *                        deadline passed: a 'not_recorded' row with the
 *                        cause ("not recorded (gap from A to B: disabled)",
 *                        "the recording's file is missing", ...),
 *                        mark_still_not_recorded;
 *                        else try again in 1, 2, ... 10 s (a mark at the
 *                        live edge waits for the fragment being written,
 *                        1-3 s)
 *   another node's       its holder makes it: look again in a minute
 *   a failure            (a file that does not decode, a full disk) try
 *                        again with back-off from 5 s to 10 min, logged
 *                        once per mark; a day after the mark was made it
 *                        is final: 'not_recorded', "the still could not be
 *                        made", the reason in the log
 *
 * The insert does nothing when the mark already has a row (two nodes
 * raced): the file this node wrote is then removed. */
#define G_LOG_DOMAIN "rvi-stills"
#include "mark-still-job.h"
#include "audit-log.h"
#include "db.h"
#include "durable-file.h"
#include "frame-locate.h"
#include "rvi-error.h"
#include "sha256-hex.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#define SETTLE_US (10 * G_USEC_PER_SEC)
#define REMOTE_RETRY_US (60 * G_USEC_PER_SEC)
#define FAIL_RETRY_MIN_US (5 * G_USEC_PER_SEC)
#define FAIL_RETRY_MAX_US (600 * G_USEC_PER_SEC)
#define GIVE_UP "interval '1 day'"
#define US(expr) "(extract(epoch FROM " expr ") * 1000000)::bigint"

static void
task_clear (gpointer p)
{
  RviMarkStillTask *t = p;

  g_free (t->mark_id);
  g_free (t->camera_id);
}

GArray *
rvi_mark_still_job_list (PGconn *conn, const char *node, guint max, GError **error)
{
  g_autofree char *limit = g_strdup_printf ("%u", max);
  g_autofree char *wait = g_strdup_printf ("%" G_GINT64_FORMAT " microseconds",
                                          RVI_MARK_STILL_WAIT_US);
  const char *params[] = { node, limit, wait };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT q.mark_id, m.camera_id, " US ("m.at") ", " US ("q.not_before") ","
      " " US ("least(greatest(m.at, m.created_at), m.created_at + $3::interval)"
             " + $3::interval") ","
      " " US ("m.created_at + " GIVE_UP) ", q.attempts"
      " FROM mark_still_queue q JOIN marks m ON m.id = q.mark_id"
      " WHERE coalesce("
      "  (SELECT s.node FROM segments s WHERE s.camera_id = m.camera_id AND s.status <> 'deleting'"
      "    AND s.start_at <= m.at + interval '2 s'"
      "    AND coalesce(s.end_at, 'infinity') >= m.at - interval '2 s'"
      "    ORDER BY s.start_at DESC LIMIT 1),"
      "  (SELECT g.node FROM gaps g WHERE g.camera_id = m.camera_id AND g.start_at <= m.at"
      "    AND (g.end_at IS NULL OR g.end_at > m.at) ORDER BY g.start_at DESC LIMIT 1),"
      "  (SELECT c.node FROM camera_status c WHERE c.camera_id = m.camera_id),"
      "  $1) = $1"
      " ORDER BY q.not_before, q.mark_id LIMIT $2::int", 3, params, error);
  GArray *tasks;

  if (!res)
    return NULL;
  tasks = g_array_new (FALSE, TRUE, sizeof (RviMarkStillTask));
  g_array_set_clear_func (tasks, task_clear);
  for (int i = 0; i < PQntuples (res); i++) {
    RviMarkStillTask t = { rvi_db_dup (res, i, 0), rvi_db_dup (res, i, 1),
                           rvi_db_int64 (res, i, 2), rvi_db_int64 (res, i, 3),
                           rvi_db_int64 (res, i, 4), rvi_db_int64 (res, i, 5),
                           (int) rvi_db_int64 (res, i, 6) };
    g_array_append_val (tasks, t);
  }
  return tasks;
}

/* The audit event's detail: the row's fields (transfer full). */
static char *
audit_detail (const char *const *p)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  static const char *const names[] = { NULL, "camera_id", "node", "state", "frame_at_us",
                                       "path", "bytes", "sha256", "width", "height", "cause" };

  json_builder_begin_object (b);
  for (guint i = 1; i < G_N_ELEMENTS (names); i++) {
    if (!p[i])
      continue;
    json_builder_set_member_name (b, names[i]);
    if (i == 4 || i == 6 || i == 8 || i == 9)
      json_builder_add_int_value (b, g_ascii_strtoll (p[i], NULL, 10));
    else
      json_builder_add_string_value (b, p[i]);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* Writes the row in @p (mark, camera, node, state, frame µs, path, bytes,
 * sha256, width, height, cause), its audit event and the removal from the
 * queue in one transaction. *@inserted is FALSE when the mark had a row. */
static gboolean
record (PGconn *conn, const char *const *p, gboolean *inserted, GError **error)
{
  g_autoptr (PGresult) res = NULL;
  g_autofree char *detail = audit_detail (p);
  gboolean recorded = g_str_equal (p[3], "recorded");
  RviAuditEntry e = { NULL, "system", recorded ? "mark_still_recorded" : "mark_still_not_recorded",
                      "mark", p[0], detail, NULL };

  if (!rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_db_exec (conn, "INSERT INTO mark_stills (mark_id, camera_id, node, state, frame_at,"
                     " path, bytes, sha256, width, height, cause) VALUES ($1::uuid, $2::uuid, $3,"
                     " $4, rvi_us($5::bigint), $6, $7::bigint, $8, $9::int, $10::int, $11)"
                     " ON CONFLICT DO NOTHING RETURNING mark_id", 11, p, error);
  if (!res)
    goto fail;
  *inserted = PQntuples (res) > 0;
  if ((*inserted && !rvi_audit_append (conn, &e, error))
      || !rvi_db_run (conn, "DELETE FROM mark_still_queue WHERE mark_id = $1::uuid", 1, p, error)
      || !rvi_db_commit (conn, error))
    goto fail;
  return TRUE;
fail:
  rvi_db_rollback (conn);
  return FALSE;
}

static gboolean
record_not_recorded (PGconn *conn, const char *node, const RviMarkStillTask *t,
                     const char *cause, GError **error)
{
  const char *p[] = { t->mark_id, t->camera_id, node, "not_recorded", NULL, NULL, NULL, NULL,
                      NULL, NULL, cause };
  gboolean inserted = FALSE;

  if (!record (conn, p, &inserted, error))
    return FALSE;
  g_message ("mark %s: no still: %s", t->mark_id, cause);
  return TRUE;
}

/* Notes in the queue that @t is due again in @delay_us, and why not now. */
static gboolean
retry_later (PGconn *conn, const RviMarkStillTask *t, gint64 delay_us, const char *why,
             GError **error)
{
  g_autofree char *when = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () + delay_us);
  const char *p[] = { t->mark_id, when, why };

  g_debug ("mark %s: still not made yet (%s); again in %.1f s", t->mark_id, why,
           (double) delay_us / G_USEC_PER_SEC);
  return rvi_db_run (conn, "UPDATE mark_still_queue SET not_before = rvi_us($2::bigint),"
                     " attempts = attempts + 1, last_error = $3 WHERE mark_id = $1::uuid",
                     3, p, error);
}

/* The still from the frame in @x: file, then row. */
static gboolean
store (PGconn *conn, RviFrameExtractor *x, const char *data_dir, const char *node,
       const RviMarkStillTask *t, const RviFrameChoice *choice, GError **error)
{
  g_autofree char *rel = g_strconcat ("stills/", t->mark_id, ".jpg", NULL);
  g_autofree char *path = g_build_filename (data_dir, rel, NULL);
  g_autofree char *frame = g_strdup_printf ("%" G_GINT64_FORMAT, choice->frame_us);
  g_autofree char *bytes = NULL, *width = NULL, *height = NULL;
  char sha[RVI_SHA256_HEX_LEN + 1];
  const guint8 *jpeg;
  gsize size;
  guint w, h;
  gboolean inserted = FALSE;

  if (!rvi_frame_extractor_encode_jpeg (x, &jpeg, &size, &w, &h, error)
      || !rvi_durable_file_write (path, jpeg, size, TRUE, error))
    return FALSE;
  rvi_sha256_hex (jpeg, size, sha);
  bytes = g_strdup_printf ("%" G_GSIZE_FORMAT, size);
  width = g_strdup_printf ("%u", w);
  height = g_strdup_printf ("%u", h);
  {
    const char *p[] = { t->mark_id, t->camera_id, node, "recorded", frame, rel, bytes, sha,
                        width, height, NULL };
    if (!record (conn, p, &inserted, error)) {
      g_unlink (path);
      return FALSE;
    }
  }
  if (!inserted)
    g_unlink (path);   /* another node's row came first */
  else
    g_message ("mark %s: still of %s at %+.3f s from the mark, %ux%u, %zu bytes", t->mark_id,
               t->camera_id, (double) (choice->frame_us - t->at_us) / G_USEC_PER_SEC, w, h, size);
  return TRUE;
}

/* A failure to make the still (not a missing frame): later, or final. */
static gboolean
failed (PGconn *conn, const char *node, const RviMarkStillTask *t, const GError *why,
        GError **error)
{
  gint64 delay = (gint64) FAIL_RETRY_MIN_US << MIN (t->attempts, 8);

  if (t->attempts == 0)
    g_warning ("mark %s: the still could not be made: %s; trying again", t->mark_id,
               why->message);
  if (g_get_real_time () >= t->give_up_us) {
    g_warning ("mark %s: giving up on its still: %s", t->mark_id, why->message);
    return record_not_recorded (conn, node, t, "the still could not be made (see the server log)",
                                error);
  }
  return retry_later (conn, t, MIN (delay, FAIL_RETRY_MAX_US), why->message, error);
}

gboolean
rvi_mark_still_job_run (PGconn *conn, RviFrameExtractor *x, const char *data_dir,
                        const char *node, const RviMarkStillTask *t, GError **error)
{
  RviFrameLocation loc = { 0 };
  RviFrameChoice choice = { 0 };
  g_autoptr (GError) local = NULL;
  gint64 now = g_get_real_time ();
  gboolean ok;

  if (!rvi_frame_location_lookup (conn, data_dir, node, t->camera_id, t->at_us, &loc, error)) {
    rvi_frame_location_clear (&loc);
    return FALSE;
  }
  if (!loc.a.present && !loc.b.present && loc.remote) {
    g_autofree char *why = g_strdup_printf ("the recording is held by node %s", loc.remote);
    ok = now >= t->give_up_us ? record_not_recorded (conn, node, t, why, error)
                              : retry_later (conn, t, REMOTE_RETRY_US, why, error);
  } else if (rvi_frame_location_decode (x, &loc, &choice, &local)) {
    g_autoptr (GError) store_error = NULL;

    ok = store (conn, x, data_dir, node, t, &choice, &store_error);
    if (!ok && g_error_matches (store_error, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE))
      g_propagate_error (error, g_steal_pointer (&store_error));
    else if (!ok)
      ok = failed (conn, node, t, store_error, error);
  } else if (g_error_matches (local, RVI_ERROR, RVI_ERROR_NOT_FOUND)) {
    gboolean settled = loc.gap_cause && now >= t->at_us + SETTLE_US;

    if (settled || now >= t->deadline_us)
      ok = record_not_recorded (conn, node, t, g_str_has_prefix (local->message, "not recorded yet")
                                ? "not recorded (the recording had not reached this time"
                                  " a minute later)" : local->message, error);
    else
      ok = retry_later (conn, t, MIN (CLAMP (t->attempts + 1, 1, 10) * G_USEC_PER_SEC,
                                      MAX (t->deadline_us - now, G_USEC_PER_SEC / 10)),
                        local->message, error);
  } else {
    ok = failed (conn, node, t, local, error);
  }
  rvi_frame_location_clear (&loc);
  return ok;
}
