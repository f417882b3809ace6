/* test-frame: exact recorded frames, GET /api/cameras/{id}/frame.jpg?at=.
 * Two camsim cameras over real RTSP (H.264 1280x720 with B-frames, H.265
 * 640x360 without), recorded in 6-s segments by an in-process server.
 * Checks, against the timestamp camsim burns into every frame (read back
 * from the answered JPEG, decoded with libavcodec): for times over 20 s
 * and more of recording (mid-GOP, around segment boundaries, in the
 * segment being written) the answer is the full-size frame nearest the
 * time (nearer than the camera's previous and next frames, whose stamps
 * step as their X-Frame-Times do), and camsim's stamp agrees with
 * X-Frame-Time up to the ingest delay, which the recorder slews away once
 * the camera's sender reports give its clock (checked on the H.265 camera,
 * whose encoder delay is small); the extractor on files cut short
 * as while written; around a gap the last frame, then 404 naming the
 * cause, no gap over recorded time; 400 for a bad or missing `at`, 404
 * for an unknown camera or time, 403 for an operator; 503-busy when full. */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "api-fixture.h"
#include "camera-fixture.h"
#include "frame-extract.h"
#include "frame-service.h"
#include "native-clock.h"
#include "rvi-error.h"
#include "rvi-test.h"
#include "timestamp-blocks.h"

enum { OPERATOR, INSPECTOR, AUDITOR, N_USERS };

#define H264_FPS 15
#define H265_FPS 10
/* the recorder's correction over @us of recorded time: at most the slew
 * rate of camera time, which runs up to that rate faster; + rounding */
#define SLEW(us) \
  (ABS (us) * RVI_NATIVE_CLOCK_SLEW_PPM / (1000000 - RVI_NATIVE_CLOCK_SLEW_PPM) + 100)
#define JITTER_US 5000   /* camsim's pacing, stamps in whole ms */

static ApiFixture *fx;
static GSubprocess *camsims[2];
static char *camera_h264, *camera_h265;

/* One answered frame. */
typedef struct {
  guint status;
  gint64 frame_us;      /* X-Frame-Time */
  gint64 stamp_us;      /* camsim's stamp, read from the picture */
  int width, height;
  char *cache;          /* Cache-Control */
  double ms;            /* request time, client side */
} Frame;

static gint64
parse_time (const char *text)
{
  g_autoptr (GDateTime) dt = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static char *
format_time (gint64 us)
{
  g_autoptr (GDateTime) s = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) dt = g_date_time_add (s, us % G_USEC_PER_SEC);
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* GET frame.jpg of @camera at @at (a raw query value) as @user. */
static Frame
get_frame_raw (const char *camera, const char *at, guint user, char **body_out)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, user);
  g_autofree char *escaped = at ? g_uri_escape_string (at, NULL, FALSE) : NULL;
  g_autofree char *url = g_strdup_printf ("%s/api/cameras/%s/frame.jpg%s%s", c->base, camera,
                                          at ? "?at=" : "", at ? escaped : "");
  g_autofree char *auth = g_strconcat ("Bearer ", c->bearer, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  SoupMessageHeaders *h;
  gint64 t0 = g_get_monotonic_time ();
  Frame f = { 0 };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  body = soup_session_send_and_read (c->session, msg, NULL, &error);
  g_assert_no_error (error);
  f.ms = (double) (g_get_monotonic_time () - t0) / 1000;
  f.status = soup_message_get_status (msg);
  h = soup_message_get_response_headers (msg);
  if (body_out)
    *body_out = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (f.status != 200)
    return f;
  g_assert_cmpstr (soup_message_headers_get_content_type (h, NULL), ==, "image/jpeg");
  f.frame_us = parse_time (soup_message_headers_get_one (h, "X-Frame-Time"));
  f.cache = g_strdup (soup_message_headers_get_one (h, "Cache-Control"));
  if (at)
    g_assert_cmpint (parse_time (soup_message_headers_get_one (h, "X-Requested-Time")), ==,
                     parse_time (at));
  if (!camera_fixture_jpeg_stamp (body, &f.width, &f.height, &f.stamp_us))
    g_error ("frame.jpg at %s: no readable camsim stamp in the picture", at);
  return f;
}

