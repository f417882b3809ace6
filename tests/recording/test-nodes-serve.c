/* test-nodes-serve: any node answers for what another node holds
 * (docs/nodes.md). Two nodes on one PostgreSQL, two camsim cameras, one
 * pinned to each node.
 * - Events: a lot made through one node reaches a feed on the other.
 * - A whole segment file through the node that does not hold it is the
 *   file (its SHA-256 from the index), passed on as it streams; a byte
 *   range too.
 * - frame.jpg through either node is the same JPEG of the same frame; a
 *   mark's still yard-a made comes through yard-b with its SHA-256.
 * - Live video (mse) of a camera yard-a records, through yard-b: the
 *   holder's messages byte for byte (ffprobe decodes every fragment), the
 *   session audited by the holder; webrtc signalling passes too.
 * - An export, asked of yard-b, of a camera yard-a recorded and then
 *   yard-b: no segment left out, the clip plays across both nodes'
 *   recordings, the package verifies and downloads through yard-a
 *   (byte for byte its SHA-256); yard-a audits the segments yard-b fetched
 *   under the auditor's name, and the fetching token is revoked after.
 * - A copy whose SHA-256 is not the index's is left out of the export,
 *   listed with the reason, and the package still verifies.
 * - The holder killed: the relayed live socket closes with 1011 (the web
 *   client reconnects), its frame answers 503 node_unavailable through the
 *   other node. Started again on another port, it writes its new URL as
 *   it starts, not at its first heartbeat. */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "db.h"
#include "feed-client.h"
#include "nodes-exports.h"
#include "nodes-fixture.h"
#include "rvi-test.h"
#include "sha256-hex.h"

#define SEGMENT_S 5
#define LEASE_S 6
#define BROWSER "198.51.100.5"   /* the address fetch() comes from, by X-Forwarded-For */
#define UTC_US "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"   /* to_char: RFC 3339, microseconds */

static char *cam_a, *cam_b;   /* pinned to yard-a, yard-b */
static char *lot;             /* made through yard-b */
static char *mark;            /* on cam_a at frame_at: its still is yard-a's */
static char *frame_at;        /* a time inside a closed segment of cam_a on yard-a */
static TestFeed *held_open;   /* a webrtc socket of cam_a through yard-b, open till yard-a dies */

static TestFeed *
open_live (int node, const char *cam, const char *transport)
{
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s/live?transport=%s", cam, transport);

  return test_feed_open_path (nf.urls[node], path, nf.token, NULL, NULL, TRUE);
}

/* GET @path of node @node as the auditor, binary, as if from BROWSER
 * behind a proxy (X-Forwarded-For; the nodes trust loopback). */
static GBytes *
fetch (int node, const char *path, const char *range, guint *status, char **header,
       const char *header_name)
{
  g_autoptr (SoupSession) s = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *url = g_strdup_printf ("%s%s", nf.urls[node], path + 1);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", nf.audit_token);
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);
  g_autoptr (GError) error = NULL;
  GBytes *body;

  soup_message_headers_replace (h, "Authorization", auth);
  soup_message_headers_replace (h, "X-Forwarded-For", BROWSER);
  if (range)
    soup_message_headers_replace (h, "Range", range);
  body = soup_session_send_and_read (s, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (header)
    *header = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                      header_name));
  return body;
}

static char *
value (PGconn *c, const char *sql)
{
  g_autoptr (PGresult) res = nodes_fixture_query (c, sql);

  return PQntuples (res) == 1 ? g_strdup (PQgetvalue (res, 0, 0)) : NULL;
}

/* Waits up to @seconds for @n closed segments of @cam on @node. */
static void
wait_closed (const char *cam, const char *node, int n, int seconds)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) >= %d FROM segments WHERE camera_id ="
                                          " '%s' AND node = '%s' AND status = 'closed'", n, cam,
                                          node);

  for (int t = 0; t < seconds * 4; t++) {
    g_autofree char *ok = value (c, sql);

    if (g_str_equal (ok, "t"))
      return;
    g_usleep (G_USEC_PER_SEC / 4);
  }
  g_error ("camera %s: not %d closed segments on %s after %d s", cam, n, node, seconds);
}

static void
pin (const char *cam, const char *node)
{
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s", cam);
  g_autofree char *body = g_strdup_printf ("{\"pinned_nodes\": [\"%s\"]}", node);
  g_autoptr (TestResponse) r = nodes_fixture_api (nf.token, 0, "PATCH", path, body);

  g_assert_cmpuint (r->status, ==, 200);
}

