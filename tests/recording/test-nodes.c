/* test-nodes: three `rvi serve --node` processes on one PostgreSQL record
 * six camsim cameras over loopback (docs/nodes.md).
 * - Every camera is recorded by exactly one node: one unexpired lease, one
 *   open segment, on the lease's node, which GET /api/cameras names on
 *   every node; two cameras each.
 * - kill -9 of a node: each of its cameras is recorded again by another
 *   node within 15 s of the kill, with a node_failover gap from when the
 *   dead node was last seen (inside the segment it left open) to the
 *   first new segment; the timeline shows that segment interrupted there,
 *   and an export lists it as left open by the dead node; the six split
 *   three and three.
 * - No camera was recorded by two nodes at once for longer than a lease.
 * - The node comes back: the index repair closes what it was writing, the
 *   failover gaps then start where those segments end, and the others
 *   hand cameras over until each node has two again.
 * - A camera pinned to one node moves there; the shares even out again.
 * - A camera recorded by two nodes replays through the third (a segment
 *   file, a playlist over all of them: every packet, by ffprobe); a dead
 *   node's segment answers 503 naming it.
 * - A rolling restart (each node stopped and started in turn) costs every
 *   camera at most one lease of recording.
 * - PostgreSQL stopped for 8 s while recording: afterwards no segment file
 *   without its row and no row without its file, on every node. */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>

#include "db.h"
#include "nodes-exports.h"
#include "nodes-fixture.h"
#include "rvi-test.h"

#define N_NODES 3
#define N_CAMERAS 6
#define SEGMENT_S 5
#define LEASE_S 10
#define UTC_US "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"   /* to_char: RFC 3339, microseconds */

static char *cams[N_CAMERAS];
static gint64 killed_at;
static char *failed_over[2];   /* the cameras yard-c recorded when it was killed */
static char *pinned;        /* the camera test_pinning moved */

static const char *
node_name (int i)
{
  return nodes_fixture_node_name (i);
}

static PGresult *
query (PGconn *c, const char *sql)
{
  return nodes_fixture_query (c, sql);
}

static TestResponse *
api (int node, const char *method, const char *path, const char *body)
{
  return nodes_fixture_api (nf.token, node, method, path, body);
}

/* Per node: how many cameras it holds an unexpired lease for and records
 * (an open segment on that node); -1 when a camera is off (no such lease,
 * or not exactly one open segment, on the lease's node). */
static gboolean
holdings (PGconn *c, int counts[N_NODES])
{
  g_autoptr (PGresult) res = query (c,
      "SELECT l.node, (SELECT count(*) FROM segments s WHERE s.camera_id = l.camera_id"
      "  AND s.status = 'open' AND s.node = l.node),"
      " (SELECT count(*) FROM segments s WHERE s.camera_id = l.camera_id AND s.status = 'open'"
      "  AND s.node <> l.node AND s.node IN (SELECT name FROM nodes"
      "   WHERE last_seen > now() - interval '5 seconds'))"
      " FROM camera_leases l JOIN cameras c ON c.id = l.camera_id"
      " WHERE c.deleted_at IS NULL AND l.expires_at > now() AND NOT l.released");

  memset (counts, 0, N_NODES * sizeof counts[0]);
  if (PQntuples (res) != N_CAMERAS)
    return FALSE;
  for (int r = 0; r < PQntuples (res); r++) {
    if (!g_str_equal (PQgetvalue (res, r, 1), "1") || !g_str_equal (PQgetvalue (res, r, 2), "0"))
      return FALSE;
    for (int i = 0; i < N_NODES; i++)
      if (g_str_equal (PQgetvalue (res, r, 0), node_name (i)))
        counts[i]++;
  }
  return TRUE;
}

/* Waits up to @seconds for every camera held and recorded by one node,
 * @want[i] by node i. */
static void
wait_holdings (const int want[N_NODES], int seconds)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  int counts[N_NODES];

  for (int t = 0; t < seconds * 2; t++) {
    if (holdings (c, counts) && memcmp (counts, want, sizeof counts) == 0)
      return;
    g_usleep (G_USEC_PER_SEC / 2);
  }
  g_error ("cameras per node %d/%d/%d, wanted %d/%d/%d (or a camera not recorded by exactly"
           " one node)", counts[0], counts[1], counts[2], want[0], want[1], want[2]);
}