static Frame
get_frame (const char *camera, gint64 at_us, guint user)
{
  g_autofree char *at = format_time (at_us);

  return get_frame_raw (camera, at, user, NULL);
}

/* Fails unless the answer to @at is @status with @code and @text in its body. */
static void
expect_error (const char *camera, const char *at, guint user, guint status, const char *code,
              const char *text)
{
  g_autofree char *body = NULL;
  Frame f = get_frame_raw (camera, at, user, &body);

  g_test_message ("at=%s: %u %s", at ? at : "(none)", f.status, body);
  g_free (f.cache);
  g_assert_cmpuint (f.status, ==, status);
  g_assert_nonnull (strstr (body, code));
  if (text)
    g_assert_nonnull (strstr (body, text));
}

/* The camera's segments, [start, end) in us (end 0 while open), by start. */
static GArray *
segments (const char *camera)
{
  const char *params[] = { camera };
  PGresult *res = PQexecParams (fx->conn,
      "SELECT (extract(epoch FROM start_at) * 1000000)::bigint,"
      " coalesce((extract(epoch FROM end_at) * 1000000)::bigint, 0) FROM segments"
      " WHERE camera_id = $1::uuid ORDER BY start_at", 1, NULL, params, NULL, NULL, 0);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64) * 2);

  g_assert_cmpint (PQresultStatus (res), ==, PGRES_TUPLES_OK);
  for (int i = 0; i < PQntuples (res); i++) {
    gint64 row[2] = { g_ascii_strtoll (PQgetvalue (res, i, 0), NULL, 10),
                      g_ascii_strtoll (PQgetvalue (res, i, 1), NULL, 10) };
    g_array_append_val (out, row);
  }
  PQclear (res);
  return out;
}

#define SEG_START(a, i) (g_array_index ((a), gint64, 2 * (i)))
#define SEG_END(a, i) (g_array_index ((a), gint64, 2 * (i) + 1))

/* Waits until the camera has closed segments over @seconds and more and an
 * open one that began at least @open_s ago. */
static GArray *
wait_recorded (const char *camera, int seconds, int open_s)
{
  for (int i = 0; i < 240; i++) {
    GArray *s = segments (camera);
    guint n = s->len;

    if (n >= 2 + (guint) seconds / 6 && SEG_END (s, n - 1) == 0
        && SEG_END (s, n - 2) - SEG_START (s, 0) >= (gint64) seconds * G_USEC_PER_SEC
        && g_get_real_time () - SEG_START (s, n - 1) >= (gint64) open_s * G_USEC_PER_SEC)
      return s;
    g_array_unref (s);
    g_usleep (250000);
  }
  g_error ("camera %s did not record long enough", camera);
}

/* One camera's checks: its stream and segments, and for every answered
 * frame the segment it came from and X-Frame-Time - stamp. */
typedef struct {
  const char *camera;
  int fps, width, height;
  GArray *segs;
  GArray *offsets;     /* gint64 pairs: X-Frame-Time, offset */
} Run;

static Run
run_new (const char *camera, int fps, int width, int height)
{
  return (Run) { camera, fps, width, height, segments (camera),
                 g_array_new (FALSE, FALSE, 2 * sizeof (gint64)) };
}

/* A time in the segment being written, 2 s ago: on disk by now. */
static gint64
open_time (const char *camera)
{
  for (int i = 0; i < 80; i++) {
    g_autoptr (GArray) s = segments (camera);
    gint64 now = g_get_real_time ();

    if (s->len && SEG_END (s, s->len - 1) == 0 && now - SEG_START (s, s->len - 1) > 3200000)
      return now - 2000000;
    g_usleep (100000);
  }
  g_error ("camera %s: no segment being written", camera);
}

/* Camsim stamps a frame when it draws it, and gives it that instant as its
 * timestamp; rvi maps the camera's timestamps to the wall clock from when
 * frames arrive, then slews towards the camera's clock (native-clock.h), so
 * X-Frame-Time - stamp (the encoder's and the network's delay at first)
 * moves by at most the slew rate's share of the time between two frames.
 * A wrong frame would be off by a whole frame interval (or a GOP). */
