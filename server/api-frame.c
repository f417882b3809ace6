/* api-frame.c: GET /api/cameras/{id}/frame.jpg?at=TIME, the recorded
 * frame nearest TIME as a full-resolution JPEG.
 *
 * DESIGN. Two steps, so no database connection is held while decoding:
 *
 *   database worker: parse `at`, check the camera, find the segment
 *                    starting at or before TIME (A) and the first one
 *                    starting after it, within REACH (B), and the gap
 *                    holding TIME, if any
 *   main loop:       submit the decoding to the frame service (a few
 *                    threads behind a bounded queue: 503 busy when full)
 *   frame worker:    decode the frame of A nearest TIME (frame-extract.c)
 *                    and, when B's first frame is nearer, that one
 *   main loop:       answer
 *
 * Which frame. A recording covers [start of its first frame, end of its
 * last frame); a time within half a frame interval of that range counts
 * as covered, so a time a few milliseconds past a segment's end gives the
 * segment's last frame, and a time just before a segment's first frame
 * gives that frame. Inside the range the nearest frame wins (the earlier
 * on a tie), across a segment boundary too. Anything else is a 404 "not
 * recorded", which names the gap's cause when a gap row holds TIME. A
 * segment still being written ('open') covers what is on disk: its
 * complete fragments (the recorder writes one every second); a time in
 * the fragment being written is "not recorded yet".
 *
 * Answer. 200 image/jpeg with X-Frame-Time (the frame's wall-clock time)
 * and X-Requested-Time, both RFC 3339 UTC with microseconds (frames are
 * not millisecond-aligned); cacheable privately: a year for a closed
 * segment (it never changes), a minute for one being written.
 *
 * Segment files are this node's: a segment recorded by another node is a
 * 404 naming that node until proxying between nodes exists (issue 7). */
#define G_LOG_DOMAIN "rvi-http"
#include "api-frame.h"
#include "db.h"
#include "frame-service.h"
#include "rvi-error.h"

#include <gio/gio.h>

#define REACH_US (2 * G_USEC_PER_SEC)   /* half a frame interval at 0.25 fps */
#define CACHE_CLOSED "private, max-age=31536000, immutable"
#define CACHE_OPEN "private, max-age=60"

typedef struct {
  gboolean present;
  gboolean open;
  char *path;          /* absolute */
  gint64 start_us;     /* wall clock of its first frame */
  gint64 end_us;       /* 0 while open */
} Segment;

/* A request's state between its steps. The frame worker reads the
 * inputs and writes the results; the main loop reads them after done. */
typedef struct {
  gint64 at_us;
  Segment a, b;
  char *not_recorded;  /* the 404 message when no frame covers the time */
  GBytes *jpeg;
  gint64 frame_us;
  guint width, height, decoded;
  gboolean immutable;
} FrameJob;

static void
frame_job_free (gpointer p)
{
  FrameJob *job = p;

  g_free (job->a.path);
  g_free (job->b.path);
  g_free (job->not_recorded);
  g_clear_pointer (&job->jpeg, g_bytes_unref);
  g_free (job);
}

/* RFC 3339 UTC with microseconds (transfer full). */
static char *
format_us (gint64 us)
{
  gint64 s = us >= 0 ? us / G_USEC_PER_SEC : -((-us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  g_autoptr (GDateTime) whole = g_date_time_new_from_unix_utc (s);
  g_autoptr (GDateTime) dt = whole ? g_date_time_add (whole, us - s * G_USEC_PER_SEC) : NULL;

  return dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S.%fZ") : g_strdup ("");
}

static gboolean
parse_at (const char *text, gint64 *at_us, GError **error)
{
  g_autoptr (GDateTime) dt = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  if (!dt) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "at must be an RFC 3339 time such as 2026-11-28T03:04:05.250Z");
    return FALSE;
  }
  *at_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}

