/* test-replay: replay of recordings over HTTP. A camsim camera recorded in
 * 5 s segments by an in-process server; an auditor asks for an HLS
 * playlist of three segments: it lists every file once (EXT-X-MAP, program
 * date time, a discontinuity between files), its media segments start at
 * key fragments and tile the files, and ffprobe plays the playlist through
 * the server to the same frame count as the files themselves. Byte ranges
 * answer 206/416 exactly; a whole download is audited; every playlist is a
 * replay_viewed event in the viewing log; segments served carry a read
 * lease that keeps retention off them until it runs out. */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "api-fixture.h"
#include "camera-fixture.h"
#include "retention.h"
#include "rvi-test.h"
#include "sha256-hex.h"

enum { OPERATOR, AUDITOR, INSPECTOR, N_USERS };

static ApiFixture *fx;
static GSubprocess *camsim;
static char *camera;

static char *
value (const char *sql, const char *p2)
{
  return api_fixture_value (fx, sql, camera, p2);
}

/* Runs an UPDATE ... RETURNING 1 with $1 the camera. */
static void
update (const char *sql, const char *p2)
{
  g_free (value (sql, p2));
}

static gint64
count (const char *sql, const char *p2)
{
  return api_fixture_count (fx, sql, camera, p2);
}

/* The @n-th (0-based) closed segment: id, start and end as RFC 3339. */
static void
segment (int n, char **id, char **start, char **end)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id || ' ' || to_char(start_at AT TIME ZONE 'UTC',"
                                          " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || ' ' ||"
                                          " to_char(end_at AT TIME ZONE 'UTC',"
                                          " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM segments"
                                          " WHERE camera_id = $1::uuid AND status = 'closed'"
                                          " ORDER BY start_at OFFSET %d LIMIT 1", n);
  g_autofree char *v = value (sql, NULL);
  g_auto (GStrv) parts = g_strsplit (v, " ", 3);

  *id = g_strdup (parts[0]);
  *start = g_strdup (parts[1]);
  *end = g_strdup (parts[2]);
}

/* http://HOST:PORT@path (transfer full) */
static char *
server_url (const char *path)
{
  g_autoptr (GUri) base = g_uri_parse (rvi_test_server_url (fx->server), G_URI_FLAGS_NONE, NULL);

  return g_strdup_printf ("http://%s:%d%s", g_uri_get_host (base), g_uri_get_port (base), path);
}