static void
check_offsets (Run *run)
{
  const gint64 *o = (const gint64 *) (void *) run->offsets->data;   /* time, offset */

  for (guint i = 0; i < run->offsets->len; i++)
    for (guint j = 0; j < i; j++)
      g_assert_cmpint (ABS (o[2 * i + 1] - o[2 * j + 1]), <=,
                       SLEW (o[2 * i] - o[2 * j]) + JITTER_US);
  g_array_unref (run->offsets);
  g_array_unref (run->segs);
}

static gint64
segment_of (Run *run, gint64 us)
{
  gint64 k = 0;

  while (k + 1 < run->segs->len && SEG_START (run->segs, k + 1) <= us)
    k++;
  return SEG_START (run->segs, 0) <= us ? k : -1;
}

/* @n, the frame before or after @f, is the camera's: its stamp is as far
 * from @f's as its time (give or take the slew). */
static void
check_neighbour (Run *run, const Frame *f, const Frame *n, const char *which)
{
  gint64 interval = G_USEC_PER_SEC / run->fps;
  gint64 step = n->frame_us - f->frame_us;
  gint64 slew = SLEW (step);

  g_test_message ("  %s: time step %+.1f ms, stamp step %+.1f ms", which, (double) step / 1000,
                  (double) (n->stamp_us - f->stamp_us) / 1000);
  g_assert_cmpint (ABS (step), >, interval / 2);
  g_assert_cmpint (ABS (step), <, 5 * interval);
  g_assert_cmpint (ABS (n->stamp_us - f->stamp_us - step), <=, JITTER_US + slew);
}

/* The frame before (@dir -1) or after (+1) @f: asked 0.6 interval away, and
 * further when that is @f again (camsim skips a frame when it is late). */
static Frame
neighbour (Run *run, const Frame *f, int dir)
{
  gint64 interval = G_USEC_PER_SEC / run->fps;

  for (int k = 0; k < 4; k++) {
    Frame n = get_frame (run->camera, f->frame_us + dir * (k * interval + interval * 3 / 5),
                         INSPECTOR);
    if (n.status != 200 || n.frame_us != f->frame_us)
      return n;
    g_free (n.cache);
  }
  g_error ("no frame within 4 intervals of %" G_GINT64_FORMAT, f->frame_us);
}

/* Checks the answer for @at_us: the frame nearest it (nearer than the
 * frames before and after it, which are the camera's neighbouring
 * frames), at full size, from the recording of that instant. */
static Frame
check_frame (Run *run, const char *label, gint64 at_us)
{
  gint64 interval = G_USEC_PER_SEC / run->fps;
  Frame f = get_frame (run->camera, at_us, run->offsets->len % 2 ? AUDITOR : INSPECTOR);
  Frame prev, next;
  gint64 entry[2], segment;

  g_array_unref (run->segs);
  run->segs = segments (run->camera);
  g_assert_cmpuint (f.status, ==, 200);
  segment = segment_of (run, f.frame_us);
  entry[0] = f.frame_us;
  entry[1] = f.frame_us - f.stamp_us;
  g_test_message ("%-22s requested %+6.1f ms from the frame, segment %" G_GINT64_FORMAT
                  ", stamp %+6.1f ms, %dx%d, %.1f ms", label, (double) (at_us - f.frame_us) / 1000,
                  segment, (double) -entry[1] / 1000, f.width, f.height, f.ms);
  g_assert_cmpint (segment, >=, 0);
  g_assert_cmpint (f.width, ==, run->width);
  g_assert_cmpint (f.height, ==, run->height);
  g_assert_cmpint (ABS (f.frame_us - at_us), <=, interval);  /* and see below */
  g_assert_cmpint (entry[1], >=, -JITTER_US);
  g_assert_cmpint (entry[1], <=, 1000000);
  g_array_append_vals (run->offsets, entry, 1);

  /* nearest: the earlier frame is farther, the later one not nearer (so
   * the distance is at most half the frames' interval) */
  prev = neighbour (run, &f, -1);
  if (prev.status == 200) {
    check_neighbour (run, &f, &prev, "previous");
    g_assert_cmpint (ABS (at_us - prev.frame_us), >, ABS (at_us - f.frame_us));
  } else {
    g_assert_cmpuint (prev.status, ==, 404);      /* the first frame of the recording */
    g_assert_cmpint (f.frame_us, ==, SEG_START (run->segs, 0));
  }
  next = neighbour (run, &f, +1);
  g_assert_cmpuint (next.status, ==, 200);
  check_neighbour (run, &f, &next, "next");
  g_assert_cmpint (ABS (next.frame_us - at_us), >=, ABS (at_us - f.frame_us));
  g_free (prev.cache);
  g_free (next.cache);
  return f;
}