static void
test_spread (void)
{
  static const int two_each[N_NODES] = { 2, 2, 2 };

  nodes_fixture_start_camsim (N_CAMERAS);
  for (int i = 0; i < N_CAMERAS; i++)
    cams[i] = nodes_fixture_add_camera (0, i + 1, SEGMENT_S);
  wait_holdings (two_each, 40);

  /* every node's API names the node recording each camera: the one
   * writing its open segment */
  for (int n = 0; n < N_NODES; n++) {
    g_autoptr (PGconn) c = nodes_fixture_db ();
    g_autoptr (PGresult) leases = query (c, "SELECT camera_id::text, node FROM segments"
                                            " WHERE status = 'open'");

    for (int t = 0;; t++) {
      g_autoptr (TestResponse) r = api (n, "GET", "/api/cameras", NULL);
      JsonArray *list = json_object_get_array_member (json_node_get_object (r->json), "cameras");
      guint agree = 0;

      g_assert_cmpuint (r->status, ==, 200);
      for (guint k = 0; k < json_array_get_length (list); k++) {
        JsonObject *cam = json_array_get_object_element (list, k);

        for (int row = 0; row < PQntuples (leases); row++)
          if (g_str_equal (PQgetvalue (leases, row, 0), json_object_get_string_member (cam, "id"))
              && g_strcmp0 (PQgetvalue (leases, row, 1),
                            json_object_get_string_member_with_default (cam, "node", "")) == 0)
            agree++;
      }
      if (agree == N_CAMERAS)
        break;
      if (t > 20)
        g_error ("node %s: GET /api/cameras names the recording node for %u of %d cameras",
                 node_name (n), agree, N_CAMERAS);
      g_usleep (G_USEC_PER_SEC / 2);
    }
  }
}

/* Camera @id's timeline: yard-c's open segment is interrupted, not
 * recording, and ends where the failover gap starts. */
static void
check_interrupted (const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s/timeline", id);
  g_autoptr (TestResponse) r = nodes_fixture_api (nf.audit_token, 0, "GET", path, NULL);
  JsonObject *root;
  JsonArray *segments, *gaps;
  const char *end = NULL, *start = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  root = json_node_get_object (r->json);
  segments = json_object_get_array_member (root, "segments");
  gaps = json_object_get_array_member (root, "gaps");
  for (guint i = 0; i < json_array_get_length (segments); i++) {
    JsonObject *s = json_array_get_object_element (segments, i);

    if (g_str_equal (json_object_get_string_member (s, "node"), "yard-c")
        && json_object_get_boolean_member (s, "interrupted")) {
      g_assert_false (json_object_get_boolean_member (s, "recording"));
      end = json_object_get_string_member (s, "end");
    }
  }
  for (guint i = 0; i < json_array_get_length (gaps); i++) {
    JsonObject *g = json_array_get_object_element (gaps, i);

    if (g_str_equal (json_object_get_string_member (g, "cause"), "node_failover"))
      start = json_object_get_string_member (g, "start");
  }
  g_test_message ("  timeline: yard-c's segment interrupted at %s, the gap from %s", end, start);
  g_assert_nonnull (end);
  g_assert_cmpstr (end, ==, start);
}

/* An export over yard-c's open segment of @id lists it as left open by
 * yard-c, which stopped. */
static void
check_interrupted_export (PGconn *c, const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id, to_char (start_at AT TIME ZONE 'UTC', "
                                          UTC_US "), to_char ((start_at + interval '1 second')"
                                          " AT TIME ZONE 'UTC', " UTC_US ") FROM segments"
                                          " WHERE camera_id = '%s' AND node = 'yard-c' AND"
                                          " status = 'open'", id);
  g_autoptr (PGresult) seg = query (c, sql);
  g_autofree char *body = NULL, *export_id = NULL, *dir = NULL, *clips = NULL, *text = NULL;
  g_autofree char *listed = NULL;

  g_assert_cmpint (PQntuples (seg), ==, 1);
  body = g_strdup_printf ("{\"camera_id\": \"%s\", \"from\": \"%s\", \"to\": \"%s\","
                          " \"reason\": \"failover\", \"recipient\": \"district office\"}", id,
                          PQgetvalue (seg, 0, 1), PQgetvalue (seg, 0, 2));
  export_id = nodes_export_done (0, body);
  dir = nodes_export_unpack (0, export_id);
  clips = g_strdup_printf ("%s/rvi-evidence-%s/cameras/%s/clips.json", dir, export_id, id);
  g_assert_true (g_file_get_contents (clips, &text, NULL, NULL));
  g_test_message ("  export: %s", text);
  listed = g_strdup_printf ("\"segment_id\":\"%s\",\"why\":\"left open by node yard-c,",
                            PQgetvalue (seg, 0, 0));
  g_assert_nonnull (strstr (text, listed));
}

