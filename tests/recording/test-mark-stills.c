/* test-mark-stills: the stills of marks end to end. A camsim camera (H.264
 * without B-frames, 10 fps, 640x360) recorded in 5 s segments by an
 * in-process server; an inspector opens an inspection of a lot and marks:
 *
 *  - a time recorded seconds ago: its still is made; GET still.jpg answers
 *    it with X-Frame-Time and X-Still-SHA256 (the SHA-256 of the bytes);
 *    camsim's stamp burned into the JPEG, taken forward by the camera's
 *    delay from capture to recording (measured on another frame), is
 *    within one frame interval of the mark's time; the still is the frame
 *    nearest the mark, byte for byte what frame.jpg answers for that
 *    time; the timeline, the lot and the audit log show it; an operator
 *    gets 403
 *  - a time just ahead of the live edge: "not made yet" (pending), then
 *    the still once the recorder wrote that second
 *  - a mark without a camera: no still, and the answer says so
 *  - a time in a gap (recording switched off): not_recorded, naming the
 *    gap's cause
 *  - the lot's export carries the still as marks/<mark id>.jpg, marks.json
 *    names the file and its SHA-256 (and why the other mark has none), the
 *    manifest lists it, and `rvi evidence verify` says intact
 *  - a time during a PostgreSQL outage (the test's own cluster, stopped
 *    for 8 s): the maker logs once that it waits, once that the database
 *    is back, and makes the still afterwards. */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "api-fixture.h"
#include "camera-fixture.h"
#include "db.h"
#include "embedded-postgres.h"
#include "rvi-test.h"
#include "sha256-hex.h"
#include "timestamp-blocks.h"

enum { OPERATOR, INSPECTOR, AUDITOR, N_USERS };

#define FPS 10
#define INTERVAL_US (G_USEC_PER_SEC / FPS)

static ApiFixture *fx;
static GSubprocess *camsim;
static char *camera, *lot, *inspection, *dir;
static char *mark_recorded, *mark_gap;   /* for the export */
static char *still_sha;
static RviEmbeddedPg *pg;
static char *pg_dir;
static gint waiting_logs, back_logs;   /* the maker's lines about the database */

/* Writes to stderr, counting the still maker's lines about the database. */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  const char *domain = "", *message = "";

  for (gsize i = 0; i < n; i++) {
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
    if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  }
  if (g_str_equal (domain, "rvi-stills") && g_str_has_prefix (message, "mark stills: ")) {
    if (strstr (message, "; trying again"))
      g_atomic_int_inc (&waiting_logs);
    if (strstr (message, "answers again"))
      g_atomic_int_inc (&back_logs);
  }
  return api_fixture_log_to_stderr (level, fields, n, data);
}

/* A binary answer: status, body, headers. */
typedef struct {
  guint status;
  GBytes *body;
  SoupMessageHeaders *headers;
} Answer;

