/* frame-locate.c: the recorded frame nearest a time (see frame-locate.h).
 *
 * DESIGN. Two steps, so no database connection is held while decoding:
 *
 *   lookup (database): the segment starting at or before TIME (A) and the
 *                      first one starting after it, within REACH (B), and
 *                      the gap holding TIME, if any
 *   decode (worker):   the frame of A nearest TIME (frame-extract.c) and,
 *                      when B's first frame is nearer, that one
 *
 * Which frame. A recording covers [start of its first frame, end of its
 * last frame); a time within half a frame interval of that range counts
 * as covered, so a time a few milliseconds past a segment's end gives the
 * segment's last frame, and a time just before a segment's first frame
 * gives that frame. Inside the range the nearest frame wins (the earlier
 * on a tie), across a segment boundary too. Anything else is "not
 * recorded", which names the gap's cause when a gap row holds TIME. A
 * segment still being written ('open') covers what is on disk: its
 * complete fragments (the recorder writes one every second); a time in
 * the fragment being written is "not recorded yet".
 *
 * Segment files are this node's: a segment recorded by another node is
 * named (remote); the request goes to that node when none of this node's
 * is near, or when that segment's time range holds TIME (node-proxy.h). */
#define G_LOG_DOMAIN "rvi-frames"
#include "frame-locate.h"
#include "db.h"
#include "rvi-error.h"

#include <gio/gio.h>

#define REACH_US (2 * G_USEC_PER_SEC)   /* half a frame interval at 0.25 fps */

static void
segment_clear (RviFrameSegment *seg)
{
  g_clear_pointer (&seg->path, g_free);
  seg->present = FALSE;
}

void
rvi_frame_location_clear (RviFrameLocation *loc)
{
  segment_clear (&loc->a);
  segment_clear (&loc->b);
  g_clear_pointer (&loc->remote, g_free);
  g_clear_pointer (&loc->gap_cause, g_free);
  g_clear_pointer (&loc->not_recorded, g_free);
}

/* The gap holding @at (its cause and the message naming it), if any. */
static gboolean
lookup_gap (PGconn *conn, const char *camera, const char *at, RviFrameLocation *loc,
            GError **error)
{
  const char *params[] = { camera, at };
  g_autoptr (PGresult) gap = rvi_db_exec (conn,
      "SELECT cause, rvi_time(start_at), rvi_time(end_at) FROM gaps"
      " WHERE camera_id = $1::uuid AND start_at <= rvi_us($2::bigint)"
      " AND (end_at IS NULL OR end_at > rvi_us($2::bigint))"
      " ORDER BY start_at DESC LIMIT 1", 2, params, error);

  if (!gap)
    return FALSE;
  if (PQntuples (gap) == 0) {
    loc->not_recorded = g_strdup ("not recorded");
    return TRUE;
  }
  loc->gap_cause = g_strdup (PQgetvalue (gap, 0, 0));
  if (PQgetisnull (gap, 0, 2))
    loc->not_recorded = g_strdup_printf ("not recorded (gap since %s: %s)",
                                         PQgetvalue (gap, 0, 1), loc->gap_cause);
  else
    loc->not_recorded = g_strdup_printf ("not recorded (gap from %s to %s: %s)",
                                         PQgetvalue (gap, 0, 1), PQgetvalue (gap, 0, 2),
                                         loc->gap_cause);
  return TRUE;
}

/* Fills @seg from row @row of @res unless its time range cannot reach
 * @loc's time; a segment of another node is noted in @loc->remote instead. */
static void
take_segment (const char *data_dir, const char *node, PGresult *res, int row,
              RviFrameLocation *loc, RviFrameSegment *seg)
{
  gboolean open = rvi_db_bool (res, row, 3);
  gint64 start = rvi_db_int64 (res, row, 4);
  gint64 end = open ? 0 : rvi_db_int64 (res, row, 5);
  gint64 at_us = loc->at_us;

  if (open ? at_us > g_get_real_time () + REACH_US : at_us > end + REACH_US)
    return;
  if (at_us < start - REACH_US)
    return;
  if (!g_str_equal (PQgetvalue (res, row, 1), node)) {
    g_free (loc->remote);
    loc->remote = rvi_db_dup (res, row, 1);
    loc->remote_covers = at_us >= start && (open || at_us <= end);
    return;
  }
  seg->present = TRUE;
  seg->open = open;
  seg->start_us = start;
  seg->end_us = end;
  seg->path = g_build_filename (data_dir, "media", PQgetvalue (res, row, 2), NULL);
}