static void
test_failover (void)
{
  static const int three_each[N_NODES] = { 3, 3, 0 };
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autoptr (PGresult) mine = query (c, "SELECT camera_id::text FROM camera_leases"
                                        " WHERE node = 'yard-c'");
  int moved = PQntuples (mine);

  g_assert_cmpint (moved, ==, 2);
  /* after a closed segment, in the middle of the next one, so that the
   * node leaves one open */
  for (int t = 0;; t++) {
    g_autoptr (PGresult) closed = query (c, "SELECT count (DISTINCT camera_id) FROM segments"
                                            " WHERE node = 'yard-c' AND status = 'closed'");
    if (g_str_equal (PQgetvalue (closed, 0, 0), "2"))
      break;
    g_assert_cmpint (t, <, 4 * 3 * SEGMENT_S);
    g_usleep (G_USEC_PER_SEC / 4);
  }
  g_usleep (SEGMENT_S * G_USEC_PER_SEC / 2);
  rvi_test_kill (nf.nodes[2], SIGKILL);
  g_clear_object (&nf.nodes[2]);
  killed_at = g_get_real_time ();
  wait_holdings (three_each, 25);

  for (int i = 0; i < moved; i++) {
    const char *id = PQgetvalue (mine, i, 0);
    g_autofree char *sql = g_strdup_printf (
        "SELECT (extract (epoch FROM (SELECT min (start_at) FROM segments"
        "   WHERE camera_id = '%s' AND node <> 'yard-c')) * 1e6)::bigint,"
        " (extract (epoch FROM (SELECT max (end_at) FROM segments WHERE camera_id = '%s'"
        "   AND node = 'yard-c' AND status = 'closed')) * 1e6)::bigint,"
        " (SELECT count (*) FROM segments WHERE camera_id = '%s' AND node = 'yard-c'"
        "   AND status = 'open')", id, id, id);
    g_autofree char *gap_sql = NULL;
    g_autoptr (PGresult) seg = query (c, sql);
    g_autoptr (PGresult) gap = NULL;
    gint64 first = rvi_db_int64 (seg, 0, 0), last_end = rvi_db_int64 (seg, 0, 1);

    g_test_message ("camera %s: recorded again %.1f s after the kill, %.1f s after the dead"
                    " node's last closed segment", id, (first - killed_at) / 1e6,
                    (first - last_end) / 1e6);
    g_assert_cmpint (first - killed_at, <=, 15 * G_USEC_PER_SEC);
    g_assert_cmpstr (PQgetvalue (seg, 0, 2), ==, "1");   /* the segment it was writing */
    /* the hole: from the dead node's last recording to the first new segment */
    gap_sql = g_strdup_printf ("SELECT (extract (epoch FROM start_at) * 1e6)::bigint,"
                               " (extract (epoch FROM end_at) * 1e6)::bigint, detail FROM gaps"
                               " WHERE camera_id = '%s' AND cause = 'node_failover'", id);
    for (int t = 0; t < 20; t++) {
      g_clear_pointer (&gap, PQclear);
      gap = query (c, gap_sql);
      if (PQntuples (gap) == 1 && !PQgetisnull (gap, 0, 1))
        break;
      g_usleep (G_USEC_PER_SEC / 2);
    }
    g_assert_cmpint (PQntuples (gap), ==, 1);
    g_test_message ("  gap: %s", PQgetvalue (gap, 0, 2));
    g_assert_nonnull (strstr (PQgetvalue (gap, 0, 2), "yard-c"));
    /* it starts when yard-c was last seen (a lease tick, every lease / 4),
     * not before the segment it left open */
    g_test_message ("  gap from %.1f s before the kill, %.1f s into the open segment",
                    (killed_at - rvi_db_int64 (gap, 0, 0)) / 1e6,
                    (rvi_db_int64 (gap, 0, 0) - last_end) / 1e6);
    g_assert_cmpint (rvi_db_int64 (gap, 0, 0), >=, last_end - 100000);
    g_assert_cmpint (rvi_db_int64 (gap, 0, 0), <=, killed_at + 100000);
    g_assert_cmpint (killed_at - rvi_db_int64 (gap, 0, 0), <=,
                     LEASE_S * G_USEC_PER_SEC / 4 + G_USEC_PER_SEC);
    g_assert_cmpint (ABS (rvi_db_int64 (gap, 0, 1) - first), <=, G_USEC_PER_SEC);
    check_interrupted (id);
    if (i == 0)
      check_interrupted_export (c, id);
    failed_over[i] = g_strdup (id);
  }
  /* the dead node's recordings cannot be had meanwhile, and the answer says whose they are */
  {
    g_autoptr (PGresult) seg = query (c, "SELECT camera_id::text, id FROM segments"
                                         " WHERE node = 'yard-c' AND status = 'closed' LIMIT 1");
    g_autofree char *path = g_strdup_printf ("/api/cameras/%s/recording.mp4?segment=%s",
                                             PQgetvalue (seg, 0, 0), PQgetvalue (seg, 0, 1));
    g_autoptr (TestResponse) r = nodes_fixture_api (nf.audit_token, 0, "GET", path, NULL);

    g_assert_cmpuint (r->status, ==, 503);
    g_assert_cmpstr (test_error_code (r), ==, "node_unavailable");
    g_assert_nonnull (strstr (r->body, "yard-c"));
  }
}