static void
test_setup (void)
{
  nodes_fixture_start_camsim (2);
  cam_a = nodes_fixture_add_camera (0, 1, SEGMENT_S);
  cam_b = nodes_fixture_add_camera (1, 2, SEGMENT_S);
  pin (cam_a, "yard-a");
  pin (cam_b, "yard-b");
  wait_closed (cam_a, "yard-a", 2, 40);
  wait_closed (cam_b, "yard-b", 1, 40);
}

/* A lot made through yard-b is announced on a feed of yard-a. */
static void
test_events (void)
{
  g_autoptr (TestFeed) feed = test_feed_open_hello (nf.urls[0], nf.token);
  g_autoptr (TestResponse) r = nodes_fixture_api (nf.token, 1, "POST", "/api/lots",
      "{\"declaration_no\": \"070020261000000555\", \"waybill_no\": \"NODES-1\","
      " \"wagons\": [{\"number\": \"4012399\"}]}");

  g_assert_cmpuint (r->status, ==, 201);
  lot = g_strdup (test_json_string (r, "lot.id"));
  g_assert_nonnull (test_feed_wait (feed, "lot", lot, 5000));
}

static void
test_segment_through_other_node (void)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autofree char *sql = g_strdup_printf ("SELECT id, sha256, bytes FROM segments WHERE camera_id"
                                          " = '%s' AND node = 'yard-a' AND status = 'closed'"
                                          " ORDER BY start_at LIMIT 1", cam_a);
  g_autoptr (PGresult) seg = nodes_fixture_query (c, sql);
  g_autofree char *path = NULL;
  g_autofree char *content_range = NULL;
  g_autoptr (GBytes) whole = NULL;
  g_autoptr (GBytes) part = NULL;
  char digest[RVI_SHA256_HEX_LEN + 1];
  guint status = 0;

  g_assert_cmpint (PQntuples (seg), ==, 1);
  path = g_strdup_printf ("/api/cameras/%s/recording.mp4?segment=%s", cam_a,
                          PQgetvalue (seg, 0, 0));
  whole = fetch (1, path, NULL, &status, NULL, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (whole), ==, g_ascii_strtoull (PQgetvalue (seg, 0, 2),
                                                                    NULL, 10));
  rvi_sha256_hex (g_bytes_get_data (whole, NULL), g_bytes_get_size (whole), digest);
  g_assert_cmpstr (digest, ==, PQgetvalue (seg, 0, 1));
  part = fetch (1, path, "bytes=100-1123", &status, &content_range, "Content-Range");
  g_assert_cmpuint (status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (part), ==, 1024);
  g_assert_true (g_str_has_prefix (content_range, "bytes 100-1123/"));
  g_assert_cmpmem (g_bytes_get_data (part, NULL), 1024,
                   (const guint8 *) g_bytes_get_data (whole, NULL) + 100, 1024);
  /* yard-a, the holder, audited the download under the browser's address:
   * yard-b took it from X-Forwarded-For and passed it on */
  {
    g_autofree char *audit_sql = g_strdup_printf ("SELECT address FROM audit_events WHERE"
                                                  " action = 'recording_downloaded' AND"
                                                  " detail->>'segment_id' = '%s' ORDER BY seq"
                                                  " DESC LIMIT 1", PQgetvalue (seg, 0, 0));
    g_autofree char *address = value (c, audit_sql);

    g_assert_cmpstr (address, ==, BROWSER);
  }
}

/* The same frame, decoded by its holder, whichever node is asked. */
static void
test_frame_through_other_node (void)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autofree char *sql = g_strdup_printf ("SELECT to_char ((start_at + (end_at - start_at) / 2)"
                                          " AT TIME ZONE 'UTC', " UTC_US ") FROM segments"
                                          " WHERE camera_id = '%s' AND node = 'yard-a'"
                                          " AND status = 'closed' ORDER BY start_at LIMIT 1",
                                          cam_a);
  g_autofree char *path = NULL;
  g_autofree char *time_a = NULL, *time_b = NULL;
  g_autoptr (GBytes) from_a = NULL, from_b = NULL;
  guint status = 0;

  frame_at = value (c, sql);
  g_assert_nonnull (frame_at);
  path = g_strdup_printf ("/api/cameras/%s/frame.jpg?at=%s", cam_a, frame_at);
  from_a = fetch (0, path, NULL, &status, &time_a, "X-Frame-Time");
  g_assert_cmpuint (status, ==, 200);
  from_b = fetch (1, path, NULL, &status, &time_b, "X-Frame-Time");
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (time_a);
  g_assert_cmpstr (time_a, ==, time_b);
  g_assert_true (g_bytes_equal (from_a, from_b));
  g_assert_cmpmem (g_bytes_get_data (from_b, NULL), 2, "\xff\xd8", 2);
}