/* GET @path as user @who with an optional Range header: the body's bytes. */
static GBytes *
fetch (guint who, const char *path, const char *range, guint *status, SoupMessageHeaders **headers)
{
  g_autoptr (SoupSession) s = soup_session_new ();
  g_autofree char *url = server_url (path);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", fx->tokens[who]);
  g_autoptr (GError) error = NULL;
  SoupMessageHeaders *req = soup_message_get_request_headers (msg);
  GBytes *body;

  soup_message_headers_replace (req, "Authorization", auth);
  if (range)
    soup_message_headers_replace (req, "Range", range);
  body = soup_session_send_and_read (s, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (headers)
    *headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return body;
}

static char *
fetch_text (guint who, const char *path, guint *status)
{
  g_autoptr (GBytes) b = fetch (who, path, NULL, status, NULL);
  gsize n;
  const char *data = g_bytes_get_data (b, &n);

  return g_strndup (data ? data : "", n);
}

static char *
playlist_path (const char *from, const char *to)
{
  g_autofree char *f = g_uri_escape_string (from, NULL, FALSE);
  g_autofree char *t = g_uri_escape_string (to, NULL, FALSE);

  return g_strdup_printf ("/api/cameras/%s/replay.m3u8?from=%s&to=%s", camera, f, t);
}

/* Video packets in a file or URL as ffprobe reads them; -1 on any error.
 * (Packets, not decoded frames: ffmpeg's HLS reader feeds every file to
 * one MP4 reader and its decoder drops frames where the next file's times
 * restart at zero; hls.js resets at each discontinuity.) */
static gint64
probe_frames (const char *input, const char *headers)
{
  g_autofree char *out = NULL;
  const char *file_argv[] = { "ffprobe", "-v", "error", "-count_packets", "-select_streams", "v",
                              "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", input,
                              NULL };
  const char *http_argv[] = { "ffprobe", "-v", "error", "-headers", headers, "-count_packets",
                              "-select_streams", "v", "-show_entries", "stream=nb_read_packets",
                              "-of", "csv=p=0", input, NULL };

  if (rvi_test_run (headers ? http_argv : file_argv, NULL, &out) != 0)
    return -1;
  return g_ascii_strtoll (out, NULL, 10);
}

static void
test_playlist (void)
{
  g_autofree char *id0 = NULL, *start0 = NULL, *end0 = NULL;
  g_autofree char *id2 = NULL, *start2 = NULL, *end2 = NULL;
  g_autofree char *path = NULL, *text = NULL, *url = NULL, *headers = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint maps = 0, discontinuities = 0, chunks = 0, status = 0;
  gint64 listed_frames, file_frames = 0;
  double total_s = 0;

  segment (0, &id0, &start0, &end0);
  segment (2, &id2, &start2, &end2);
  path = playlist_path (start0, end2);
  text = fetch_text (AUDITOR, path, &status);
  if (status != 200)
    g_test_message ("%s: %s", path, text);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (text, "#EXTM3U\n#EXT-X-VERSION:7\n"));
  g_assert_nonnull (strstr (text, "#EXT-X-PLAYLIST-TYPE:VOD\n"));
  g_assert_true (g_str_has_suffix (text, "#EXT-X-ENDLIST\n"));
  /* the key fragments' offsets, from the index, per segment: "ID@OFFSET" */
  {
    g_autofree char *list = value ("SELECT string_agg(s.id || '@' || (f->>0), ' ')"
                                   " FROM segments s, jsonb_array_elements(s.fragments) f"
                                   " WHERE s.camera_id = $1::uuid AND (f->>4)::boolean", NULL);
    g_auto (GStrv) items = g_strsplit (list, " ", -1);
    for (guint i = 0; items[i]; i++)
      g_hash_table_add (keys, g_strdup (items[i]));
  }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix (lines[i], "#EXT-X-MAP:")) {
      maps++;
      g_assert_nonnull (strstr (lines[i], "@0\""));
      if (maps == 1) {
        g_autofree char *first = g_strdup_printf ("recording.mp4?segment=%s\"", id0);
        g_assert_nonnull (strstr (lines[i], first));
        /* the program date time is the first file's start, to the us */
        g_assert_true (g_str_has_prefix (lines[i + 1], "#EXT-X-PROGRAM-DATE-TIME:"));
        g_assert_cmpstr (lines[i + 1] + 25, ==, start0);
      }
    } else if (g_str_equal (lines[i], "#EXT-X-DISCONTINUITY")) {
      discontinuities++;
      g_assert_true (g_str_has_prefix (lines[i + 1], "#EXT-X-MAP:"));
    } else if (g_str_has_prefix (lines[i], "#EXTINF:")) {
      g_auto (GStrv) range = NULL;
      g_autofree char *key = NULL;

      total_s += g_ascii_strtod (lines[i] + 8, NULL);
      g_assert_true (g_str_has_prefix (lines[i + 1], "#EXT-X-BYTERANGE:"));
      g_assert_true (g_str_has_prefix (lines[i + 2], "recording.mp4?segment="));
      range = g_strsplit (lines[i + 1] + 17, "@", 2);
      key = g_strdup_printf ("%s@%s", lines[i + 2] + strlen ("recording.mp4?segment="),
                             range[1]);
      g_assert_true (g_hash_table_contains (keys, key));   /* starts with a key frame */
      chunks++;
    }
  }
  g_assert_cmpuint (maps, ==, 3);
  g_assert_cmpuint (discontinuities, ==, 2);
  g_assert_cmpuint (chunks, >=, maps);
  /* the listed media is the three files' duration */
  {
    g_autofree char *d = g_strdup_printf ("SELECT sum(duration_us) FROM segments WHERE"
                                          " camera_id = $1::uuid AND id BETWEEN %s AND %s",
                                          id0, id2);
    g_autofree char *us = value (d, NULL);
    g_assert_cmpfloat (ABS (total_s - g_ascii_strtod (us, NULL) / 1e6), <, 0.001);
  }
  /* ffprobe reads the playlist through the server: every frame of the files */
  for (int n = 0; n < 3; n++) {
    g_autofree char *id = NULL, *s = NULL, *e = NULL, *file = NULL, *rel = NULL;
    segment (n, &id, &s, &e);
    rel = value ("SELECT path FROM segments WHERE camera_id = $1::uuid AND id = $2::bigint", id);
    file = g_build_filename (fx->tmpdir, "media", rel, NULL);
    file_frames += probe_frames (file, NULL);
  }
  url = server_url (path);
  headers = g_strdup_printf ("Authorization: Bearer %s\r\n", fx->tokens[AUDITOR]);
  listed_frames = probe_frames (url, headers);
  g_test_message ("packets: files %" G_GINT64_FORMAT ", playlist %" G_GINT64_FORMAT, file_frames,
                  listed_frames);
  g_assert_cmpint (file_frames, >, 100);
  g_assert_cmpint (listed_frames, ==, file_frames);
  /* a replay is audited with its range; the viewing log shows it */
  g_assert_cmpint (count ("SELECT count(*) FROM audit_events WHERE action = 'replay_viewed'"
                          " AND target_id = $1 AND detail->>'segments' = '3'", NULL), >=, 1);
}