/* Segments of one camera from two nodes overlap by less than a lease. */
static void
test_no_double_recording (void)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autoptr (PGresult) res = query (c,
      "SELECT a.camera_id::text, max (extract (epoch FROM least (a.end_at, b.end_at)"
      "  - greatest (a.start_at, b.start_at)))"
      " FROM segments a JOIN segments b ON b.camera_id = a.camera_id AND b.node <> a.node"
      "  AND b.start_at < a.end_at AND a.start_at < b.end_at"
      " WHERE a.status = 'closed' AND b.status = 'closed' GROUP BY 1");

  for (int r = 0; r < PQntuples (res); r++) {
    double overlap = g_ascii_strtod (PQgetvalue (res, r, 1), NULL);

    g_test_message ("camera %s: recorded by two nodes for %.3f s", PQgetvalue (res, r, 0),
                    overlap);
    g_assert_cmpfloat (overlap, <, LEASE_S);
  }
}

static void
test_rejoin (void)
{
  static const int two_each[N_NODES] = { 2, 2, 2 };
  g_autoptr (PGconn) c = NULL;
  g_autoptr (PGresult) open = NULL;
  g_autoptr (PGresult) handed = NULL;

  c = nodes_fixture_db ();
  /* yard-c may have been seen last after its last complete fragment; put
   * the failover gaps' starts early in the segments it left open, as a
   * node seen last early in its segment would, so its repair must move them */
  for (guint i = 0; i < G_N_ELEMENTS (failed_over); i++) {
    g_autofree char *sql = g_strdup_printf (
        "UPDATE gaps g SET start_at = s.start_at + interval '100 milliseconds' FROM segments s"
        " WHERE g.camera_id = '%s' AND g.cause = 'node_failover' AND g.detail LIKE"
        " '%%stopped renewing%%' AND s.camera_id = g.camera_id AND s.node = 'yard-c'"
        " AND s.status = 'open' RETURNING g.id", failed_over[i]);
    g_autoptr (PGresult) res = query (c, sql);

    g_assert_cmpint (PQntuples (res), ==, 1);
  }
  nodes_fixture_start_node (2);
  wait_holdings (two_each, 60);
  open = query (c, "SELECT count (*) FROM segments WHERE node = 'yard-c' AND status = 'open'"
                   " AND start_at < now () - interval '30 seconds'");
  g_assert_cmpstr (PQgetvalue (open, 0, 0), ==, "0");   /* repaired at the restart */
  handed = query (c, "SELECT count (*) FROM gaps WHERE cause = 'node_failover'"
                     " AND detail LIKE '%handed the camera over to node yard-c%'");
  g_assert_cmpstr (PQgetvalue (handed, 0, 0), ==, "2");
  /* the segments yard-c closed at its return: the failover gaps now start
   * where they end, so no gap claims what was recorded */
  for (guint i = 0; i < G_N_ELEMENTS (failed_over); i++) {
    g_autofree char *sql = g_strdup_printf (
        "SELECT g.start_at = least (s.end_at, g.end_at),"
        " to_char (s.end_at AT TIME ZONE 'UTC', " UTC_US "),"
        " to_char (g.start_at AT TIME ZONE 'UTC', " UTC_US "), s.repaired"
        " FROM gaps g, LATERAL (SELECT * FROM segments WHERE camera_id = g.camera_id"
        "  AND node = 'yard-c' AND start_at < g.end_at ORDER BY start_at DESC LIMIT 1) s"
        " WHERE g.camera_id = '%s' AND g.cause = 'node_failover' AND g.detail LIKE"
        " '%%stopped renewing%%'", failed_over[i]);
    g_autoptr (PGresult) res = query (c, sql);

    g_assert_cmpint (PQntuples (res), ==, 1);
    g_test_message ("camera %s: yard-c's last segment, closed at its return (repaired: %s),"
                    " ends %s; the failover gap starts %s", failed_over[i], PQgetvalue (res, 0, 3),
                    PQgetvalue (res, 0, 1), PQgetvalue (res, 0, 2));
    g_assert_cmpstr (PQgetvalue (res, 0, 0), ==, "t");
  }
}

