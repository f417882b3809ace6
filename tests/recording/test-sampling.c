/* test-sampling: key-frame samples and tamper alerts end to end. A camsim
 * camera over real RTSP, recorded by an in-process server: sample rows at
 * the camera's key frames with stills the API serves (and refuses when the
 * file was changed), the timeline's samples and alerts, and each tamper
 * scene switched on at run time raising its alert, which clears when the
 * scene is normal again; a normal scene, and the night scene (infrared),
 * raise nothing; an operator accepting a new view clears a moved alert
 * and makes the old view the move. */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>
#include <string.h>

#include "api-fixture.h"
#include "camera-fixture.h"
#include "rvi-test.h"

enum { OPERATOR, INSPECTOR, N_USERS };

static ApiFixture *fx;
static GSubprocess *camsim;
static char *camera;

static gint64
count (const char *sql)
{
  return api_fixture_count (fx, sql, camera, NULL);
}

/* Waits up to @seconds for @sql (a count over $1 = camera) to reach @n. */
static gboolean
wait_count (const char *sql, gint64 n, int seconds)
{
  for (int i = 0; i < seconds * 4; i++) {
    if (count (sql) >= n)
      return TRUE;
    g_usleep (250000);
  }
  return FALSE;
}

/* The camera's timeline over the last 10 minutes. */
static char *
timeline_path (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add_minutes (now, -10);
  g_autofree char *from = g_date_time_format_iso8601 (then);
  g_autofree char *escaped = g_uri_escape_string (from, NULL, FALSE);

  return g_strdup_printf ("/api/cameras/%s/timeline?from=%s", camera, escaped);
}

#define OPEN_ALERT "SELECT count(*) FROM camera_alerts WHERE camera_id = $1::uuid" \
                   " AND ended_at IS NULL AND kind = "
#define ENDED_ALERT "SELECT count(*) FROM camera_alerts WHERE camera_id = $1::uuid" \
                    " AND ended_at IS NOT NULL AND kind = "

static void
test_samples (void)
{
  g_autoptr (TestClient) op = api_fixture_client (fx, OPERATOR);
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autofree char *path = NULL;
  g_autoptr (TestResponse) timeline = NULL;
  g_autoptr (TestResponse) still = NULL;
  g_autoptr (TestResponse) tampered = NULL;
  g_autoptr (TestResponse) missing = NULL;
  g_autofree char *id = NULL;
  g_autofree char *file = NULL;
  JsonArray *samples;
  JsonObject *first, *metrics;

  /* camsim sends a key frame every 2 s; the interval is 1 s: one sample per key frame */
  g_assert_true (wait_count ("SELECT count(*) FROM frame_samples WHERE camera_id = $1::uuid",
                             4, 30));
  {
    g_autofree char *gaps = api_fixture_value (fx, "SELECT string_agg (extract (epoch FROM d)::text, ' ')"
                                               " FROM (SELECT at - lag (at) OVER (ORDER BY at) AS d"
                                               " FROM frame_samples WHERE camera_id = $1::uuid) x",
                                               camera, NULL);
    g_test_message ("sample spacing: %s", gaps);
  }
  /* never closer than the interval; after the first (camsim may send an
   * extra key frame when a client starts playing), one per key frame */
  g_assert_cmpint (count ("SELECT count(*) FROM (SELECT at - lag (at) OVER (ORDER BY at) AS d,"
                          " row_number () OVER (ORDER BY at) AS n"
                          " FROM frame_samples WHERE camera_id = $1::uuid) x"
                          " WHERE d < interval '1 s' OR (n > 2 AND d > interval '2.5 s')"), ==, 0);

  /* over the last minutes every sample is its own slice (thinning keeps
   * one per range / max_samples) */
  path = timeline_path ();
  timeline = test_request (insp, "GET", path, NULL, NULL);
  api_fixture_check (timeline, 200, NULL, NULL);
  samples = json_object_get_array_member (json_node_get_object (timeline->json), "samples");
  g_assert_cmpuint (json_array_get_length (samples), >=, 4);
  {
    /* thinned: at most max_samples, one per equal slice of the range */
    g_autofree char *thin = g_strconcat (path, "&max_samples=2", NULL);
    g_autofree char *bad = g_strconcat (path, "&max_samples=0", NULL);
    g_autoptr (TestResponse) r2 = test_request (insp, "GET", thin, NULL, NULL);
    g_autoptr (TestResponse) r0 = test_request (insp, "GET", bad, NULL, NULL);

    api_fixture_check (r2, 200, NULL, NULL);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                          json_node_get_object (r2->json), "samples")), <=, 2);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                          json_node_get_object (r2->json), "samples")), >=, 1);
    api_fixture_check (r0, 400, "invalid_input", "max_samples");
  }
  first = json_array_get_object_element (samples, 0);
  metrics = json_object_get_object_member (first, "metrics");
  g_assert_cmpfloat (json_object_get_double_member (metrics, "luma"), >, 60);
  g_assert_cmpfloat (json_object_get_double_member (metrics, "contrast"), >, 15);
  g_assert_cmpfloat (json_object_get_double_member (metrics, "sharpness"), >, 0.1);
  g_assert_true (json_object_get_null_member (metrics, "difference"));
  g_assert_cmpint (json_object_get_int_member (first, "width"), ==, 640);

  /* the still: a JPEG an operator may fetch */
  still = test_request (op, "GET", json_object_get_string_member (first, "url"), NULL, NULL);
  api_fixture_check (still, 200, NULL, NULL);
  g_assert_cmpstr (soup_message_headers_get_content_type (still->headers, NULL), ==,
                   "image/jpeg");
  g_assert_cmpuint ((guint8) still->body[0], ==, 0xff);
  g_assert_cmpuint ((guint8) still->body[1], ==, 0xd8);
  g_assert_nonnull (strstr (soup_message_headers_get_one (still->headers, "Cache-Control"),
                            "immutable"));

  /* a still whose file changed is not served; an unknown one is a 404 */
  id = g_strdup (json_object_get_string_member (first, "id"));
  file = api_fixture_value (fx, "SELECT path FROM frame_samples WHERE id = $1::uuid", id, NULL);
  {
    g_autofree char *full = g_build_filename (fx->tmpdir, "media", file, NULL);
    g_autofree char *data = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (full, &data, &len, NULL));
    data[len / 2] ^= 0x40;
    g_assert_true (g_file_set_contents (full, data, (gssize) len, NULL));
  }
  tampered = test_request (op, "GET", json_object_get_string_member (first, "url"), NULL, NULL);
  api_fixture_check (tampered, 500, "internal_error", NULL);
  missing = test_request (op, "GET", "/api/frame-samples/00000000-0000-4000-8000-000000000000",
                          NULL, NULL);
  api_fixture_check (missing, 404, "not_found", NULL);
}