static void
test_h264 (void)
{
  g_autoptr (GArray) s = wait_recorded (camera_h264, 20, 4);
  Run run = run_new (camera_h264, H264_FPS, 1280, 720);
  gint64 interval = G_USEC_PER_SEC / H264_FPS;
  guint n = s->len;
  gint64 at;
  Frame open;
  struct { const char *label; gint64 at; } times[] = {
    { "first segment +10 ms", SEG_START (s, 0) + 10000 },
    { "key frame", SEG_START (s, 2) },
    { "mid-GOP", SEG_START (s, 1) + 700000 },
    { "mid-GOP, second GOP", SEG_START (s, 1) + 3300000 },
    { "between two frames", SEG_START (s, 2) + 1000000 + interval / 2 - 3000 },
    { "boundary -10 ms", SEG_START (s, 2) - 10000 },
    { "boundary -40 ms", SEG_START (s, 3) - 40000 },
    { "boundary +5 ms", SEG_START (s, 3) + 5000 },
    { "boundary +100 ms", SEG_START (s, 3) + 100000 },
    { "mid-GOP, later", SEG_START (s, n - 2) + 1900000 },
    { "mid-GOP, B-frame", SEG_START (s, 1) + 1234000 },
  };

  g_test_message ("%u segments over %.1f s", n,
                  (double) (g_get_real_time () - SEG_START (s, 0)) / G_USEC_PER_SEC);
  for (guint i = 0; i < G_N_ELEMENTS (times); i++) {
    Frame f = check_frame (&run, times[i].label, times[i].at);
    g_assert_cmpstr (f.cache, ==, "private, max-age=31536000, immutable");
    g_free (f.cache);
  }
  /* the segment being written: its fragments on disk (one a second) */
  at = open_time (camera_h264);
  open = check_frame (&run, "open segment", at);
  g_assert_cmpstr (open.cache, ==, "private, max-age=60");
  g_free (open.cache);
  check_offsets (&run);
}

static void
test_h265 (void)
{
  g_autoptr (GArray) s = wait_recorded (camera_h265, 12, 3);
  Run run = run_new (camera_h265, H265_FPS, 640, 360);
  guint n = s->len;
  Frame f;

  f = check_frame (&run, "h265 mid-GOP", SEG_START (s, 1) + 1550000);
  g_free (f.cache);
  f = check_frame (&run, "h265 boundary +20 ms", SEG_START (s, n - 1) + 20000);
  g_free (f.cache);
  f = check_frame (&run, "h265 open segment", open_time (camera_h265));
  g_assert_cmpstr (f.cache, ==, "private, max-age=60");
  g_free (f.cache);
  check_offsets (&run);
}

/* The end of the last top-level box of @data starting with @type. */
static gsize
last_box_end (const guint8 *data, gsize size, const char *type, gsize *start)
{
  gsize pos = 0, end = 0;

  while (pos + 8 <= size) {
    gsize box = (gsize) data[pos] << 24 | data[pos + 1] << 16 | data[pos + 2] << 8 | data[pos + 3];

    g_assert_cmpuint (box, >=, 8);
    if (memcmp (data + pos + 4, type, 4) == 0) {
      *start = pos;
      end = pos + box;
    }
    pos += box;
  }
  return end;
}

static const AVFrame *
extract_copy (RviFrameExtractor *x, const guint8 *data, gsize size, gint64 at_us,
              RviExtractedFrame *info, GError **error)
{
  g_autofree char *path = g_build_filename (fx->tmpdir, "cut.mp4", NULL);

  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) size, NULL));
  return rvi_frame_extractor_extract (x, path, at_us, info, error);
}

/* The extractor on copies of a recorded segment cut short, as a file being
 * written is read: complete fragments answer, the partial one does not. */