static void
answer_clear (Answer *a)
{
  g_clear_pointer (&a->body, g_bytes_unref);
  g_clear_pointer (&a->headers, soup_message_headers_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

static Answer
get_binary (guint user, const char *path)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, user);
  g_autofree char *url = g_strconcat (c->base, path, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", c->bearer, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GError) error = NULL;
  Answer a = { 0 };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  a.body = soup_session_send_and_read (c->session, msg, NULL, &error);
  g_assert_no_error (error);
  a.status = soup_message_get_status (msg);
  a.headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return a;
}

static char *
body_text (const Answer *a)
{
  return g_strndup (g_bytes_get_data (a->body, NULL), g_bytes_get_size (a->body));
}

static char *
iso (gint64 us)
{
  g_autoptr (GDateTime) s = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) dt = g_date_time_add (s, us % G_USEC_PER_SEC);

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static gint64
parse_time (const char *text)
{
  g_autoptr (GDateTime) dt = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static gint64
query_us (const char *sql)
{
  g_autofree char *v = api_fixture_value (fx, sql, camera, NULL);

  g_assert_nonnull (v);
  return g_ascii_strtoll (v, NULL, 10);
}

/* camsim's stamp (Unix us) in @jpeg, and the picture's size. */
static gint64
read_stamp (GBytes *jpeg, int *width, int *height)
{
  gint64 stamp = 0;

  if (!camera_fixture_jpeg_stamp (jpeg, width, height, &stamp))
    g_error ("no readable camsim stamp in the still");
  return stamp;
}

/* The still of a mark at @at shows the camera's picture of that instant:
 * camsim's stamp in it plus the camera's delay from capture to recording
 * (X-Frame-Time minus the stamp of the frame half a second earlier, as
 * frame.jpg answers it: about 25 ms, nearly 100 ms under ASan, where
 * camsim encodes slower) is within one frame interval of the mark's time. */
static void
check_stamp (const Answer *still, gint64 at, const char *label)
{
  g_autofree char *t = iso (at - G_USEC_PER_SEC / 2);
  g_autofree char *q = g_uri_escape_string (t, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s/frame.jpg?at=%s", camera, q);
  g_auto (Answer) other = get_binary (AUDITOR, path);
  gint64 stamp, delay;
  int w, h;

  g_assert_cmpuint (other.status, ==, 200);
  delay = parse_time (soup_message_headers_get_one (other.headers, "X-Frame-Time"))
          - read_stamp (other.body, &w, &h);
  stamp = read_stamp (still->body, &w, &h);
  g_test_message ("%s: stamp %+.1f ms from the mark, the camera's delay %.1f ms", label,
                  (double) (stamp - at) / 1000, (double) delay / 1000);
  g_assert_cmpint (delay, >=, -5000);
  g_assert_cmpint (delay, <=, G_USEC_PER_SEC);
  g_assert_cmpint (ABS (stamp + delay - at), <=, INTERVAL_US);
}

static char *
post_mark (const char *camera_id, gint64 at_us, const char *note)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, INSPECTOR);
  g_autofree char *path = g_strdup_printf ("/api/inspections/%s/marks", inspection);
  g_autofree char *at = iso (at_us);
  g_autofree char *cam = camera_id ? g_strdup_printf ("\"%s\"", camera_id) : g_strdup ("null");
  g_autofree char *body = g_strdup_printf ("{\"camera_id\": %s, \"at\": \"%s\","
                                           " \"reason_code\": \"FOREIGN_MATTER\","
                                           " \"note\": \"%s\"}", cam, at, note);
  g_autoptr (TestResponse) r = test_request (c, "POST", path, body, NULL);

  api_fixture_check (r, 201, NULL, NULL);
  return g_strdup (test_json_string (r, "mark.id"));
}

/* GET still.jpg until it is no longer "not made yet" (within @seconds). */
static Answer
wait_still (const char *mark, int seconds)
{
  g_autofree char *path = g_strdup_printf ("/api/marks/%s/still.jpg", mark);

  for (int i = 0; i < seconds * 4; i++) {
    Answer a = get_binary (INSPECTOR, path);
    g_autofree char *text = a.status == 404 ? body_text (&a) : NULL;

    if (a.status != 503 && (!text || !strstr (text, "not made yet")))
      return a;
    if (a.status == 404)
      g_assert_nonnull (soup_message_headers_get_one (a.headers, "Retry-After"));
    answer_clear (&a);
    g_usleep (250000);
  }
  g_error ("mark %s: no still within %d s", mark, seconds);
}

/* The still of @mark as a list answer shows it: the mark in @array. */
static JsonObject *
find_still (JsonArray *array, const char *mark)
{
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonObject *m = json_array_get_object_element (array, i);

    if (g_str_equal (json_object_get_string_member (m, "id"), mark))
      return json_object_get_null_member (m, "still") ? NULL
             : json_object_get_object_member (m, "still");
  }
  g_error ("mark %s is not in the answer", mark);
}

/* The still of @mark in the camera's timeline and in the lot; checks the
 * two agree and returns the timeline's state (transfer none: @r's). */