/* Switches to @scene, waits for its @kind alert, back to normal, waits
 * for it to clear; no other alert may open meanwhile. */
static void
scene_round (const char *scene, const char *kind)
{
  g_autofree char *open_sql = g_strdup_printf (OPEN_ALERT "'%s'", kind);
  g_autofree char *ended_sql = g_strdup_printf (ENDED_ALERT "'%s'", kind);
  g_autofree char *others = g_strdup_printf ("SELECT count(*) FROM camera_alerts"
                                             " WHERE camera_id = $1::uuid AND kind <> '%s'"
                                             " AND ended_at IS NULL", kind);
  gint64 ended = count (ended_sql);

  camera_fixture_camsim_scene (camsim, scene);
  g_assert_true (wait_count (open_sql, 1, 30));
  g_assert_cmpint (count (others), ==, 0);
  {
    /* the camera says so: its standing alerts and latest still */
    g_autoptr (TestClient) op = api_fixture_client (fx, OPERATOR);
    g_autofree char *path = g_strdup_printf ("/api/cameras/%s", camera);
    g_autoptr (TestResponse) r = test_request (op, "GET", path, NULL, NULL);
    JsonObject *cam;
    JsonArray *alerts;

    api_fixture_check (r, 200, NULL, NULL);
    cam = json_object_get_object_member (json_node_get_object (r->json), "camera");
    alerts = json_object_get_array_member (cam, "alerts");
    g_assert_cmpuint (json_array_get_length (alerts), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (alerts, 0),
                                                    "kind"), ==, kind);
    g_assert_true (g_str_has_prefix (json_object_get_string_member (
        json_object_get_object_member (cam, "latest_sample"), "url"), "/api/frame-samples/"));
  }
  camera_fixture_camsim_scene (camsim, "normal");
  g_assert_true (wait_count (ended_sql, ended + 1, 30));
  g_assert_cmpint (count (open_sql), ==, 0);
  g_assert_cmpint (count (others), ==, 0);
}