static void
test_partial_files (void)
{
  g_autofree char *rel = api_fixture_value (fx, "SELECT path FROM segments WHERE camera_id ="
                                            " $1::uuid AND status = 'closed' ORDER BY start_at"
                                            " OFFSET 1 LIMIT 1", camera_h264, NULL);
  g_autofree char *length = api_fixture_value (fx, "SELECT (extract (epoch FROM end_at - start_at)"
                                               " * 1e6)::bigint FROM segments WHERE camera_id ="
                                               " $1::uuid AND status = 'closed' ORDER BY start_at"
                                               " OFFSET 1 LIMIT 1", camera_h264, NULL);
  gint64 late = g_ascii_strtoll (length, NULL, 10) - 100000; /* in the last fragment */
  g_autofree char *rel265 = api_fixture_value (fx, "SELECT path FROM segments WHERE camera_id ="
                                               " $1::uuid AND status = 'closed' ORDER BY start_at"
                                               " LIMIT 1", camera_h265, NULL);
  g_autofree char *full = g_build_filename (fx->tmpdir, "media", rel, NULL);
  g_autofree char *full265 = g_build_filename (fx->tmpdir, "media", rel265, NULL);
  g_autofree guint8 *data = NULL;
  g_autoptr (RviFrameExtractor) x = rvi_frame_extractor_new ();
  g_autoptr (GError) error = NULL;
  RviExtractedFrame whole = { 0 }, cut = { 0 };
  gsize size = 0, moof = 0, mdat = 0, moov_end, moov = 0;
  const guint8 *jpeg;
  gsize jpeg_size;
  guint w, h;

  g_assert_true (g_file_get_contents (full, (char **) &data, &size, NULL));
  g_assert_nonnull (rvi_frame_extractor_extract (x, full, 1540000, &whole, &error));
  g_assert_no_error (error);
  g_assert_true (whole.complete);
  g_assert_cmpint (ABS (whole.offset_us - 1540000), <=, whole.interval_us / 2);
  g_assert_cmpuint (whole.decoded, >, 1);                /* mid-GOP: from the key frame */
  g_assert_true (rvi_frame_extractor_encode_jpeg (x, &jpeg, &jpeg_size, &w, &h, &error));
  g_assert_cmpuint (w, ==, 1280);
  {
    g_autoptr (GBytes) a = g_bytes_new (jpeg, jpeg_size);
    g_autoptr (GBytes) again = NULL;

    /* the last fragment cut in its mdat: the earlier ones answer the same */
    last_box_end (data, size, "mdat", &mdat);
    g_assert_nonnull (extract_copy (x, data, mdat + 100, 1540000, &cut, &error));
    g_assert_false (cut.complete);
    g_assert_cmpint (cut.offset_us, ==, whole.offset_us);
    g_assert_true (rvi_frame_extractor_encode_jpeg (x, &jpeg, &jpeg_size, &w, &h, &error));
    again = g_bytes_new (jpeg, jpeg_size);
    g_assert_true (g_bytes_equal (a, again));
  }
  /* a time in the cut fragment: the last complete frame, which says so */
  g_assert_nonnull (extract_copy (x, data, mdat + 100, late, &cut, &error));
  g_assert_true (cut.last);
  g_assert_cmpint (cut.end_us, <, late - cut.interval_us);
  /* cut in its moof: likewise */
  last_box_end (data, size, "moof", &moof);
  g_assert_nonnull (extract_copy (x, data, moof + 20, late, &cut, &error));
  g_assert_true (cut.last && !cut.complete);
  /* nothing but the header yet */
  moov_end = last_box_end (data, size, "moov", &moov);
  g_assert_null (extract_copy (x, data, moov_end + 30, 0, &cut, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* one decoder for the camera's files; another for another codec */
  g_assert_cmpuint (rvi_frame_extractor_get_decoder_opens (x), ==, 1);
  g_assert_nonnull (rvi_frame_extractor_extract (x, full265, 700000, &cut, &error));
  g_assert_cmpuint (rvi_frame_extractor_get_decoder_opens (x), ==, 2);
  g_assert_true (rvi_frame_extractor_encode_jpeg (x, &jpeg, &jpeg_size, &w, &h, &error));
  g_assert_cmpuint (w, ==, 640);
  g_assert_no_error (error);
}

/* Recording off and on again: the times around the gap. */
static void
test_gap (void)
{
  gint64 interval = G_USEC_PER_SEC / H265_FPS;
  g_autoptr (GArray) before = NULL;
  g_autoptr (GArray) after = NULL;
  gint64 end, next;
  guint n;
  Frame f;

  g_array_unref (wait_recorded (camera_h265, 6, 2));
  camera_fixture_set_recording (fx, OPERATOR, camera_h265, FALSE);
  g_usleep (3 * G_USEC_PER_SEC);
  before = segments (camera_h265);
  n = before->len;
  g_assert_cmpint (SEG_END (before, n - 1), >, 0);      /* closed */
  end = SEG_END (before, n - 1);
  camera_fixture_set_recording (fx, OPERATOR, camera_h265, TRUE);
  for (int i = 0; i < 120; i++) {
    g_clear_pointer (&after, g_array_unref);
    after = segments (camera_h265);
    if (after->len > n && g_get_real_time () - SEG_START (after, n) > 3 * G_USEC_PER_SEC)
      break;
    g_usleep (250000);
  }
  g_assert_cmpuint (after->len, >, n);
  next = SEG_START (after, n);

  /* a few ms past the end: the last frame */
  f = get_frame (camera_h265, end + 5000, INSPECTOR);
  g_assert_cmpuint (f.status, ==, 200);
  g_assert_cmpint (f.frame_us, <, end);
  g_assert_cmpint (f.frame_us, >=, end - 2 * interval);
  g_free (f.cache);
  /* just before the next segment's first frame: that frame */
  f = get_frame (camera_h265, next - interval / 2 + 1000, INSPECTOR);
  g_assert_cmpuint (f.status, ==, 200);
  g_assert_cmpint (f.frame_us, ==, next);
  g_free (f.cache);
  /* in the gap: not recorded, and why */
  {
    g_autofree char *mid = format_time (end + (next - end) / 2);
    g_autofree char *early = format_time (next - interval - 20000);

    /* "not recorded (gap from A to B: disabled)" */
    expect_error (camera_h265, mid, INSPECTOR, 404, "not_found", ": disabled)");
    expect_error (camera_h265, early, AUDITOR, 404, "not_found", "not recorded");
  }
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM gaps g JOIN segments s USING"
                   " (camera_id) WHERE camera_id = $1::uuid AND s.end_at - g.start_at > '50 ms'"
                   " AND coalesce (g.end_at, now ()) - s.start_at > '50 ms'", camera_h265, NULL),
                   ==, 0);
}