static JsonObject *
listed_still (const char *mark, TestResponse **keep)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, AUDITOR);
  g_autofree char *to = iso (g_get_real_time () + 60 * G_USEC_PER_SEC);   /* future marks too */
  g_autofree char *to_q = g_uri_escape_string (to, NULL, FALSE);
  g_autofree char *tl = g_strdup_printf ("/api/cameras/%s/timeline?to=%s", camera, to_q);
  g_autofree char *lp = g_strdup_printf ("/api/lots/%s", lot);
  TestResponse *r = test_request (c, "GET", tl, NULL, NULL);
  g_autoptr (TestResponse) l = test_request (c, "GET", lp, NULL, NULL);
  JsonObject *a, *b;

  api_fixture_check (r, 200, NULL, NULL);
  api_fixture_check (l, 200, NULL, NULL);
  a = find_still (json_object_get_array_member (json_node_get_object (r->json), "marks"), mark);
  b = find_still (json_object_get_array_member (json_object_get_object_member (
    json_node_get_object (l->json), "lot"), "marks"), mark);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (json_object_get_string_member (a, "state"), ==,
                   json_object_get_string_member (b, "state"));
  g_assert_cmpstr (json_object_get_string_member_with_default (a, "sha256", ""), ==,
                   json_object_get_string_member_with_default (b, "sha256", ""));
  *keep = r;
  return a;
}

/* A time recorded seconds ago: the still, its headers, its stamp. */
static void
test_recorded (void)
{
  gint64 at = query_us ("SELECT (extract(epoch FROM start_at) * 1000000)::bigint FROM segments"
                        " WHERE camera_id = $1::uuid AND status = 'closed' ORDER BY start_at"
                        " OFFSET 1 LIMIT 1") + 1234567;
  g_autofree char *mark = post_mark (camera, at, "lid open");
  g_autofree char *frame_path = NULL, *at_text = iso (at), *escaped = NULL;
  g_autofree char *rel = g_strdup_printf ("stills/%s.jpg", mark);
  g_autofree char *file = g_build_filename (fx->tmpdir, rel, NULL);
  g_autoptr (TestResponse) tl = NULL;
  g_auto (Answer) a = wait_still (mark, 30);
  g_auto (Answer) frame = { 0 };
  char digest[RVI_SHA256_HEX_LEN + 1];
  const char *sha, *frame_time;
  JsonObject *still;
  gint64 frame_us, stamp;
  int w = 0, h = 0;

  g_assert_cmpuint (a.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (a.headers, NULL), ==, "image/jpeg");
  sha = soup_message_headers_get_one (a.headers, "X-Still-SHA256");
  frame_time = soup_message_headers_get_one (a.headers, "X-Frame-Time");
  rvi_sha256_hex (g_bytes_get_data (a.body, NULL), g_bytes_get_size (a.body), digest);
  g_assert_cmpstr (sha, ==, digest);
  frame_us = parse_time (frame_time);
  stamp = read_stamp (a.body, &w, &h);
  g_test_message ("mark at %s: frame %s (%+.1f ms), stamp %+.1f ms, %dx%d, %zu bytes", at_text,
                  frame_time, (double) (frame_us - at) / 1000, (double) (stamp - at) / 1000, w,
                  h, g_bytes_get_size (a.body));
  g_assert_cmpint (w, ==, 640);
  g_assert_cmpint (h, ==, 360);
  g_assert_cmpint (ABS (frame_us - at), <=, INTERVAL_US / 2 + 5000);   /* the nearest frame */
  check_stamp (&a, at, "recorded time");
  /* what frame.jpg answers for the mark's time, byte for byte */
  escaped = g_uri_escape_string (at_text, NULL, FALSE);
  frame_path = g_strdup_printf ("/api/cameras/%s/frame.jpg?at=%s", camera, escaped);
  frame = get_binary (AUDITOR, frame_path);
  g_assert_cmpuint (frame.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (frame.headers, "X-Frame-Time"), ==, frame_time);
  g_assert_true (g_bytes_equal (frame.body, a.body));
  /* the file, the row, the audit event; the lists */
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM mark_stills WHERE mark_id ="
                                      " $1::uuid AND state = 'recorded' AND sha256 = $2",
                                      mark, digest), ==, 1);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events WHERE target_id = $1"
                                      " AND action = 'mark_still_recorded'"
                                      " AND detail->>'sha256' = $2", mark, digest), ==, 1);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM mark_still_queue"
                                      " WHERE mark_id = $1::uuid", mark, NULL), ==, 0);
  {
    PGresult *res = PQexec (fx->conn, "UPDATE mark_stills SET sha256 = repeat('0', 64)");

    g_assert_cmpint (PQresultStatus (res), ==, PGRES_FATAL_ERROR);
    g_assert_nonnull (strstr (PQresultErrorMessage (res), "mark stills are append-only"));
    PQclear (res);
  }
  still = listed_still (mark, &tl);
  g_assert_cmpstr (json_object_get_string_member (still, "state"), ==, "recorded");
  g_assert_cmpstr (json_object_get_string_member (still, "sha256"), ==, digest);
  g_assert_cmpint (parse_time (json_object_get_string_member (still, "frame_at")), ==, frame_us);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (still, "url"),
                                   "/still.jpg"));
  /* an auditor may look; an operator may not */
  {
    g_autofree char *path = g_strdup_printf ("/api/marks/%s/still.jpg", mark);
    g_auto (Answer) aud = get_binary (AUDITOR, path);
    g_auto (Answer) op = get_binary (OPERATOR, path);

    g_assert_cmpuint (aud.status, ==, 200);
    g_assert_cmpuint (op.status, ==, 403);
  }
  mark_recorded = g_strdup (mark);
  still_sha = g_strdup (digest);
}