static void
test_alerts (void)
{
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autofree char *path = timeline_path ();
  g_autoptr (TestResponse) timeline = NULL;
  JsonArray *alerts;

  /* a normal scene: nothing, for a while; nor when night falls and the
   * camera switches to infrared (darker, monochrome, noisy) */
  g_usleep (20 * G_USEC_PER_SEC);
  g_assert_cmpint (count ("SELECT count(*) FROM camera_alerts WHERE camera_id = $1::uuid"), ==, 0);
  camera_fixture_camsim_scene (camsim, "night");
  g_usleep (14 * G_USEC_PER_SEC);
  g_assert_cmpint (count ("SELECT count(*) FROM camera_alerts WHERE camera_id = $1::uuid"), ==, 0);
  g_assert_true (wait_count ("SELECT count(*) FROM frame_samples WHERE camera_id = $1::uuid"
                             " AND luma < 80", 5, 5));
  camera_fixture_camsim_scene (camsim, "normal");

  scene_round ("covered", "covered");
  scene_round ("defocused", "defocused");
  scene_round ("moved", "moved");
  scene_round ("frozen", "frozen");

  timeline = test_request (insp, "GET", path, NULL, NULL);
  api_fixture_check (timeline, 200, NULL, NULL);
  alerts = json_object_get_array_member (json_node_get_object (timeline->json), "alerts");
  g_assert_cmpuint (json_array_get_length (alerts), ==, 4);
  for (guint i = 0; i < 4; i++) {
    JsonObject *a = json_array_get_object_element (alerts, i);
    static const char *const order[] = { "covered", "defocused", "moved", "frozen" };

    g_assert_cmpstr (json_object_get_string_member (a, "kind"), ==, order[i]);
    g_assert_cmpstr (json_object_get_string_member (a, "start"), <,
                     json_object_get_string_member (a, "end"));
  }
  {
    /* every key frame taken was sampled: none failed (a first key frame of
     * a file once reached the sampler without its parameter sets) */
    g_autoptr (TestResponse) m = test_request (insp, "GET", "/metrics", NULL, NULL);
    api_fixture_check (m, 200, NULL, NULL);
    g_assert_nonnull (strstr (m->body, "\nrvi_samples_failed_total 0\n"));
    g_assert_null (strstr (m->body, "\nrvi_samples_written_total 0\n"));
  }
  /* each raise and clear is an audit event */
  g_assert_cmpint (count ("SELECT count(*) FROM audit_events WHERE target_id = $1::text"
                          " AND action IN ('camera_alert_raised', 'camera_alert_cleared')"), ==, 8);
}

static TestResponse *
accept_view (guint user, const char *reason)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, user);
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s/accept-view", camera);
  g_autofree char *body = g_strdup_printf ("{\"reason\": \"%s\"}", reason);

  return test_request (c, "POST", path, body, NULL);
}

/* The camera is re-aimed on purpose: the operator accepts the new view,
 * the moved alert clears while the scene stays moved, and the old view is
 * a move from then on. */
static void
test_accept_view (void)
{
  g_autofree char *open_sql = g_strdup_printf (OPEN_ALERT "'moved'");
  g_autofree char *ended_sql = g_strdup_printf (ENDED_ALERT "'moved'");
  gint64 ended = count (ended_sql);
  g_autoptr (TestResponse) refused = accept_view (INSPECTOR, "looks fine");
  g_autoptr (TestResponse) empty = accept_view (OPERATOR, "  ");
  g_autoptr (TestResponse) accepted = NULL;
  g_autoptr (TestResponse) back = NULL;
  JsonArray *open;

  api_fixture_check (refused, 403, NULL, NULL);
  api_fixture_check (empty, 400, NULL, "reason");
  camera_fixture_camsim_scene (camsim, "moved");
  g_assert_true (wait_count (open_sql, 1, 30));
  accepted = accept_view (OPERATOR, "re-aimed at track 4 for the new siding");
  api_fixture_check (accepted, 202, NULL, NULL);
  open = json_object_get_array_member (json_node_get_object (accepted->json), "open_alerts");
  g_assert_cmpuint (json_array_get_length (open), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (open, 0), ==, "moved");
  g_assert_true (wait_count (ended_sql, ended + 1, 10));
  /* the new view is learnt (3 samples) and judged for a while: no alert */
  g_usleep (14 * G_USEC_PER_SEC);
  g_assert_cmpint (count (open_sql), ==, 0);
  /* going back to the old view is a move now; accepted again */
  camera_fixture_camsim_scene (camsim, "normal");
  g_assert_true (wait_count (open_sql, 1, 30));
  back = accept_view (OPERATOR, "back to the original aim");
  api_fixture_check (back, 202, NULL, NULL);
  g_assert_true (wait_count (ended_sql, ended + 2, 10));
  g_assert_cmpint (count ("SELECT count(*) FROM audit_events WHERE target_id = $1::text"
                          " AND action = 'camera_view_accepted'"
                          " AND detail->>'reason' LIKE 're-aimed%'"), ==, 1);
  g_assert_cmpint (count ("SELECT count(*) FROM audit_events WHERE target_id = $1::text"
                          " AND action = 'camera_view_accepted'"), ==, 2);
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "op", "operator" }, { "insp", "inspector" },
  };
  g_autofree char *url = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* the test provokes warnings (a damaged still); only criticals are fatal */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (api_fixture_log_to_stderr, NULL, NULL);
  rvi_test_watchdog (300);
  url = camera_fixture_camsim_scripted (&camsim);
  fx = api_fixture_new ("rvi-test-sampling");
  fx->config.recording = TRUE;
  fx->config.sample_interval_ms = 1000;
  fx->config.tamper.raise_after = 2;
  fx->config.tamper.clear_after = 2;
  fx->config.tamper.baseline_samples = 3;
  api_fixture_start (fx, users, N_USERS);
  camera = camera_fixture_add (fx, OPERATOR, "yard 1", url, NULL);

  g_test_add_func ("/sampling/samples", test_samples);
  g_test_add_func ("/sampling/alerts", test_alerts);
  g_test_add_func ("/sampling/accept-view", test_accept_view);
  status = g_test_run ();

  api_fixture_free (fx);
  camera_fixture_camsim_stop (camsim);
  g_free (camera);
  return status;
}