/* The 404 message for a time no recording covers, naming its gap. */
static char *
not_recorded_message (PGconn *conn, const char *camera, const char *at, GError **error)
{
  const char *params[] = { camera, at };
  g_autoptr (PGresult) gap = rvi_db_exec (conn,
      "SELECT cause, rvi_time(start_at), rvi_time(end_at) FROM gaps"
      " WHERE camera_id = $1::uuid AND start_at <= rvi_us($2::bigint)"
      " AND (end_at IS NULL OR end_at > rvi_us($2::bigint))"
      " ORDER BY start_at DESC LIMIT 1", 2, params, error);

  if (!gap)
    return NULL;
  if (PQntuples (gap) == 0)
    return g_strdup ("not recorded");
  if (PQgetisnull (gap, 0, 2))
    return g_strdup_printf ("not recorded (gap since %s: %s)", PQgetvalue (gap, 0, 1),
                            PQgetvalue (gap, 0, 0));
  return g_strdup_printf ("not recorded (gap from %s to %s: %s)", PQgetvalue (gap, 0, 1),
                          PQgetvalue (gap, 0, 2), PQgetvalue (gap, 0, 0));
}

/* Fills @seg from row @row of @res unless its time range cannot reach
 * @at_us; a segment of another node is noted in @remote instead. */
static void
take_segment (const RviConfig *config, PGresult *res, int row, gint64 at_us, Segment *seg,
              char **remote)
{
  gboolean open = rvi_db_bool (res, row, 3);
  gint64 start = rvi_db_int64 (res, row, 4);
  gint64 end = open ? 0 : rvi_db_int64 (res, row, 5);

  if (open ? at_us > g_get_real_time () + REACH_US : at_us > end + REACH_US)
    return;
  if (at_us < start - REACH_US)
    return;
  if (!g_str_equal (PQgetvalue (res, row, 1), config->node)) {
    g_free (*remote);
    *remote = rvi_db_dup (res, row, 1);
    return;
  }
  seg->present = TRUE;
  seg->open = open;
  seg->start_us = start;
  seg->end_us = end;
  seg->path = g_build_filename (config->data_dir, "media", PQgetvalue (res, row, 2), NULL);
}

gboolean
rvi_api_frame_lookup (RviRequest *req, PGconn *conn, GError **error)
{
  const char *at_text = rvi_request_query (req, "at");
  g_autofree char *at = NULL;
  g_autofree char *remote = NULL;
  g_autoptr (PGresult) cam = NULL;
  g_autoptr (PGresult) segs = NULL;
  FrameJob *job;
  gint64 at_us;

  if (!at_text) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "at is required: an RFC 3339 time such as 2026-11-28T03:04:05.250Z");
    return FALSE;
  }
  if (!parse_at (at_text, &at_us, error))
    return FALSE;
  at = g_strdup_printf ("%" G_GINT64_FORMAT, at_us);
  {
    const char *params[] = { req->path_id };
    cam = rvi_db_exec (conn, "SELECT 1 FROM cameras WHERE id = $1::uuid AND deleted_at IS NULL",
                       1, params, error);
  }
  if (!cam)
    return FALSE;
  if (PQntuples (cam) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  {
    const char *params[] = { req->path_id, at };
    segs = rvi_db_exec (conn,
        "(SELECT 'a', node, path, status = 'open', (extract(epoch FROM start_at) * 1000000)::bigint,"
        "   (extract(epoch FROM end_at) * 1000000)::bigint FROM segments"
        "  WHERE camera_id = $1::uuid AND status <> 'deleting' AND start_at <= rvi_us($2::bigint)"
        "  ORDER BY start_at DESC LIMIT 1)"
        " UNION ALL"
        " (SELECT 'b', node, path, status = 'open', (extract(epoch FROM start_at) * 1000000)::bigint,"
        "   (extract(epoch FROM end_at) * 1000000)::bigint FROM segments"
        "  WHERE camera_id = $1::uuid AND status <> 'deleting' AND start_at > rvi_us($2::bigint)"
        "  ORDER BY start_at LIMIT 1)", 2, params, error);
  }
  if (!segs)
    return FALSE;
  job = g_new0 (FrameJob, 1);
  req->handler_data = job;
  req->handler_data_free = frame_job_free;
  job->at_us = at_us;
  for (int i = 0; i < PQntuples (segs); i++)
    take_segment (req->app->config, segs, i, at_us,
                  g_str_equal (PQgetvalue (segs, i, 0), "a") ? &job->a : &job->b, &remote);
  if (!job->a.present && !job->b.present && remote) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "the recording is held by node %s",
                 remote);
    return FALSE;
  }
  job->not_recorded = not_recorded_message (conn, req->path_id, at, error);
  if (!job->not_recorded)
    return FALSE;
  if (!job->a.present && !job->b.present) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "%s", job->not_recorded);
    return FALSE;
  }
  return TRUE;
}