/* A time just ahead of the live edge: pending, then the still. */
static void
test_live_edge (void)
{
  gint64 at = g_get_real_time () + 1500000;
  g_autofree char *mark = post_mark (camera, at, "live");
  g_autofree char *path = g_strdup_printf ("/api/marks/%s/still.jpg", mark);
  g_autoptr (TestResponse) tl = NULL;
  g_auto (Answer) first = get_binary (INSPECTOR, path);
  g_autofree char *text = body_text (&first);
  g_auto (Answer) a = { 0 };
  JsonObject *still = listed_still (mark, &tl);

  g_assert_cmpuint (first.status, ==, 404);
  g_assert_nonnull (strstr (text, "not made yet"));
  g_assert_cmpstr (json_object_get_string_member (still, "state"), ==, "pending");
  g_assert_true (json_object_get_null_member (still, "url"));
  a = wait_still (mark, 20);
  g_assert_cmpuint (a.status, ==, 200);
  g_test_message ("live-edge mark: made %.1f s after its time",
                  (double) (g_get_real_time () - at) / G_USEC_PER_SEC);
  check_stamp (&a, at, "live edge");
}

/* PostgreSQL stops before the mark's time and is back 8 s later. */
static void
test_db_outage (void)
{
  g_autofree char *mark = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (Answer) a = { 0 };
  gint64 at;

  /* recording again (test_gap switched it off and on) */
  for (int i = 0; i < 120 && api_fixture_count (fx, "SELECT count(*) FROM segments WHERE camera_id"
                                                " = $1::uuid AND status = 'open' AND start_at <"
                                                " now() - interval '1 s'", camera, NULL) == 0; i++)
    g_usleep (250000);
  at = g_get_real_time () + 2 * G_USEC_PER_SEC;
  mark = post_mark (camera, at, "outage");
  g_clear_pointer (&fx->conn, PQfinish);
  rvi_embedded_pg_stop (pg);
  g_usleep (8 * G_USEC_PER_SEC);
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  fx->conn = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  g_assert_no_error (error);
  a = wait_still (mark, 60);
  g_assert_cmpuint (a.status, ==, 200);
  g_test_message ("mark during the outage: made %.1f s after its time",
                  (double) (g_get_real_time () - at) / G_USEC_PER_SEC);
  check_stamp (&a, at, "outage");
  g_assert_cmpint (g_atomic_int_get (&waiting_logs), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&back_logs), ==, 1);
}

