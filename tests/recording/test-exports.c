/* test-exports: evidence exports end to end. A camsim camera recorded in
 * 5 s segments by an in-process server; an auditor exports a range that
 * crosses two segment boundaries and starts and ends between key frames:
 * the export is queued, runs with progress, holds its range, ends done;
 * the package downloads, `rvi evidence verify` says intact, GNU tar
 * unpacks it, ffprobe reads the clip, whose duration matches the range
 * within one GOP; the records and audit events are in it; a flipped byte
 * fails verification; bad requests are refused with clear errors. */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "api-fixture.h"
#include "camera-fixture.h"
#include "rvi-test.h"
#include "sha256-hex.h"

enum { OPERATOR, AUDITOR, N_USERS };

#define GOP_US (2 * G_USEC_PER_SEC)   /* camsim: a key frame every 2 s */

static ApiFixture *fx;
static GSubprocess *camsim;
static char *camera;
static char *dir;

static gint64
count (const char *sql, const char *p2)
{
  return api_fixture_count (fx, sql, camera, p2);
}

static char *
iso (gint64 us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autofree char *base = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%06dZ", base, (int) (us % G_USEC_PER_SEC));
}

/* Unix µs of the @n-th (0-based) closed segment's start. */
static gint64
segment_start (int n)
{
  g_autofree char *sql = g_strdup_printf ("SELECT (extract(epoch FROM start_at) * 1000000)::bigint"
                                          " FROM segments WHERE camera_id = $1::uuid AND"
                                          " status = 'closed' ORDER BY start_at OFFSET %d LIMIT 1",
                                          n);
  g_autofree char *v = api_fixture_value (fx, sql, camera, NULL);

  g_assert_nonnull (v);
  return g_ascii_strtoll (v, NULL, 10);
}

static TestResponse *
post_export (const char *body)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, AUDITOR);

  return test_request (c, "POST", "/api/exports", body, NULL);
}

/* The package's bytes (binary: not through TestResponse's text body). */
static GBytes *
download (const char *id, char **sha_header, guint *status)
{
  g_autoptr (SoupSession) s = soup_session_new ();
  g_autoptr (GUri) base = g_uri_parse (rvi_test_server_url (fx->server), G_URI_FLAGS_NONE, NULL);
  g_autofree char *url = g_strdup_printf ("http://%s:%d/api/exports/%s/package",
                                          g_uri_get_host (base), g_uri_get_port (base), id);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", fx->tokens[AUDITOR]);
  g_autoptr (GError) error = NULL;
  GBytes *body;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  body = soup_session_send_and_read (s, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  *sha_header = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                        "X-Package-SHA256"));
  return body;
}

static double
probe_duration (const char *file, char **codec)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                         "stream=codec_name:format=duration", "-of", "default=nw=1", file, NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  double duration = -1;

  g_assert_cmpint (rvi_test_run (argv, NULL, &out), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix (lines[i], "duration="))
      duration = g_ascii_strtod (lines[i] + 9, NULL);
    if (g_str_has_prefix (lines[i], "codec_name="))
      *codec = g_strdup (lines[i] + 11);
  }
  return duration;
}