static void
test_byte_ranges (void)
{
  g_autofree char *id = NULL, *s = NULL, *e = NULL, *path = NULL, *bytes_text = NULL;
  g_autofree char *sha = NULL, *expect = NULL, *suffix = NULL;
  char digest[RVI_SHA256_HEX_LEN + 1];
  g_autoptr (GBytes) b = NULL;
  SoupMessageHeaders *h = NULL;
  guint status = 0;
  guint64 size;
  const guint8 *data;
  gsize n;

  segment (1, &id, &s, &e);
  bytes_text = value ("SELECT bytes FROM segments WHERE camera_id = $1::uuid"
                      " AND id = $2::bigint", id);
  sha = value ("SELECT sha256 FROM segments WHERE camera_id = $1::uuid AND id = $2::bigint", id);
  size = g_ascii_strtoull (bytes_text, NULL, 10);
  path = g_strdup_printf ("/api/cameras/%s/recording.mp4?segment=%s", camera, id);

  b = fetch (INSPECTOR, path, "bytes=0-99", &status, &h);
  data = g_bytes_get_data (b, &n);
  g_assert_cmpuint (status, ==, 206);
  g_assert_cmpuint (n, ==, 100);
  g_assert_cmpint (memcmp (data + 4, "ftyp", 4), ==, 0);
  expect = g_strdup_printf ("bytes 0-99/%" G_GUINT64_FORMAT, size);
  g_assert_cmpstr (soup_message_headers_get_one (h, "Content-Range"), ==, expect);
  g_assert_cmpstr (soup_message_headers_get_one (h, "Accept-Ranges"), ==, "bytes");
  g_clear_pointer (&h, soup_message_headers_unref);
  g_clear_pointer (&b, g_bytes_unref);

  b = fetch (AUDITOR, path, "bytes=-10", &status, &h);
  g_assert_cmpuint (status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (b), ==, 10);
  g_clear_pointer (&h, soup_message_headers_unref);
  g_clear_pointer (&b, g_bytes_unref);

  suffix = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", size);
  b = fetch (AUDITOR, path, suffix, &status, &h);
  g_assert_cmpuint (status, ==, 416);
  g_clear_pointer (&expect, g_free);
  expect = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);
  g_assert_cmpstr (soup_message_headers_get_one (h, "Content-Range"), ==, expect);
  g_clear_pointer (&h, soup_message_headers_unref);
  g_clear_pointer (&b, g_bytes_unref);

  /* several ranges: multipart (libsoup cuts them from the whole file) */
  b = fetch (AUDITOR, path, "bytes=0-1,5-6", &status, &h);
  g_assert_cmpuint (status, ==, 206);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (h, "Content-Type"),
                                   "multipart/byteranges"));
  g_clear_pointer (&h, soup_message_headers_unref);
  g_clear_pointer (&b, g_bytes_unref);
  /* no range: the whole file, audited */
  b = fetch (AUDITOR, path, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  data = g_bytes_get_data (b, &n);
  rvi_sha256_hex (data, n, digest);
  g_assert_cmpstr (digest, ==, sha);
  g_assert_cmpint (count ("SELECT count(*) FROM audit_events WHERE action = 'recording_downloaded'"
                          " AND target_id = $1", NULL), ==, 1);
  g_clear_pointer (&b, g_bytes_unref);

  /* refusals */
  {
    static const struct { guint who; const char *query; guint status; } cases[] = {
      { AUDITOR, "segment=abc", 400 }, { AUDITOR, "", 400 }, { AUDITOR, "segment=999999", 404 },
      { OPERATOR, "segment=1", 403 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
      g_autofree char *p = g_strdup_printf ("/api/cameras/%s/recording.mp4?%s", camera,
                                            cases[i].query);
      g_autofree char *body = fetch_text (cases[i].who, p, &status);
      g_assert_cmpuint (status, ==, cases[i].status);
      g_assert_nonnull (strstr (body, "\"error\""));
    }
  }
}

static void
test_playlist_refusals (void)
{
  static const struct { guint who; const char *query; guint status; const char *text; } cases[] = {
    { AUDITOR, "from=yesterday", 400, "RFC 3339" },
    { AUDITOR, "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", 400, "before" },
    { AUDITOR, "from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z", 400, "24 hours" },
    { AUDITOR, "from=2020-01-01T00:00:00Z&to=2020-01-01T01:00:00Z", 404, "nothing was recorded" },
    { OPERATOR, "", 403, NULL },
  };
  guint status = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *p = g_strdup_printf ("/api/cameras/%s/replay.m3u8?%s", camera,
                                          cases[i].query);
    g_autofree char *body = fetch_text (cases[i].who, p, &status);
    g_assert_cmpuint (status, ==, cases[i].status);
    if (cases[i].text)
      g_assert_nonnull (strstr (body, cases[i].text));
  }
  {
    g_autofree char *body = fetch_text (AUDITOR, "/api/cameras/5b0c3c0e-2f4e-4a8e-9a53-3b1f1e0c9d11"
                                        "/replay.m3u8", &status);
    g_assert_cmpuint (status, ==, 404);
    g_assert_nonnull (strstr (body, "no such camera"));
  }
}