/* A mark naming no camera has no still; an unknown mark is a 404. */
static void
test_no_camera (void)
{
  g_autofree char *mark = post_mark (NULL, g_get_real_time () - G_USEC_PER_SEC, "no camera");
  g_autofree char *path = g_strdup_printf ("/api/marks/%s/still.jpg", mark);
  g_auto (Answer) a = get_binary (INSPECTOR, path);
  g_auto (Answer) unknown = get_binary (INSPECTOR, "/api/marks/"
                                        "5b0c3c0e-2f4e-4a8e-9a53-3b1f1e0c9d11/still.jpg");
  g_autofree char *text = body_text (&a), *text2 = body_text (&unknown);
  g_autoptr (TestClient) c = api_fixture_client (fx, AUDITOR);
  g_autofree char *lp = g_strdup_printf ("/api/lots/%s", lot);
  g_autoptr (TestResponse) l = test_request (c, "GET", lp, NULL, NULL);

  g_assert_cmpuint (a.status, ==, 404);
  g_assert_nonnull (strstr (text, "names no camera"));
  g_assert_cmpuint (unknown.status, ==, 404);
  g_assert_nonnull (strstr (text2, "no such mark"));
  g_assert_null (find_still (json_object_get_array_member (json_object_get_object_member (
    json_node_get_object (l->json), "lot"), "marks"), mark));
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM mark_still_queue"
                                      " WHERE mark_id = $1::uuid", mark, NULL), ==, 0);
}

/* Recording switched off: a mark in the gap ends not_recorded, naming it. */
static void
test_gap (void)
{
  g_autofree char *mark = NULL, *path = NULL, *text = NULL;
  g_autoptr (TestResponse) tl = NULL;
  g_auto (Answer) a = { 0 };
  JsonObject *still;
  gint64 gap_start = 0, at;

  camera_fixture_set_recording (fx, OPERATOR, camera, FALSE);
  /* the gap, once the last segment closed (the gap starts at its end then) */
  for (int i = 0; i < 240 && !gap_start; i++) {
    if (api_fixture_count (fx, "SELECT count(*) FROM gaps WHERE camera_id = $1::uuid"
                           " AND cause = 'disabled' AND end_at IS NULL AND NOT EXISTS (SELECT 1"
                           " FROM segments WHERE camera_id = $1::uuid AND status = 'open')",
                           camera, NULL) == 1)
      gap_start = query_us ("SELECT (extract(epoch FROM start_at) * 1000000)::bigint FROM gaps"
                            " WHERE camera_id = $1::uuid AND end_at IS NULL");
    else
      g_usleep (250000);
  }
  g_assert_cmpint (gap_start, >, 0);
  at = gap_start + 1500000;
  while (g_get_real_time () < at + G_USEC_PER_SEC)
    g_usleep (100000);
  mark = post_mark (camera, at, "in the gap");
  a = wait_still (mark, 40);
  text = body_text (&a);
  g_test_message ("mark in the gap: %u %s", a.status, text);
  g_assert_cmpuint (a.status, ==, 404);
  g_assert_nonnull (strstr (text, "no still: not recorded (gap since "));
  g_assert_nonnull (strstr (text, ": disabled)"));
  still = listed_still (mark, &tl);
  g_assert_cmpstr (json_object_get_string_member (still, "state"), ==, "not_recorded");
  g_assert_nonnull (strstr (json_object_get_string_member (still, "cause"), ": disabled)"));
  g_assert_true (json_object_get_null_member (still, "url"));
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM audit_events WHERE target_id = $1"
                                      " AND action = 'mark_still_not_recorded'", mark, NULL),
                   ==, 1);
  path = g_strdup_printf ("%s/stills/%s.jpg", fx->tmpdir, mark);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  camera_fixture_set_recording (fx, OPERATOR, camera, TRUE);
  mark_gap = g_steal_pointer (&mark);
}