static void
test_refusals (void)
{
  g_autofree char *now = iso (g_get_real_time ());
  g_autofree char *hour_ago = iso (g_get_real_time () - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);
  g_autofree char *days_ago = iso (g_get_real_time () - G_GINT64_CONSTANT (3 * 86400) * G_USEC_PER_SEC);
  g_autofree char *no_reason = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\": \"%s\","
                                                " \"to\": \"%s\"}", camera, hour_ago, now);
  g_autofree char *blank = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\": \"%s\","
                                            " \"to\": \"%s\", \"reason\": \"  \"}", camera,
                                            hour_ago, now);
  g_autofree char *both = g_strdup_printf ("{\"camera_id\": \"%s\", \"lot_id\": \"%s\","
                                           " \"reason\": \"x\"}", camera, camera);
  g_autofree char *backwards = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\": \"%s\","
                                                " \"to\": \"%s\", \"reason\": \"x\"}", camera,
                                                now, hour_ago);
  g_autofree char *too_long = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\": \"%s\","
                                               " \"to\": \"%s\", \"reason\": \"x\"}", camera,
                                               days_ago, now);
  g_autofree char *no_range = g_strdup_printf ("{\"camera_id\": \"%s\", \"reason\": \"x\"}",
                                               camera);
  const char *unknown = "{\"camera_id\": \"5b0c3c0e-2f4e-4a8e-9a53-3b1f1e0c9d11\","
                        " \"from\": \"2026-01-01T00:00:00Z\", \"to\": \"2026-01-01T01:00:00Z\","
                        " \"reason\": \"x\"}";
  g_autoptr (TestResponse) r1 = post_export (no_reason);
  g_autoptr (TestResponse) r2 = post_export (blank);
  g_autoptr (TestResponse) r3 = post_export (both);
  g_autoptr (TestResponse) r4 = post_export (backwards);
  g_autoptr (TestResponse) r5 = post_export (too_long);
  g_autoptr (TestResponse) r6 = post_export (no_range);
  g_autoptr (TestResponse) r7 = post_export (unknown);
  g_autoptr (TestClient) op = api_fixture_client (fx, OPERATOR);
  g_autoptr (TestResponse) r8 = test_request (op, "POST", "/api/exports", no_range, NULL);
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  g_autoptr (TestResponse) r9 = test_request (aud, "GET",
                                              "/api/exports/5b0c3c0e-2f4e-4a8e-9a53-3b1f1e0c9d11"
                                              "/package", NULL, NULL);

  api_fixture_check (r1, 400, NULL, "reason");
  api_fixture_check (r2, 400, NULL, "reason");
  api_fixture_check (r3, 400, NULL, "either lot_id or camera_id");
  api_fixture_check (r4, 400, NULL, "to must be after from");
  api_fixture_check (r5, 400, NULL, "export_max_hours");
  api_fixture_check (r6, 400, NULL, "from and to");
  api_fixture_check (r7, 404, NULL, "no such camera");
  api_fixture_check (r8, 403, NULL, NULL);
  api_fixture_check (r9, 404, NULL, "no such export");
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM exports", NULL, NULL), ==, 0);
  g_assert_cmpint (api_fixture_count (fx, "SELECT count(*) FROM holds", NULL, NULL), ==, 0);
}