/* A camera pinned to yard-b moves there; yard-b, now over its share,
 * hands another camera over, and every node has two again. */
static void
test_pinning (void)
{
  static const int two_each[N_NODES] = { 2, 2, 2 };
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autoptr (PGresult) on_a = query (c, "SELECT camera_id::text FROM camera_leases"
                                        " WHERE node = 'yard-a' AND NOT released LIMIT 1");
  g_autofree char *path = NULL;
  g_autofree char *sql = NULL;
  g_autoptr (TestResponse) r = NULL;

  g_assert_cmpint (PQntuples (on_a), ==, 1);
  pinned = g_strdup (PQgetvalue (on_a, 0, 0));
  path = g_strdup_printf ("/api/cameras/%s", pinned);
  r = api (1, "PATCH", path, "{\"pinned_nodes\": [\"yard-b\"]}");
  g_assert_cmpuint (r->status, ==, 200);
  sql = g_strdup_printf ("SELECT count (*) FROM camera_leases l JOIN segments s"
                         " ON s.camera_id = l.camera_id AND s.status = 'open' AND s.node = 'yard-b'"
                         " WHERE l.camera_id = '%s' AND l.node = 'yard-b' AND NOT l.released",
                         PQgetvalue (on_a, 0, 0));
  for (int t = 0;; t++) {
    g_autoptr (PGresult) there = query (c, sql);

    if (g_str_equal (PQgetvalue (there, 0, 0), "1"))
      break;
    if (t > 2 * 20)
      g_error ("the camera pinned to yard-b is not recorded there after 20 s");
    g_usleep (G_USEC_PER_SEC / 2);
  }
  wait_holdings (two_each, 40);
}

/* Video packets ffprobe reads from @input (a file, or a URL of node
 * @node with the token); -1 on any error. */
static gint64
probe_packets (const char *input, int node)
{
  g_autofree char *out = NULL;
  g_autofree char *headers = g_strdup_printf ("Authorization: Bearer %s\r\n", nf.audit_token);
  g_autofree char *url = node >= 0 ? g_strdup_printf ("%s%s", nf.urls[node], input + 1) : NULL;
  const char *file_argv[] = { "ffprobe", "-v", "error", "-count_packets", "-select_streams", "v",
                              "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", input,
                              NULL };
  const char *http_argv[] = { "ffprobe", "-v", "error", "-headers", headers, "-count_packets",
                              "-select_streams", "v", "-show_entries", "stream=nb_read_packets",
                              "-of", "csv=p=0", url, NULL };

  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) (node >= 0 ? http_argv : file_argv), NULL,
                     G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL)) {
    g_test_message ("ffprobe %s: %s", node >= 0 ? url : input, err ? err : "");
    return -1;
  }
  return g_ascii_strtoll (out, NULL, 10);
}