/* The marks.json entry of @mark in @marks (an array of {mark, still, ...}). */
static JsonObject *
export_still (JsonArray *marks, const char *mark)
{
  for (guint i = 0; i < json_array_get_length (marks); i++) {
    JsonObject *e = json_array_get_object_element (marks, i);

    if (g_str_equal (json_object_get_string_member (json_object_get_object_member (e, "mark"),
                                                    "id"), mark))
      return json_object_get_object_member (e, "still");
  }
  g_error ("mark %s is not in marks.json", mark);
}

/* The lot's export: the still in the package, named in marks.json. */
static void
test_export (void)
{
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  g_autofree char *body = g_strdup_printf ("{\"lot_id\": \"%s\", \"reason\": \"stills\"}", lot);
  g_autoptr (TestResponse) created = test_request (aud, "POST", "/api/exports", body, NULL);
  g_autofree char *id = NULL, *get = NULL, *pkg_path = NULL, *out = NULL, *root = NULL;
  g_autofree char *jpeg_path = NULL, *jpeg = NULL, *marks_path = NULL, *manifest = NULL;
  g_autofree char *rel = NULL, *manifest_path = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_auto (Answer) pkg = { 0 };
  const char *status = "";
  char digest[RVI_SHA256_HEX_LEN + 1];
  JsonObject *still;
  gsize size = 0;

  api_fixture_check (created, 202, NULL, NULL);
  id = g_strdup (test_json_string (created, "export.id"));
  get = g_strdup_printf ("/api/exports/%s", id);
  for (int i = 0; i < 240 && !g_str_equal (status, "done"); i++) {
    g_autoptr (TestResponse) r = test_request (aud, "GET", get, NULL, NULL);

    status = g_intern_string (test_json_string (r, "export.status"));
    if (g_str_equal (status, "failed"))
      g_error ("export failed: %s", test_json_string (r, "export.error"));
    g_usleep (250000);
  }
  g_assert_cmpstr (status, ==, "done");
  {
    g_autofree char *p = g_strdup_printf ("/api/exports/%s/package", id);
    pkg = get_binary (AUDITOR, p);
  }
  g_assert_cmpuint (pkg.status, ==, 200);
  pkg_path = g_build_filename (dir, "lot.tar", NULL);
  g_assert_true (g_file_set_contents (pkg_path, g_bytes_get_data (pkg.body, NULL),
                                      (gssize) g_bytes_get_size (pkg.body), NULL));
  {
    const char *argv[] = { rvi_test_bin (), "evidence", "verify", pkg_path, NULL };
    g_assert_cmpint (rvi_test_run (argv, NULL, &out), ==, 0);
    g_test_message ("%s", out);
    g_assert_nonnull (strstr (out, "intact"));
  }
  {
    const char *argv[] = { "tar", "-xf", pkg_path, "-C", dir, NULL };
    g_assert_cmpint (rvi_test_run (argv, NULL, NULL), ==, 0);
  }
  root = g_strdup_printf ("%s/rvi-evidence-%s", dir, id);
  rel = g_strdup_printf ("marks/%s.jpg", mark_recorded);
  jpeg_path = g_build_filename (root, rel, NULL);
  g_assert_true (g_file_get_contents (jpeg_path, &jpeg, &size, NULL));
  rvi_sha256_hex ((const guint8 *) jpeg, size, digest);
  g_assert_cmpstr (digest, ==, still_sha);
  manifest_path = g_build_filename (root, "manifest.json", NULL);
  g_assert_true (g_file_get_contents (manifest_path, &manifest, NULL, NULL));
  g_assert_nonnull (strstr (manifest, rel));
  g_assert_nonnull (strstr (manifest, still_sha));
  marks_path = g_build_filename (root, "marks.json", NULL);
  g_assert_true (json_parser_load_from_file (parser, marks_path, NULL));
  still = export_still (json_node_get_array (json_parser_get_root (parser)), mark_recorded);
  g_assert_cmpstr (json_object_get_string_member (still, "state"), ==, "recorded");
  g_assert_cmpstr (json_object_get_string_member (still, "file"), ==, rel);
  g_assert_cmpstr (json_object_get_string_member (still, "sha256"), ==, still_sha);
  still = export_still (json_node_get_array (json_parser_get_root (parser)), mark_gap);
  g_assert_cmpstr (json_object_get_string_member (still, "state"), ==, "not_recorded");
  g_assert_true (json_object_get_null_member (still, "file"));
  g_assert_nonnull (strstr (json_object_get_string_member (still, "cause"), ": disabled)"));
}