/* An inspection through yard-b marks cam_a at frame_at: the still is
 * made by yard-a, which holds the recording, and comes through yard-b. */
static void
test_still_through_other_node (void)
{
  g_autofree char *open_path = g_strdup_printf ("/api/lots/%s/inspections", lot);
  g_autofree char *open_body = g_strdup_printf ("{\"cameras\": [\"%s\"]}", cam_a);
  g_autoptr (TestResponse) opened = nodes_fixture_api (nf.insp_token, 1, "POST", open_path,
                                                       open_body);
  g_autofree char *mark_path = NULL, *mark_body = NULL, *still_path = NULL, *sha = NULL;
  g_autoptr (TestResponse) marked = NULL;
  char digest[RVI_SHA256_HEX_LEN + 1];
  guint status = 0;

  g_assert_cmpuint (opened->status, ==, 201);
  g_assert_nonnull (frame_at);
  mark_path = g_strdup_printf ("/api/inspections/%s/marks",
                               test_json_string (opened, "inspection.id"));
  mark_body = g_strdup_printf ("{\"camera_id\": \"%s\", \"at\": \"%s\", \"reason_code\":"
                               " \"FOREIGN_MATTER\", \"note\": \"two nodes\"}", cam_a, frame_at);
  marked = nodes_fixture_api (nf.insp_token, 1, "POST", mark_path, mark_body);
  g_assert_cmpuint (marked->status, ==, 201);
  mark = g_strdup (test_json_string (marked, "mark.id"));
  still_path = g_strdup_printf ("/api/marks/%s/still.jpg", mark);
  for (int t = 0;; t++) {   /* made within seconds */
    g_autoptr (GBytes) still = NULL;

    g_clear_pointer (&sha, g_free);
    still = fetch (1, still_path, NULL, &status, &sha, "X-Still-SHA256");
    if (status == 200) {
      rvi_sha256_hex (g_bytes_get_data (still, NULL), g_bytes_get_size (still), digest);
      break;
    }
    g_assert_cmpuint (status, ==, 404);
    g_assert_cmpint (t, <, 4 * 30);
    g_usleep (G_USEC_PER_SEC / 4);
  }
  g_assert_cmpstr (sha, ==, digest);
  {
    g_autoptr (PGconn) c = nodes_fixture_db ();
    g_autofree char *sql = g_strdup_printf ("SELECT node FROM mark_stills WHERE mark_id = '%s'",
                                            mark);
    g_autofree char *node = value (c, sql);

    g_assert_cmpstr (node, ==, "yard-a");
  }
}