static void
test_viewing_log (void)
{
  g_autoptr (TestClient) aud = api_fixture_client (fx, AUDITOR);
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autofree char *path = g_strdup_printf ("/api/viewing-log?cameras=%s", camera);
  g_autoptr (TestResponse) r = test_request (aud, "GET", path, NULL, NULL);
  g_autoptr (TestResponse) denied = test_request (insp, "GET", path, NULL, NULL);
  g_autoptr (TestResponse) bad = test_request (aud, "GET", "/api/viewing-log?cameras=x", NULL,
                                               NULL);
  JsonArray *views;
  JsonObject *first;

  api_fixture_check (r, 200, NULL, NULL);
  views = json_object_get_array_member (json_node_get_object (r->json), "views");
  g_assert_cmpuint (json_array_get_length (views), >=, 1);
  first = json_array_get_object_element (views, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "action"), ==, "replay_viewed");
  g_assert_cmpstr (json_object_get_string_member (first, "actor_name"), ==, "aud");
  g_assert_cmpstr (json_object_get_string_member (first, "actor_role"), ==, "auditor");
  g_assert_cmpstr (json_object_get_string_member (first, "camera_name"), ==, "yard 1");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (first, "from"), "Z"));
  api_fixture_check (denied, 403, NULL, NULL);
  api_fixture_check (bad, 400, "invalid_input", "cameras");
}