/* A camera recorded by two nodes replays through the third: one segment
 * file, and a playlist over all of them, read by ffprobe through yard-c
 * give every packet of the files on the other nodes' disks. */
static void
test_replay_through_any_node (void)
{
  g_autoptr (PGconn) c = nodes_fixture_db ();
  g_autofree char *sql = NULL;
  g_autoptr (PGresult) segs = NULL;
  g_autofree char *one = NULL, *playlist = NULL;
  gint64 files = 0, first = -1, nodes_seen = 0;
  const char *id = pinned;   /* recorded by yard-a, then by yard-b */

  g_assert_nonnull (id);
  sql = g_strdup_printf ("SELECT count (*) FROM segments WHERE camera_id = '%s'"
                         " AND node = 'yard-b' AND status = 'closed'", id);
  for (int t = 0;; t++) {   /* a segment closed since it moved */
    g_autoptr (PGresult) n = query (c, sql);

    if (!g_str_equal (PQgetvalue (n, 0, 0), "0"))
      break;
    g_assert_cmpint (t, <, 4 * 3 * SEGMENT_S);
    g_usleep (G_USEC_PER_SEC / 4);
  }
  g_free (sql);
  sql = g_strdup_printf ("SELECT id, node, path,"
                         " to_char (start_at AT TIME ZONE 'UTC', " UTC_US "),"
                         " to_char (end_at AT TIME ZONE 'UTC', " UTC_US ")"
                         " FROM segments WHERE camera_id = '%s' AND status = 'closed'"
                         " ORDER BY start_at", id);
  segs = query (c, sql);
  g_assert_cmpint (PQntuples (segs), >=, 2);
  for (int r = 0; r < PQntuples (segs); r++) {
    g_autofree char *file = g_strdup_printf ("%s/%s/media/%s", nf.tmpdir, PQgetvalue (segs, r, 1),
                                             PQgetvalue (segs, r, 2));
    gint64 n = probe_packets (file, -1);

    g_assert_cmpint (n, >, 0);
    files += n;
    if (first < 0)
      first = n;
    if (r == 0 || !g_str_equal (PQgetvalue (segs, r, 1), PQgetvalue (segs, r - 1, 1)))
      nodes_seen++;
  }
  /* one file, whole, through a node that does not hold it */
  one = g_strdup_printf ("/api/cameras/%s/recording.mp4?segment=%s", id, PQgetvalue (segs, 0, 0));
  g_assert_cmpint (probe_packets (one, 2), ==, first);
  /* the playlist of the range they cover, through the same node */
  playlist = g_strdup_printf ("/api/cameras/%s/replay.m3u8?from=%s&to=%s", id,
                              PQgetvalue (segs, 0, 3), PQgetvalue (segs, PQntuples (segs) - 1, 4));
  g_test_message ("%d segments, %" G_GINT64_FORMAT " runs of one node: %" G_GINT64_FORMAT
                  " packets", PQntuples (segs), nodes_seen, files);
  g_assert_cmpint (nodes_seen, >=, 2);
  g_assert_cmpint (probe_packets (playlist, 2), ==, files);
}

/* Seconds of gap of camera @id inside [@from_us, @to_us]. */
static double
gap_seconds (PGconn *c, const char *id, gint64 from_us, gint64 to_us)
{
  g_autofree char *sql = g_strdup_printf (
      "SELECT coalesce (sum (extract (epoch FROM least (coalesce (end_at, now ()), rvi_us (%"
      G_GINT64_FORMAT ")) - greatest (start_at, rvi_us (%" G_GINT64_FORMAT ")))), 0)"
      " FROM gaps WHERE camera_id = '%s' AND start_at < rvi_us (%" G_GINT64_FORMAT ")"
      " AND coalesce (end_at, now ()) > rvi_us (%" G_GINT64_FORMAT ")",
      to_us, from_us, id, to_us, from_us);
  g_autoptr (PGresult) res = query (c, sql);

  return g_ascii_strtod (PQgetvalue (res, 0, 0), NULL);
}

/* Each node stopped (SIGTERM) and started again in turn, each time once
 * the cameras are spread again: every camera loses at most one lease of
 * recording over the whole round. */