/* cam_a (yard-a's) live through yard-b: what the holder sends, unchanged. */
static void
test_live_through_other_node (void)
{
  g_autoptr (TestFeed) f = open_live (1, cam_a, "mse");
  g_autoptr (TestFeed) webrtc = open_live (1, cam_a, "webrtc");
  g_autoptr (TestFeed) missing = open_live (1, "7c4a1e52-95d3-4f6a-b0c1-2d3e4f5a6b7c", "mse");
  g_autoptr (GByteArray) all = g_byte_array_new ();
  g_autofree char *file = g_build_filename (nf.tmpdir, "relayed.mp4", NULL);
  g_autofree char *out = NULL, *sql = NULL, *audited = NULL;
  g_autoptr (PGconn) c = nodes_fixture_db ();
  JsonObject *hello, *offer;
  guint frames = 0;

  g_assert_null (missing->ws);
  g_assert_cmpuint (missing->status, ==, 404);
  g_assert_nonnull (f->ws);
  hello = test_feed_wait (f, "hello", NULL, 10000);
  g_assert_nonnull (hello);
  g_assert_cmpstr (json_object_get_string_member (hello, "codec"), ==, "h264");
  g_assert_nonnull (test_feed_wait (f, "mse", NULL, 5000));
  test_spin (2500);
  g_assert_false (f->closed);
  g_assert_cmpuint (f->binary->len, >=, 20);   /* 2.5 s at 10 fps and the cached frames */
  for (guint i = 0; i < f->binary->len; i++) {
    gsize len;
    const guint8 *data = g_bytes_get_data (f->binary->pdata[i], &len);

    g_byte_array_append (all, data, (guint) len);
  }
  g_assert_cmpmem (all->data + 4, 4, "ftyp", 4);
  g_assert_true (g_file_set_contents (file, (const char *) all->data, all->len, NULL));
  {
    const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                           "frame=key_frame", "-of", "csv=p=0", file, NULL };
    g_auto (GStrv) lines = NULL;

    g_assert_cmpint (rvi_test_run (argv, NULL, &out), ==, 0);
    lines = g_strsplit (out, "\n", -1);
    for (guint i = 0; lines[i]; i++)
      if (lines[i][0] == '0' || lines[i][0] == '1')
        frames++;
  }
  g_assert_cmpuint (frames, ==, f->binary->len);
  /* webrtc: the holder's offer comes through */
  g_assert_nonnull (webrtc->ws);
  offer = test_feed_wait (webrtc, "offer", NULL, 10000);
  g_assert_nonnull (offer);
  g_assert_nonnull (strstr (json_object_get_string_member (offer, "sdp"), "m=video"));
  /* yard-a, the holder, audited the session */
  sql = g_strdup_printf ("SELECT count(*) > 0 FROM audit_events WHERE action ="
                         " 'live_session_started' AND actor_name = 'op' AND target_id = '%s'",
                         cam_a);
  audited = value (c, sql);
  g_assert_cmpstr (audited, ==, "t");
  held_open = g_steal_pointer (&webrtc);   /* signalling only: quiet till the end */
}

/* On a failure: every segment row of @cam, against the range asked. */
static void
print_segments (PGconn *c, const char *cam, const char *from, const char *to)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id, node, status, to_char (start_at AT TIME"
                                          " ZONE 'UTC', " UTC_US "), to_char (end_at AT TIME"
                                          " ZONE 'UTC', " UTC_US "), bytes FROM segments WHERE"
                                          " camera_id = '%s' ORDER BY start_at", cam);
  g_autoptr (PGresult) res = nodes_fixture_query (c, sql);

  g_printerr ("exported range %s .. %s; segments of %s:\n", from, to, cam);
  for (int i = 0; i < PQntuples (res); i++)
    g_printerr ("  %s %s %s %s .. %s %s bytes\n", PQgetvalue (res, i, 0), PQgetvalue (res, i, 1),
                PQgetvalue (res, i, 2), PQgetvalue (res, i, 3), PQgetvalue (res, i, 4),
                PQgetvalue (res, i, 5));
}

/* cam_a moves to yard-b; an export asked of yard-b over both nodes'
 * recordings fetches yard-a's segments and leaves none out. */