/* The camera, two closed segments, a lot and an open inspection. */
static void
set_up (const char *url)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autofree char *decl = NULL, *open_path = NULL, *open_body = NULL;
  g_autoptr (TestResponse) opened = NULL;

  camera = camera_fixture_add (fx, OPERATOR, "yard 1", url, "\"segment_seconds\": 5");
  camera_fixture_wait_segments (fx, camera, 2, 60);
  decl = api_fixture_value (fx, "INSERT INTO declarations (number, customs_code, import,"
                            " created_by) VALUES ('020220261000054321', '0202', true, $1::uuid)"
                            " RETURNING id", fx->user_ids[OPERATOR], NULL);
  lot = api_fixture_value (fx, "INSERT INTO lots (declaration_id, lot_no, created_by)"
                           " VALUES ($1::uuid, 'L-9', $2::uuid) RETURNING id", decl,
                           fx->user_ids[OPERATOR]);
  open_path = g_strdup_printf ("/api/lots/%s/inspections", lot);
  open_body = g_strdup_printf ("{\"cameras\": [\"%s\"]}", camera);
  opened = test_request (insp, "POST", open_path, open_body, NULL);
  api_fixture_check (opened, 201, NULL, NULL);
  inspection = g_strdup (test_json_string (opened, "inspection.id"));
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "op", "operator" }, { "insp", "inspector" }, { "aud", "auditor" },
  };
  static const char *const camsim_args[] = { "--size", "640x360", "--fps", G_STRINGIFY (FPS),
                                              NULL };
  g_autofree char *url = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);  /* the outage warns */
  g_log_set_writer_func (log_writer, NULL, NULL);
  rvi_test_watchdog (300);
  url = camera_fixture_camsim (camsim_args, &camsim);
  fx = api_fixture_new ("rvi-test-mark-stills");
  pg_dir = g_build_filename (fx->tmpdir, "db", NULL);
  {
    g_autoptr (GError) error = NULL;

    pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);   /* stopped by a test */
    g_assert_no_error (error);
  }
  fx->config.database_url = g_strdup (rvi_embedded_pg_get_conninfo (pg));
  fx->config.recording = TRUE;
  fx->config.sample_interval_ms = 0;
  api_fixture_start (fx, users, N_USERS);
  dir = g_build_filename (fx->tmpdir, "test-files", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  set_up (url);

  g_test_add_func ("/mark-stills/recorded", test_recorded);
  g_test_add_func ("/mark-stills/live-edge", test_live_edge);
  g_test_add_func ("/mark-stills/no-camera", test_no_camera);
  g_test_add_func ("/mark-stills/gap", test_gap);
  g_test_add_func ("/mark-stills/export", test_export);
  g_test_add_func ("/mark-stills/db-outage", test_db_outage);
  status = g_test_run ();

  g_clear_pointer (&fx->conn, PQfinish);
  g_clear_pointer (&fx->server, rvi_test_server_stop);
  g_clear_pointer (&pg, rvi_embedded_pg_stop);
  api_fixture_free (fx);
  g_free (pg_dir);
  camera_fixture_camsim_stop (camsim);
  g_free (camera);
  g_free (lot);
  g_free (inspection);
  g_free (dir);
  g_free (mark_recorded);
  g_free (mark_gap);
  g_free (still_sha);
  return status;
}