static void
test_round_trip (void)
{
  gint64 from = segment_start (0) + 2500 * 1000;   /* mid-GOP, in the first segment */
  gint64 to = segment_start (2) + 1300 * 1000;     /* mid-GOP, two boundaries later */
  g_autofree char *from_s = iso (from), *to_s = iso (to);
  g_autofree char *body = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\": \"%s\", \"to\": \"%s\","
                                           " \"reason\": \"court request 17/2026\","
                                           " \"recipient\": \"Erenhot district court\"}",
                                           camera, from_s, to_s);
  g_autoptr (TestResponse) created = post_export (body);
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  g_autofree char *id = NULL, *get_path = NULL, *sha_header = NULL, *pkg = NULL;
  g_autofree char *out = NULL, *unpacked = NULL, *clip = NULL, *codec = NULL;
  g_autoptr (GBytes) bytes = NULL;
  char digest[RVI_SHA256_HEX_LEN + 1];
  double last_progress = 0, duration;
  const char *status = NULL;
  guint http_status = 0;

  api_fixture_check (created, 202, NULL, NULL);
  id = g_strdup (test_json_string (created, "export.id"));
  g_assert_cmpstr (test_json_string (created, "export.recipient"), ==, "Erenhot district court");
  /* the range is held from the request on */
  g_assert_cmpint (count ("SELECT count(*) FROM holds WHERE camera_id = $1::uuid"
                          " AND export_id = $2::uuid AND released_at IS NULL", id), ==, 1);
  get_path = g_strdup_printf ("/api/exports/%s", id);
  for (int i = 0; i < 240; i++) {
    g_autoptr (TestResponse) r = test_request (aud, "GET", get_path, NULL, NULL);
    double progress;

    api_fixture_check (r, 200, NULL, NULL);
    status = g_intern_string (test_json_string (r, "export.status"));
    progress = json_node_get_double (json_object_get_member (json_node_get_object (
      json_object_get_member (json_node_get_object (r->json), "export")), "progress"));
    g_assert_cmpfloat (progress, >=, last_progress);
    last_progress = progress;
    if (g_str_equal (status, "done") || g_str_equal (status, "failed")) {
      if (g_str_equal (status, "failed"))
        g_error ("export failed: %s", test_json_string (r, "export.error"));
      break;
    }
    g_usleep (250000);
  }
  g_assert_cmpstr (status, ==, "done");
  g_assert_cmpfloat (last_progress, ==, 1.0);

  bytes = download (id, &sha_header, &http_status);
  g_assert_cmpuint (http_status, ==, 200);
  rvi_sha256_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), digest);
  g_assert_cmpstr (sha_header, ==, digest);
  pkg = g_build_filename (dir, "package.tar", NULL);
  g_assert_true (g_file_set_contents (pkg, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), NULL));
  {
    const char *argv[] = { rvi_test_bin (), "evidence", "verify", pkg, NULL };
    g_assert_cmpint (rvi_test_run (argv, NULL, &out), ==, 0);
    g_test_message ("%s", out);
    g_assert_nonnull (strstr (out, "intact: "));
  }
  unpacked = g_build_filename (dir, "unpacked", NULL);
  g_assert_cmpint (g_mkdir (unpacked, 0700), ==, 0);
  {
    const char *argv[] = { "tar", "-xf", pkg, "-C", unpacked, NULL };
    g_assert_cmpint (rvi_test_run (argv, NULL, NULL), ==, 0);
  }
  clip = g_strdup_printf ("%s/rvi-evidence-%s/cameras/%s/clip-001.mp4", unpacked, id, camera);
  duration = probe_duration (clip, &codec);
  g_test_message ("clip: %s, %.3f s for a %.3f s range", codec, duration,
                  (double) (to - from) / G_USEC_PER_SEC);
  g_assert_cmpstr (codec, ==, "h264");
  g_assert_cmpfloat (duration, >=, (double) (to - from) / G_USEC_PER_SEC - 0.2);
  g_assert_cmpfloat (duration, <=, (double) (to - from + GOP_US) / G_USEC_PER_SEC + 0.2);
  {
    g_autofree char *two = g_strdup_printf ("%s/rvi-evidence-%s/cameras/%s/clip-002.mp4",
                                            unpacked, id, camera);
    g_assert_false (g_file_test (two, G_FILE_TEST_EXISTS));   /* no gap, one clip */
  }
  {
    g_autofree char *export_json = g_strdup_printf ("%s/rvi-evidence-%s/export.json", unpacked, id);
    g_autofree char *audit_json = g_strdup_printf ("%s/rvi-evidence-%s/audit.json", unpacked, id);
    g_autofree char *segments = g_strdup_printf ("%s/rvi-evidence-%s/cameras/%s/segments.json",
                                                 unpacked, id, camera);
    g_autofree char *text = NULL;
    g_autofree char *expect = g_strdup_printf ("\"action\":\"export_requested\",\"target_type\":"
                                               "\"export\",\"target_id\":\"%s\"", id);

    g_assert_true (g_file_get_contents (export_json, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "\"reason\":\"court request 17/2026\""));
    g_clear_pointer (&text, g_free);
    g_assert_true (g_file_get_contents (audit_json, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, expect));
    g_assert_nonnull (strstr (text, "\"chain_heads\":[{\"chain\":"));
    g_clear_pointer (&text, g_free);
    g_assert_true (g_file_get_contents (segments, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "\"sha256\":\""));
  }
  /* audit: asked for, completed, downloaded; the hold stays (export_hold) */
  g_assert_cmpint (count ("SELECT count(*) FROM audit_events WHERE target_id = $2"
                          " AND action IN ('export_requested', 'export_completed',"
                          " 'export_downloaded') AND $1::uuid IS NOT NULL", id), ==, 3);
  g_assert_cmpint (count ("SELECT count(*) FROM holds WHERE camera_id = $1::uuid"
                          " AND export_id = $2::uuid AND released_at IS NULL", id), ==, 1);

  /* one flipped byte in the middle of the package: not intact */
  {
    g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_autofree char *bad = g_build_filename (dir, "flipped.tar", NULL);
    g_autofree char *bad_out = NULL;
    const char *argv[] = { rvi_test_bin (), "evidence", "verify", bad, NULL };

    copy[g_bytes_get_size (bytes) / 2] ^= 0x01;
    g_assert_true (g_file_set_contents (bad, (const char *) copy,
                                        (gssize) g_bytes_get_size (bytes), NULL));
    g_assert_cmpint (rvi_test_run (argv, NULL, &bad_out), ==, 1);
    g_assert_nonnull (strstr (bad_out, "PROBLEM "));
  }
}