gboolean
rvi_frame_location_lookup (PGconn *conn, const char *data_dir, const char *node,
                           const char *camera_id, gint64 at_us, RviFrameLocation *loc,
                           GError **error)
{
  g_autofree char *at = g_strdup_printf ("%" G_GINT64_FORMAT, at_us);
  const char *params[] = { camera_id, at };
  g_autoptr (PGresult) segs = rvi_db_exec (conn,
      "(SELECT 'a', node, path, status = 'open',"
      "   (extract(epoch FROM start_at) * 1000000)::bigint,"
      "   (extract(epoch FROM end_at) * 1000000)::bigint FROM segments"
      "  WHERE camera_id = $1::uuid AND status <> 'deleting' AND start_at <= rvi_us($2::bigint)"
      "  ORDER BY start_at DESC LIMIT 1)"
      " UNION ALL"
      " (SELECT 'b', node, path, status = 'open',"
      "   (extract(epoch FROM start_at) * 1000000)::bigint,"
      "   (extract(epoch FROM end_at) * 1000000)::bigint FROM segments"
      "  WHERE camera_id = $1::uuid AND status <> 'deleting' AND start_at > rvi_us($2::bigint)"
      "  ORDER BY start_at LIMIT 1)", 2, params, error);

  if (!segs)
    return FALSE;
  loc->at_us = at_us;
  for (int i = 0; i < PQntuples (segs); i++)
    take_segment (data_dir, node, segs, i, loc,
                  g_str_equal (PQgetvalue (segs, i, 0), "a") ? &loc->a : &loc->b);
  return lookup_gap (conn, camera_id, at, loc, error);
}

/* The nearest frame of @seg to @at_us. FALSE with @error for a real
 * failure; TRUE with *@found FALSE when the file holds no frame yet. */
static gboolean
extract (RviFrameExtractor *x, const RviFrameSegment *seg, gint64 at_us, RviExtractedFrame *info,
         gboolean *found, GError **error)
{
  g_autoptr (GError) local = NULL;

  *found = rvi_frame_extractor_extract (x, seg->path, at_us - seg->start_us, info, &local) != NULL;
  if (*found)
    return TRUE;
  if (g_error_matches (local, RVI_ERROR, RVI_ERROR_NOT_FOUND))
    return TRUE;
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
    g_message ("%s: the file is missing", seg->path);
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "the recording's file is missing");
    return FALSE;
  }
  g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "%s: %s", seg->path, local->message);
  return FALSE;
}

gboolean
rvi_frame_location_decode (RviFrameExtractor *x, const RviFrameLocation *loc,
                           RviFrameChoice *choice, GError **error)
{
  const RviFrameSegment *a = &loc->a, *b = &loc->b;
  RviExtractedFrame fa = { 0 }, fb = { 0 };
  gboolean found_a = FALSE, found_b = FALSE, use_a = FALSE, use_b = FALSE;
  gint64 dist_a = G_MAXINT64, interval = 0, at_us = loc->at_us;

  if (a->present) {
    if (!extract (x, a, at_us, &fa, &found_a, error))
      return FALSE;
    if (found_a) {
      interval = fa.interval_us;
      dist_a = ABS (at_us - (a->start_us + fa.offset_us));
      /* a closed segment ends where its row says (its last frame lasts
       * until the next segment's first when they meet); one being
       * written, after its last frame on disk */
      use_a = !fa.last || at_us <= (a->open ? a->start_us + fa.end_us : a->end_us) + interval / 2;
    }
  }
  if (b->present) {
    gint64 lead = b->start_us - at_us;

    if (use_a ? lead < dist_a : (interval == 0 || lead <= interval / 2)) {
      if (!extract (x, b, at_us, &fb, &found_b, error))
        return FALSE;
      if (found_b) {
        gint64 dist_b = ABS (b->start_us + fb.offset_us - at_us);
        use_b = use_a ? dist_b < dist_a : dist_b <= fb.interval_us / 2;
      }
    }
  }
  if (use_a && !use_b && found_b && !extract (x, a, at_us, &fa, &found_a, error))
    return FALSE;                 /* B was decoded for nothing: A's picture again */
  if (!use_a && !use_b) {
    gboolean tail = a->present && a->open;   /* after what is on disk */
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "%s",
                 tail && g_str_equal (loc->not_recorded, "not recorded")
                 ? "not recorded yet (the recording of this time is still being written)"
                 : loc->not_recorded);
    return FALSE;
  }
  choice->frame_us = use_b ? b->start_us + fb.offset_us : a->start_us + fa.offset_us;
  choice->decoded = use_b ? fb.decoded : fa.decoded;
  choice->immutable = !(use_b ? b->open : a->open);
  return TRUE;
}