/* Retention leaves a segment alone while its read lease runs, and deletes
 * it once the lease ran out. The segment is made old enough to go. */
static void
test_read_lease (void)
{
  g_autofree char *id = NULL, *s = NULL, *e = NULL, *path = NULL, *rel = NULL, *file = NULL;
  g_autofree char *media = g_build_filename (fx->tmpdir, "media", NULL);
  g_autoptr (GBytes) b = NULL;
  g_autoptr (GError) error = NULL;
  RviRetentionPolicy policy = { 0 };
  RviRetentionReport report;
  guint status = 0;

  segment (0, &id, &s, &e);
  rel = value ("SELECT path FROM segments WHERE camera_id = $1::uuid AND id = $2::bigint", id);
  file = g_build_filename (media, rel, NULL);
  path = g_strdup_printf ("/api/cameras/%s/recording.mp4?segment=%s", camera, id);
  b = fetch (AUDITOR, path, "bytes=0-7", &status, NULL);
  g_assert_cmpuint (status, ==, 206);
  g_assert_cmpint (count ("SELECT count(*) FROM segments WHERE camera_id = $1::uuid"
                          " AND id = $2::bigint AND read_lease_until > now() + interval '100 s'",
                          id), ==, 1);
  /* older than the camera's retention, and unheld */
  update ("UPDATE cameras SET retention_days = 1 WHERE id = $1::uuid RETURNING 1", NULL);
  update ("UPDATE segments SET start_at = start_at - interval '3 days', end_at = end_at -"
          " interval '3 days' WHERE camera_id = $1::uuid AND id = $2::bigint RETURNING 1", id);
  g_assert_true (rvi_retention_run (fx->conn, fx->config.node, media, &policy, &report, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
  g_clear_pointer (&b, g_bytes_unref);
  b = fetch (AUDITOR, path, "bytes=0-7", &status, NULL);
  g_assert_cmpuint (status, ==, 206);
  /* the lease runs out: the next pass deletes it, and it is gone */
  update ("UPDATE segments SET read_lease_until = now() - interval '1 s'"
          " WHERE camera_id = $1::uuid AND id = $2::bigint RETURNING 1", id);
  g_assert_true (rvi_retention_run (fx->conn, fx->config.node, media, &policy, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report.deleted_by_age, >=, 1);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_clear_pointer (&b, g_bytes_unref);
  b = fetch (AUDITOR, path, "bytes=0-7", &status, NULL);
  g_assert_cmpuint (status, ==, 404);
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = { { "op", "operator" }, { "aud", "auditor" },
                                                 { "insp", "inspector" } };
  static const char *const camsim_args[] = { "--size", "640x360", "--fps", "10", NULL };
  g_autofree char *url = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (api_fixture_log_to_stderr, NULL, NULL);
  rvi_test_watchdog (240);
  url = camera_fixture_camsim (camsim_args, &camsim);
  fx = api_fixture_new ("rvi-test-replay");
  fx->config.recording = TRUE;
  fx->config.sample_interval_ms = 0;
  api_fixture_start (fx, users, N_USERS);
  camera = camera_fixture_add (fx, OPERATOR, "yard 1", url, "\"segment_seconds\": 5");
  camera_fixture_wait_segments (fx, camera, 3, 60);

  g_test_add_func ("/replay/playlist", test_playlist);
  g_test_add_func ("/replay/playlist-refusals", test_playlist_refusals);
  g_test_add_func ("/replay/byte-ranges", test_byte_ranges);
  g_test_add_func ("/replay/viewing-log", test_viewing_log);
  g_test_add_func ("/replay/read-lease", test_read_lease);
  status = g_test_run ();

  api_fixture_free (fx);
  camera_fixture_camsim_stop (camsim);
  g_free (camera);
  return status;
}