static void
test_export_across_nodes (void)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autofree char *sql = NULL;
  g_autoptr (PGresult) span = NULL;
  g_autofree char *body = NULL, *id = NULL, *dir = NULL, *clips = NULL, *text = NULL;
  g_autofree char *seq_before = value (c, "SELECT coalesce (max (seq), 0) FROM audit_events");
  g_autofree char *downloads_sql = NULL, *segs_a_sql = NULL;

  pin (cam_a, "yard-b");
  wait_closed (cam_a, "yard-b", 1, 40);
  sql = g_strdup_printf ("SELECT to_char (min (start_at) AT TIME ZONE 'UTC', " UTC_US "),"
                         " to_char (max (end_at) AT TIME ZONE 'UTC', " UTC_US "),"
                         " count (DISTINCT node) FROM segments WHERE camera_id = '%s'"
                         " AND status = 'closed'", cam_a);
  span = nodes_fixture_query (c, sql);
  g_assert_cmpstr (PQgetvalue (span, 0, 2), ==, "2");
  body = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\": \"%s\", \"to\": \"%s\","
                          " \"reason\": \"two nodes\", \"recipient\": \"district office\"}",
                          cam_a, PQgetvalue (span, 0, 0), PQgetvalue (span, 0, 1));
  id = nodes_export_done (1, body);
  dir = nodes_export_unpack (0, id);
  clips = g_strdup_printf ("%s/rvi-evidence-%s/cameras/%s/clips.json", dir, id, cam_a);
  g_assert_true (g_file_get_contents (clips, &text, NULL, NULL));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "\"not_exported\":[]"));
  g_assert_nonnull (strstr (text, "\"file\":\"clip-001.mp4\""));
  /* the mark's still, yard-a's, is in the package */
  {
    g_autofree char *marks = g_strdup_printf ("%s/rvi-evidence-%s/marks.json", dir, id);
    g_autofree char *still = g_strdup_printf ("%s/rvi-evidence-%s/marks/%s.jpg", dir, id, mark);
    g_autofree char *marks_text = NULL;
    g_autofree char *entry = g_strdup_printf ("\"marks/%s.jpg\"", mark);

    g_assert_true (g_file_get_contents (marks, &marks_text, NULL, NULL));
    if (!strstr (marks_text, entry))
      g_error ("marks.json lacks %s: %s", entry, marks_text);
    g_assert_true (g_file_test (still, G_FILE_TEST_IS_REGULAR));
  }
  /* yard-a gave each of its segments in the range to the auditor's
   * fetching token (audited so, naming the segment), and that token no
   * longer works */
  downloads_sql = g_strdup_printf ("SELECT coalesce (string_agg (detail->>'segment_id', ','"
                                   " ORDER BY (detail->>'segment_id')::bigint), '') FROM"
                                   " audit_events WHERE seq > %s AND action ="
                                   " 'recording_downloaded' AND actor_name = 'aud' AND"
                                   " target_id = '%s'", seq_before, cam_a);
  segs_a_sql = g_strdup_printf ("SELECT coalesce (string_agg (id::text, ',' ORDER BY id), '')"
                                " FROM segments WHERE camera_id = '%s' AND node = 'yard-a'"
                                " AND start_at < '%s' AND end_at > '%s'", cam_a,
                                PQgetvalue (span, 0, 1), PQgetvalue (span, 0, 0));
  {
    g_autofree char *downloads = value (c, downloads_sql);
    g_autofree char *segs_a = value (c, segs_a_sql);
    g_autofree char *live = value (c, "SELECT count(*) FROM api_tokens WHERE label LIKE 'export %'"
                                      " AND revoked_at IS NULL");

    if (!g_str_equal (downloads, segs_a))
      print_segments (c, cam_a, PQgetvalue (span, 0, 0), PQgetvalue (span, 0, 1));
    g_assert_cmpstr (segs_a, !=, "");
    g_assert_cmpstr (downloads, ==, segs_a);
    g_assert_cmpstr (live, ==, "0");
  }
  rvi_test_rmtree (dir);
}

/* A copy from yard-a that does not match its index SHA-256 is not used:
 * the export lists the segment under not_exported with the reason, and
 * the package still verifies. */
static void
test_export_digest_mismatch (void)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autofree char *sql = g_strdup_printf ("SELECT id, sha256, to_char (start_at AT TIME ZONE"
                                          " 'UTC', " UTC_US "), to_char (end_at AT TIME ZONE"
                                          " 'UTC', " UTC_US ") FROM segments WHERE camera_id ="
                                          " '%s' AND node = 'yard-a' AND status = 'closed'"
                                          " ORDER BY start_at LIMIT 1 OFFSET 1", cam_a);
  g_autoptr (PGresult) seg = nodes_fixture_query (c, sql);   /* yard-a's only, either side */
  g_autofree char *spoil = NULL, *mend = NULL, *body = NULL, *id = NULL, *dir = NULL;
  g_autofree char *clips = NULL, *text = NULL, *listed = NULL;

  g_assert_cmpint (PQntuples (seg), ==, 1);
  spoil = g_strdup_printf ("UPDATE segments SET sha256 = repeat ('0', 64) WHERE id = %s",
                           PQgetvalue (seg, 0, 0));
  mend = g_strdup_printf ("UPDATE segments SET sha256 = '%s' WHERE id = %s",
                          PQgetvalue (seg, 0, 1), PQgetvalue (seg, 0, 0));
  PQclear (nodes_fixture_query (c, spoil));
  body = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\": \"%s\", \"to\": \"%s\","
                          " \"reason\": \"spoilt index\", \"recipient\": \"district office\"}",
                          cam_a, PQgetvalue (seg, 0, 2), PQgetvalue (seg, 0, 3));
  id = nodes_export_done (1, body);
  PQclear (nodes_fixture_query (c, mend));
  dir = nodes_export_unpack (0, id);
  clips = g_strdup_printf ("%s/rvi-evidence-%s/cameras/%s/clips.json", dir, id, cam_a);
  g_assert_true (g_file_get_contents (clips, &text, NULL, NULL));
  g_test_message ("%s", text);
  listed = g_strdup_printf ("\"segment_id\":\"%s\"", PQgetvalue (seg, 0, 0));
  g_assert_nonnull (strstr (text, listed));
  g_assert_nonnull (strstr (text, "whose copy is not the recorded file"));
  g_assert_nonnull (strstr (text, "its index says 0000"));
  g_assert_null (strstr (text, "clip-001.mp4"));
  rvi_test_rmtree (dir);
}