/* Frame worker: the nearest frame of @seg to @at_us. FALSE with @error
 * for a real failure; TRUE with *@found FALSE when the file holds no
 * frame yet. */
static gboolean
extract (RviFrameExtractor *x, const Segment *seg, gint64 at_us, RviExtractedFrame *info,
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

/* Frame worker: decodes and encodes the answer. */
static gboolean
decode_work (RviFrameExtractor *x, gpointer data, GError **error)
{
  RviRequest *req = data;
  FrameJob *job = req->handler_data;
  RviExtractedFrame fa = { 0 }, fb = { 0 };
  gboolean found_a = FALSE, found_b = FALSE, use_a = FALSE, use_b = FALSE;
  gint64 dist_a = G_MAXINT64, interval = 0;
  const Segment *chosen;
  const guint8 *jpeg;
  gsize size;

  if (job->a.present) {
    if (!extract (x, &job->a, job->at_us, &fa, &found_a, error))
      return FALSE;
    if (found_a) {
      interval = fa.interval_us;
      dist_a = ABS (job->at_us - (job->a.start_us + fa.offset_us));
      /* a closed segment ends where its row says (its last frame lasts
       * until the next segment's first when they meet); one being
       * written, after its last frame on disk */
      use_a = !fa.last || job->at_us <= (job->a.open ? job->a.start_us + fa.end_us
                                         : job->a.end_us) + interval / 2;
    }
  }
  if (job->b.present) {
    gint64 lead = job->b.start_us - job->at_us;

    if (use_a ? lead < dist_a : (interval == 0 || lead <= interval / 2)) {
      if (!extract (x, &job->b, job->at_us, &fb, &found_b, error))
        return FALSE;
      if (found_b) {
        gint64 dist_b = ABS (job->b.start_us + fb.offset_us - job->at_us);
        use_b = use_a ? dist_b < dist_a : dist_b <= fb.interval_us / 2;
      }
    }
  }
  if (use_a && !use_b && found_b && !extract (x, &job->a, job->at_us, &fa, &found_a, error))
    return FALSE;                 /* B was decoded for nothing: A's picture again */
  if (!use_a && !use_b) {
    gboolean tail = job->a.present && job->a.open;   /* after what is on disk */
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "%s",
                 tail && g_str_equal (job->not_recorded, "not recorded")
                 ? "not recorded yet (the recording of this time is still being written)"
                 : job->not_recorded);
    return FALSE;
  }
  chosen = use_b ? &job->b : &job->a;
  if (!rvi_frame_extractor_encode_jpeg (x, &jpeg, &size, &job->width, &job->height, error))
    return FALSE;
  job->jpeg = g_bytes_new (jpeg, size);
  job->frame_us = chosen->start_us + (use_b ? fb.offset_us : fa.offset_us);
  job->decoded = (use_b ? fb.decoded : fa.decoded);
  job->immutable = !chosen->open;
  return TRUE;
}

static void
decode_done (gpointer data, const GError *error)
{
  RviRequest *req = data;
  FrameJob *job = req->handler_data;

  if (error) {
    req->error = g_error_copy (error);
  } else {
    g_autofree char *frame_time = format_us (job->frame_us);
    g_autofree char *requested = format_us (job->at_us);

    g_debug ("frame of %s at %s: %ux%u, %u decoded, %zu bytes", req->path_id, frame_time,
             job->width, job->height, job->decoded, g_bytes_get_size (job->jpeg));
    req->status = 200;
    req->text_type = "image/jpeg";
    req->bytes_body = g_steal_pointer (&job->jpeg);
    rvi_request_add_header (req, "X-Frame-Time", frame_time);
    rvi_request_add_header (req, "X-Requested-Time", requested);
    rvi_request_add_header (req, "Cache-Control", job->immutable ? CACHE_CLOSED : CACHE_OPEN);
  }
  rvi_request_finish (req);
}

void
rvi_api_frame_decode (RviRequest *req)
{
  g_autoptr (GError) error = NULL;

  if (!rvi_frame_service_submit (req->app->frames, decode_work, decode_done, req, &error)) {
    rvi_request_add_header (req, "Retry-After", "1");
    req->error = g_steal_pointer (&error);
    return;
  }
  rvi_request_defer (req);
}