static void
test_refused (void)
{
  g_autoptr (GArray) s = segments (camera_h264);
  g_autofree char *before = format_time (SEG_START (s, 0) - 60 * G_USEC_PER_SEC);
  g_autofree char *future = format_time (g_get_real_time () + (gint64) 3600 * G_USEC_PER_SEC);
  g_autofree char *fine = format_time (SEG_START (s, 1) + 500000);

  expect_error (camera_h264, "yesterday", INSPECTOR, 400, "invalid_input", "at must be");
  expect_error (camera_h264, "2026-13-45T99:00:00Z", INSPECTOR, 400, "invalid_input", NULL);
  expect_error (camera_h264, "2026-11-28T03:04:05", AUDITOR, 400, "invalid_input", NULL);
  expect_error (camera_h264, NULL, INSPECTOR, 400, "invalid_input", "at is required");
  expect_error (camera_h264, before, INSPECTOR, 404, "not_found", "not recorded");
  expect_error (camera_h264, future, INSPECTOR, 404, "not_found", "not recorded");
  expect_error ("7c4a1e52-95d3-4f6a-b0c1-2d3e4f5a6b7c", fine, INSPECTOR, 404, "not_found",
                "no such camera");
  expect_error (camera_h264, fine, OPERATOR, 403, "forbidden", NULL);
}