static void
test_rolling_restart (void)
{
  static const int two_each[N_NODES] = { 2, 2, 2 };
  g_autoptr (PGconn) c = nodes_fixture_db ();
  gint64 from = g_get_real_time (), to;

  for (int i = 0; i < N_NODES; i++) {
    rvi_test_kill (nf.nodes[i], SIGTERM);
    g_clear_object (&nf.nodes[i]);
    nodes_fixture_start_node (i);
    wait_holdings (two_each, 60);
  }
  g_usleep (2 * SEGMENT_S * G_USEC_PER_SEC);  /* every hole closed by a segment */
  to = g_get_real_time ();
  for (int k = 0; k < N_CAMERAS; k++) {
    double lost = gap_seconds (c, cams[k], from, to);

    g_test_message ("camera %s: %.1f s without recording over the %.0f s of the round", cams[k],
                    lost, (to - from) / 1e6);
    g_assert_cmpfloat (lost, <=, LEASE_S);
  }
}

/* The relative paths of the files under @dir (recursively) into @set. */
static void
list_files (const char *dir, const char *rel, GHashTable *set)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d))) {
    g_autofree char *full = g_build_filename (dir, name, NULL);
    g_autofree char *sub = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);

    if (g_file_test (full, G_FILE_TEST_IS_DIR))
      list_files (full, sub, set);
    else if (g_str_has_suffix (name, ".mp4"))
      g_hash_table_add (set, g_steal_pointer (&sub));
  }
}

/* PostgreSQL stopped for 8 s while the three nodes record, then started:
 * afterwards every segment file of every node has its row, and every row
 * its file. */
static void
test_database_restart (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *pg_dir = g_build_filename (nf.tmpdir, "db", NULL);

  rvi_embedded_pg_stop (nf.pg);
  g_usleep (8 * G_USEC_PER_SEC);
  nf.pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  g_usleep ((SEGMENT_S + 8) * G_USEC_PER_SEC);   /* queued rows written, a segment or two more */

  for (int i = 0; i < N_NODES; i++) {
    g_autoptr (PGconn) c = nodes_fixture_db ();
    g_autoptr (GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *media = g_strdup_printf ("%s/%s/media", nf.tmpdir, node_name (i));
    g_autofree char *sql = g_strdup_printf ("SELECT path FROM segments WHERE node = '%s'"
                                            " AND status <> 'deleting'", node_name (i));
    g_autoptr (PGresult) rows = NULL;
    guint matched = 0;

    list_files (media, NULL, files);
    rows = query (c, sql);
    for (int r = 0; r < PQntuples (rows); r++) {
      if (!g_hash_table_contains (files, PQgetvalue (rows, r, 0)))
        g_error ("node %s: a row without its file: %s", node_name (i), PQgetvalue (rows, r, 0));
      matched++;
    }
    g_test_message ("node %s: %u files, %d rows", node_name (i), g_hash_table_size (files),
                    PQntuples (rows));
    if (matched != g_hash_table_size (files)) {
      GHashTableIter it;
      gpointer path;

      g_hash_table_iter_init (&it, files);
      while (g_hash_table_iter_next (&it, &path, NULL)) {
        gboolean found = FALSE;

        for (int r = 0; !found && r < PQntuples (rows); r++)
          found = g_str_equal (PQgetvalue (rows, r, 0), path);
        if (!found)
          g_error ("node %s: a file without its row: %s", node_name (i), (char *) path);
      }
    }
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rvi_test_watchdog (400);
  nodes_fixture_start ("rvi-test-nodes", N_NODES, LEASE_S, NULL);
  g_test_add_func ("/nodes/spread", test_spread);
  g_test_add_func ("/nodes/failover", test_failover);
  g_test_add_func ("/nodes/no-double-recording", test_no_double_recording);
  g_test_add_func ("/nodes/rejoin", test_rejoin);
  g_test_add_func ("/nodes/pinning", test_pinning);
  g_test_add_func ("/nodes/replay-through-any-node", test_replay_through_any_node);
  g_test_add_func ("/nodes/rolling-restart", test_rolling_restart);
  g_test_add_func ("/nodes/database-restart", test_database_restart);
  status = g_test_run ();
  nodes_fixture_stop (status);
  for (int i = 0; i < N_CAMERAS; i++)
    g_free (cams[i]);
  g_free (pinned);
  g_free (failed_over[0]);
  g_free (failed_over[1]);
  return status;
}