/* Polls the export until it is done (fails the test when it fails). */
static void
wait_done (const char *id)
{
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  g_autofree char *path = g_strdup_printf ("/api/exports/%s", id);

  for (int i = 0; i < 240; i++) {
    g_autoptr (TestResponse) r = test_request (aud, "GET", path, NULL, NULL);
    const char *status = test_json_string (r, "export.status");

    if (g_str_equal (status, "failed"))
      g_error ("export failed: %s", test_json_string (r, "export.error"));
    if (g_str_equal (status, "done"))
      return;
    g_usleep (250000);
  }
  g_error ("export %s not done within 60 s", id);
}

/* A lot whose one inspection watched the camera over the second and
 * third segments, with a mark in between: its export takes that window. */
static void
test_lot (void)
{
  gint64 opened = segment_start (1) + 700 * 1000, signed_at = segment_start (2) + 3100 * 1000;
  g_autofree char *opened_s = iso (opened), *signed_s = iso (signed_at), *mark_s = iso (opened + 2 * G_USEC_PER_SEC);
  g_autofree char *decl = api_fixture_value (fx, "INSERT INTO declarations (number, customs_code,"
                                             " import, created_by) VALUES ('020220261000012345',"
                                             " '0202', true, $1::uuid) RETURNING id",
                                             fx->user_ids[OPERATOR], NULL);
  g_autofree char *lot = api_fixture_value (fx, "INSERT INTO lots (declaration_id, lot_no,"
                                            " created_by) VALUES ($1::uuid, 'L-7', $2::uuid)"
                                            " RETURNING id", decl, fx->user_ids[OPERATOR]);
  g_autofree char *insp_sql = g_strdup_printf ("INSERT INTO inspections (lot_id, inspector_id,"
                                               " opened_at, cameras) VALUES ($1::uuid, $2::uuid,"
                                               " '%s', ARRAY['%s'::uuid]) RETURNING id",
                                               opened_s, camera);
  g_autofree char *insp = api_fixture_value (fx, insp_sql, lot, fx->user_ids[OPERATOR]);
  g_autofree char *mark_sql = g_strdup_printf ("INSERT INTO marks (inspection_id, lot_id, camera_id,"
                                               " at, note, created_by) VALUES ($1::uuid,"
                                               " (SELECT lot_id FROM inspections WHERE id = $1::uuid),"
                                               " '%s', '%s', 'lid left open', $2::uuid) RETURNING id",
                                               camera, mark_s);
  g_autofree char *mark = api_fixture_value (fx, mark_sql, insp, fx->user_ids[OPERATOR]);
  g_autofree char *sign_sql = g_strdup_printf ("UPDATE inspections SET signed_at = '%s'"
                                               " WHERE id = $1::uuid RETURNING id", signed_s);
  g_autofree char *signed_id = api_fixture_value (fx, sign_sql, insp, NULL);
  g_autofree char *body = g_strdup_printf ("{\"lot_id\": \"%s\", \"reason\": \"supervisor review\"}",
                                           lot);
  g_autoptr (TestResponse) created = post_export (body);
  g_autofree char *id = NULL, *sha = NULL, *pkg = NULL, *out = NULL, *root = NULL;
  g_autofree char *unpacked = NULL, *clip = NULL, *codec = NULL, *text = NULL, *marks = NULL;
  g_autoptr (GBytes) bytes = NULL;
  JsonArray *ranges;
  guint http_status;
  double duration;

  g_assert_nonnull (mark);
  g_assert_cmpstr (signed_id, ==, insp);
  api_fixture_check (created, 202, NULL, NULL);
  id = g_strdup (test_json_string (created, "export.id"));
  ranges = json_object_get_array_member (json_object_get_object_member (
    json_node_get_object (created->json), "export"), "ranges");
  g_assert_cmpuint (json_array_get_length (ranges), ==, 1);   /* the inspection's window */
  wait_done (id);
  bytes = download (id, &sha, &http_status);
  g_assert_cmpuint (http_status, ==, 200);
  pkg = g_build_filename (dir, "lot.tar", NULL);
  g_assert_true (g_file_set_contents (pkg, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), NULL));
  {
    const char *argv[] = { rvi_test_bin (), "evidence", "verify", pkg, NULL };
    g_assert_cmpint (rvi_test_run (argv, NULL, &out), ==, 0);
  }
  unpacked = g_build_filename (dir, "lot", NULL);
  g_assert_cmpint (g_mkdir (unpacked, 0700), ==, 0);
  {
    const char *argv[] = { "tar", "-xf", pkg, "-C", unpacked, NULL };
    g_assert_cmpint (rvi_test_run (argv, NULL, NULL), ==, 0);
  }
  root = g_strdup_printf ("%s/rvi-evidence-%s", unpacked, id);
  clip = g_strdup_printf ("%s/cameras/%s/clip-001.mp4", root, camera);
  duration = probe_duration (clip, &codec);
  g_test_message ("lot clip: %.3f s for a %.3f s window", duration,
                  (double) (signed_at - opened) / G_USEC_PER_SEC);
  g_assert_cmpfloat (duration, >=, (double) (signed_at - opened) / G_USEC_PER_SEC - 0.2);
  g_assert_cmpfloat (duration, <=, (double) (signed_at - opened + GOP_US) / G_USEC_PER_SEC + 0.2);
  {
    g_autofree char *path = g_strdup_printf ("%s/lot.json", root);
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "\"lot_no\":\"L-7\""));
    g_assert_nonnull (strstr (text, "\"number\":\"020220261000012345\""));
  }
  {
    g_autofree char *path = g_strdup_printf ("%s/marks.json", root);
    g_assert_true (g_file_get_contents (path, &marks, NULL, NULL));
    g_assert_nonnull (strstr (marks, "lid left open"));
  }
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = { { "op", "operator" }, { "aud", "auditor" } };
  static const char *const camsim_args[] = { "--size", "640x360", "--fps", "10", NULL };
  g_autofree char *url = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (api_fixture_log_to_stderr, NULL, NULL);
  rvi_test_watchdog (300);
  url = camera_fixture_camsim (camsim_args, &camsim);
  fx = api_fixture_new ("rvi-test-exports");
  fx->config.recording = TRUE;
  fx->config.sample_interval_ms = 0;
  fx->config.export_max_hours = 2;
  api_fixture_start (fx, users, N_USERS);
  dir = g_build_filename (fx->tmpdir, "test-files", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  camera = camera_fixture_add (fx, OPERATOR, "yard 1", url, "\"segment_seconds\": 5");
  /* three closed segments: about 16 s */
  camera_fixture_wait_segments (fx, camera, 3, 60);

  g_test_add_func ("/exports/refusals", test_refusals);
  g_test_add_func ("/exports/round-trip", test_round_trip);
  g_test_add_func ("/exports/lot", test_lot);
  status = g_test_run ();

  api_fixture_free (fx);
  camera_fixture_camsim_stop (camsim);
  g_free (camera);
  g_free (dir);
  return status;
}