/* The frame service's queue: one job running, one waiting, the next busy. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean started, released;
  guint done;
} Blocker;

static gboolean
blocking_work (RviFrameExtractor *x, gpointer data, GError **error)
{
  Blocker *b = data;

  g_mutex_lock (&b->lock);
  b->started = TRUE;
  g_cond_broadcast (&b->cond);
  while (!b->released)
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);
  return TRUE;
}

/* Once camsim's sender reports are in, the recorded time slews to its
 * clock: a frame's X-Frame-Time comes within JITTER_US of its stamp (camsim
 * stamps the capture instant its reports give) and stays there. */
static void
test_camera_clock (void)
{
  gint64 deadline = g_get_real_time () + 60 * G_USEC_PER_SEC;
  guint near = 0;

  while (near < 3) {
    Frame f = get_frame (camera_h265, open_time (camera_h265), INSPECTOR);
    gint64 offset = f.frame_us - f.stamp_us;

    g_assert_cmpuint (f.status, ==, 200);
    g_free (f.cache);
    g_test_message ("recorded time minus camsim's stamp: %+.1f ms", offset / 1e3);
    near = ABS (offset) <= JITTER_US ? near + 1 : 0;
    if (near < 3 && g_get_real_time () > deadline)
      g_error ("the recorded time did not come to the camera's clock: %+.1f ms off", offset / 1e3);
    g_usleep (near ? 500000 : G_USEC_PER_SEC);
  }
}

static void
count_done (gpointer data, const GError *error)
{
  Blocker *b = data;

  g_assert_no_error (error);
  b->done++;
}

static void
test_busy (void)
{
  Blocker b = { 0 };
  g_autoptr (GError) error = NULL;
  RviFrameService *service = rvi_frame_service_new (1, 1);

  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  g_assert_true (rvi_frame_service_submit (service, blocking_work, count_done, &b, &error));
  g_mutex_lock (&b.lock);
  while (!b.started)
    g_cond_wait (&b.cond, &b.lock);
  g_mutex_unlock (&b.lock);
  g_assert_true (rvi_frame_service_submit (service, blocking_work, count_done, &b, &error));
  g_assert_false (rvi_frame_service_submit (service, blocking_work, count_done, &b, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_BUSY);
  g_assert_cmpuint (rvi_frame_service_get_pending (service), ==, 2);
  g_mutex_lock (&b.lock);
  b.released = TRUE;
  g_cond_broadcast (&b.cond);
  g_mutex_unlock (&b.lock);
  rvi_frame_service_free (service);    /* runs the done callbacks */
  g_assert_cmpuint (b.done, ==, 2);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "op", "operator" }, { "insp", "inspector" }, { "aud", "auditor" },
  };
  static const char *const h264[] = { "--codec", "h264", "--size", "1280x720", "--fps",
                                      G_STRINGIFY (H264_FPS), "--bframes", "2", NULL };
  static const char *const h265[] = { "--codec", "h265", "--size", "640x360", "--fps",
                                      G_STRINGIFY (H265_FPS), NULL };
  g_autofree char *url264 = NULL, *url265 = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (api_fixture_log_to_stderr, NULL, NULL);
  rvi_test_watchdog (300);
  url264 = camera_fixture_camsim (h264, &camsims[0]);
  url265 = camera_fixture_camsim (h265, &camsims[1]);
  fx = api_fixture_new ("rvi-test-frame");
  fx->config.recording = TRUE;
  api_fixture_start (fx, users, N_USERS);
  camera_h264 = camera_fixture_add (fx, OPERATOR, "yard 264", url264, "\"segment_seconds\": 6");
  camera_h265 = camera_fixture_add (fx, OPERATOR, "yard 265", url265, "\"segment_seconds\": 6");

  g_test_add_func ("/frame/busy", test_busy);
  g_test_add_func ("/frame/h264", test_h264);
  g_test_add_func ("/frame/h265", test_h265);
  g_test_add_func ("/frame/camera-clock", test_camera_clock);
  g_test_add_func ("/frame/partial-files", test_partial_files);
  g_test_add_func ("/frame/gap", test_gap);
  g_test_add_func ("/frame/refused", test_refused);
  status = g_test_run ();

  api_fixture_free (fx);
  for (guint i = 0; i < G_N_ELEMENTS (camsims); i++)
    camera_fixture_camsim_stop (camsims[i]);
  g_free (camera_h264);
  g_free (camera_h265);
  return status;
}