/* yard-a killed: its frame through yard-b answers 503 naming it. */
static void
test_dead_holder (void)
{
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s/frame.jpg?at=%s", cam_a, frame_at);
  g_autoptr (TestResponse) r = NULL;

  g_assert_nonnull (frame_at);
  g_assert_nonnull (held_open);
  rvi_test_kill (nf.nodes[0], SIGKILL);
  g_clear_object (&nf.nodes[0]);
  for (int t = 0; t < 100 && !held_open->closed; t++)
    test_spin (100);
  g_assert_true (held_open->closed);
  g_assert_cmpuint (held_open->close_code, ==, 1011);
  g_clear_pointer (&held_open, test_feed_close);
  for (int t = 0;; t++) {   /* until its heartbeat is old */
    g_clear_pointer (&r, test_response_free);
    r = nodes_fixture_api (nf.audit_token, 1, "GET", path, NULL);
    if (r->status == 503)
      break;
    g_assert_cmpint (t, <, 60);
    g_usleep (G_USEC_PER_SEC);
  }
  g_assert_cmpstr (test_error_code (r), ==, "node_unavailable");
  g_assert_nonnull (strstr (r->body, "yard-a"));
}

/* yard-a started again (on a new port): other nodes find it there within
 * 3 s of its "listening" line, before its first periodic heartbeat (5 s):
 * the node writes its URL as it starts. */
static void
test_url_at_start (void)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autofree char *old_url = value (c, "SELECT url FROM nodes WHERE name = 'yard-a'");
  gint64 listening;

  nodes_fixture_start_node (0);
  listening = g_get_monotonic_time ();
  g_assert_cmpstr (old_url, !=, nf.urls[0]);
  for (;;) {
    g_autofree char *url = value (c, "SELECT url FROM nodes WHERE name = 'yard-a'");

    if (g_strcmp0 (url, nf.urls[0]) == 0)
      break;
    g_assert_cmpint (g_get_monotonic_time () - listening, <, 3 * G_USEC_PER_SEC);
    g_usleep (G_USEC_PER_SEC / 20);
  }
  g_test_message ("yard-a's new URL written %.2f s after it listened",
                  (g_get_monotonic_time () - listening) / 1e6);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rvi_test_watchdog (300);
  /* the nodes trust each other (loopback) as proxies */
  nodes_fixture_start ("rvi-test-nodes-serve", 2, LEASE_S, "trusted_proxies=127.0.0.1\n");
  g_test_add_func ("/nodes-serve/setup", test_setup);
  g_test_add_func ("/nodes-serve/events", test_events);
  g_test_add_func ("/nodes-serve/segment-through-other-node", test_segment_through_other_node);
  g_test_add_func ("/nodes-serve/frame-through-other-node", test_frame_through_other_node);
  g_test_add_func ("/nodes-serve/still-through-other-node", test_still_through_other_node);
  g_test_add_func ("/nodes-serve/live-through-other-node", test_live_through_other_node);
  g_test_add_func ("/nodes-serve/export-across-nodes", test_export_across_nodes);
  g_test_add_func ("/nodes-serve/export-digest-mismatch", test_export_digest_mismatch);
  g_test_add_func ("/nodes-serve/dead-holder", test_dead_holder);
  g_test_add_func ("/nodes-serve/url-at-start", test_url_at_start);
  status = g_test_run ();
  nodes_fixture_stop (status);
  g_free (cam_a);
  g_free (cam_b);
  g_free (frame_at);
  g_free (lot);
  g_free (mark);
  return status;
}
