/* api-frame.c: GET /api/cameras/{id}/frame.jpg?at=TIME, the recorded
 * frame nearest TIME as a full-resolution JPEG.
 *
 * DESIGN. Two steps, so no database connection is held while decoding:
 *
 *   database worker: parse `at`, check the camera, find the segments
 *                    around TIME and the gap holding it (frame-locate.c)
 *   main loop:       submit the decoding to the frame service (a few
 *                    threads behind a bounded queue: 503 busy when full)
 *   frame worker:    decode the nearest frame (frame-locate.c says which)
 *                    and encode it
 *   main loop:       answer
 *
 * Answer. 200 image/jpeg with X-Frame-Time (the frame's wall-clock time)
 * and X-Requested-Time, both RFC 3339 UTC with microseconds (frames are
 * not millisecond-aligned); cacheable privately: a year for a closed
 * segment (it never changes), a minute for one being written. A time no
 * recording covers is a 404 "not recorded" naming the gap's cause.
 *
 * Segment files are this node's: a segment recorded by another node is a
 * 404 naming that node until proxying between nodes exists (issue 7). */
#define G_LOG_DOMAIN "rvi-http"
#include "api-frame.h"
#include "db.h"
#include "node-proxy.h"
#include "frame-locate.h"
#include "frame-service.h"
#include "rvi-error.h"

#define CACHE_CLOSED "private, max-age=31536000, immutable"
#define CACHE_OPEN "private, max-age=60"

/* A request's state between its steps. The frame worker reads the
 * location and writes the results; the main loop reads them after done. */
typedef struct {
  RviFrameLocation loc;
  RviFrameChoice choice;
  GBytes *jpeg;
  guint width, height;
} FrameJob;

static void
frame_job_free (gpointer p)
{
  FrameJob *job = p;

  rvi_frame_location_clear (&job->loc);
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

gboolean
rvi_api_frame_lookup (RviRequest *req, PGconn *conn, GError **error)
{
  const RviConfig *config = req->app->config;
  const char *at_text = rvi_request_query (req, "at");
  const char *params[] = { req->path_id };
  g_autoptr (PGresult) cam = NULL;
  FrameJob *job;
  gint64 at_us;

  if (!at_text) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "at is required: an RFC 3339 time such as 2026-11-28T03:04:05.250Z");
    return FALSE;
  }
  if (!parse_at (at_text, &at_us, error))
    return FALSE;
  cam = rvi_db_exec (conn, "SELECT 1 FROM cameras WHERE id = $1::uuid AND deleted_at IS NULL",
                     1, params, error);
  if (!cam)
    return FALSE;
  if (PQntuples (cam) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  job = g_new0 (FrameJob, 1);
  req->handler_data = job;
  req->handler_data_free = frame_job_free;
  if (!rvi_frame_location_lookup (conn, config->data_dir, config->node, req->path_id, at_us,
                                  &job->loc, error))
    return FALSE;
  if ((!job->loc.a.present && !job->loc.b.present) || job->loc.remote_covers) {
    if (job->loc.remote) {   /* the holder decodes it */
      switch (rvi_node_holder (req, conn, job->loc.remote, error)) {
        case RVI_HOLDER_FORWARD: return TRUE;
        case RVI_HOLDER_ERROR: return FALSE;
        case RVI_HOLDER_HERE: break;   /* not so: loc.remote is another node */
      }
    }
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "%s", job->loc.not_recorded);
    return FALSE;
  }
  return TRUE;
}

/* Frame worker: decodes and encodes the answer. */
static gboolean
decode_work (RviFrameExtractor *x, gpointer data, GError **error)
{
  RviRequest *req = data;
  FrameJob *job = req->handler_data;
  const guint8 *jpeg;
  gsize size;

  if (!rvi_frame_location_decode (x, &job->loc, &job->choice, error)
      || !rvi_frame_extractor_encode_jpeg (x, &jpeg, &size, &job->width, &job->height, error))
    return FALSE;
  job->jpeg = g_bytes_new (jpeg, size);
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
    g_autofree char *frame_time = format_us (job->choice.frame_us);
    g_autofree char *requested = format_us (job->loc.at_us);

    g_debug ("frame of %s at %s: %ux%u, %u decoded, %zu bytes", req->path_id, frame_time,
             job->width, job->height, job->choice.decoded, g_bytes_get_size (job->jpeg));
    req->status = 200;
    req->text_type = "image/jpeg";
    req->bytes_body = g_steal_pointer (&job->jpeg);
    rvi_request_add_header (req, "X-Frame-Time", frame_time);
    rvi_request_add_header (req, "X-Requested-Time", requested);
    rvi_request_add_header (req, "Cache-Control",
                            job->choice.immutable ? CACHE_CLOSED : CACHE_OPEN);
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
