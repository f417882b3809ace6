/* test-metrics: /metrics per camera and per node, end to end. A camsim
 * camera (10 fps) recorded in 5 s segments by an in-process server whose
 * /metrics must be well-formed (each family declared once, its samples
 * together and in sorted order, no series twice) and say: the camera is up
 * and streaming at about camsim's frame rate with a bitrate; frames, bytes
 * and segments written grow between scrapes; the node holds one lease and
 * sees free disk; the camera's name comes escaped. A second camera reads
 * the same camsim over UDP (GStreamer's path: bytes counted on filesink's
 * pad) and shows the same figures. Tamper alerts: a
 * covered lens opens the covered alert and counts a raise, and it closes.
 * Then camsim stops: the camera goes down (up 0, no frames), reconnects
 * count, and seconds without recording grow under the gap's cause, the
 * cause the gap rows carry. A new camsim and the camera's new URL: up
 * again, the gap seconds stop growing and agree with the gap rows. */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>
#include <string.h>

#include "api-fixture.h"
#include "camera-fixture.h"
#include "rvi-test.h"

enum { OPERATOR, N_USERS };

/* JSON for a name with a double quote, a backslash and a line feed, and
 * the label value /metrics must show for it */
#define CAMERA_NAME_JSON "yard \\\"7\\\" \\\\ north\\nside"
#define CAMERA_NAME_LABEL "yard \\\"7\\\" \\\\ north\\nside"

static ApiFixture *fx;
static GSubprocess *camsim;
static char *camera;       /* native path (RTSP over TCP) */
static char *camera_udp;   /* the same camsim camera over UDP: GStreamer's path */

/* TRUE when @name is @family or one of a histogram's series of it. */
static gboolean
in_family (const char *name, const char *family)
{
  gsize n = strlen (family);

  if (strncmp (name, family, n) != 0)
    return FALSE;
  return name[n] == '\0' || g_str_equal (name + n, "_bucket") || g_str_equal (name + n, "_sum")
         || g_str_equal (name + n, "_count");
}

/* Scrapes /metrics and checks its form: HELP then TYPE once per family,
 * each sample in the family declared last, no series twice, and in the
 * node's and cameras' families the series sorted. Returns "name{labels}"
 * -> double * (transfer full). */
static GHashTable *
scrape (void)
{
  g_autoptr (TestClient) op = api_fixture_client (fx, OPERATOR);
  g_autoptr (TestResponse) r = test_request (op, "GET", "/metrics", NULL, NULL);
  g_autoptr (GHashTable) families = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) lines = NULL;
  g_autofree char *family = NULL;
  g_autofree char *help = NULL;
  g_autofree char *last_key = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  lines = g_strsplit (r->body, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    const char *line = lines[i];

    if (*line == '\0')
      continue;
    if (g_str_has_prefix (line, "# HELP ")) {
      g_free (help);
      help = g_strndup (line + 7, strcspn (line + 7, " "));
    } else if (g_str_has_prefix (line, "# TYPE ")) {
      g_auto (GStrv) f = g_strsplit (line + 7, " ", 2);

      g_assert_cmpstr (f[0], ==, help);   /* HELP right before */
      g_assert_true (g_strv_contains ((const char *const[]) { "counter", "gauge", "histogram",
                                                              NULL }, f[1]));
      if (!g_hash_table_add (families, g_strdup (f[0])))
        g_error ("family %s declared twice", f[0]);
      g_free (family);
      family = g_strdup (f[0]);
      g_clear_pointer (&last_key, g_free);
    } else {
      const char *space = strrchr (line, ' ');
      g_autofree char *key = NULL;
      g_autofree char *name = NULL;
      double *v = g_new (double, 1);
      char *end = NULL;

      g_assert_nonnull (space);
      key = g_strndup (line, (gsize) (space - line));
      name = g_strndup (line, strcspn (line, "{ "));
      *v = g_ascii_strtod (space + 1, &end);
      g_assert_true (end != space + 1 && *end == '\0');
      if (!family || !in_family (name, family))
        g_error ("sample %s outside its family (%s)", key, family ? family : "none");
      if ((g_str_has_prefix (family, "rvi_camera_") || g_str_has_prefix (family, "rvi_node_"))
          && last_key && strcmp (last_key, key) >= 0)
        g_error ("%s comes after %s", key, last_key);
      g_free (last_key);
      last_key = g_strdup (key);
      if (!g_hash_table_insert (values, g_steal_pointer (&key), v))
        g_error ("series %s twice", line);
    }
  }
  return values;
}

/* NAME{camera="ID"} or NAME{camera="ID",LABELS} (transfer full) */
static char *
cam_key_of (const char *id, const char *name, const char *labels)
{
  return g_strdup_printf ("%s{camera=\"%s\"%s%s}", name, id, labels ? "," : "",
                          labels ? labels : "");
}

static char *
cam_key (const char *name, const char *labels)
{
  return cam_key_of (camera, name, labels);
}

/* The value of @name for the camera (with @labels, may be NULL); fails the
 * test when @m does not have it. */
static double
cam_of (GHashTable *m, const char *id, const char *name, const char *labels)
{
  g_autofree char *key = cam_key_of (id, name, labels);
  double *v = g_hash_table_lookup (m, key);

  if (!v)
    g_error ("/metrics has no %s", key);
  return *v;
}

static double
cam (GHashTable *m, const char *name, const char *labels)
{
  return cam_of (m, camera, name, labels);
}

static gboolean
cam_has (GHashTable *m, const char *id, const char *name, const char *labels)
{
  g_autofree char *key = cam_key_of (id, name, labels);

  return g_hash_table_contains (m, key);
}

static double
node (GHashTable *m, const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s{node=\"%s\"}", name, fx->config.node);
  double *v = g_hash_table_lookup (m, key);

  if (!v)
    g_error ("/metrics has no %s", key);
  return *v;
}

/* Scrapes every 250 ms for up to @seconds until camera @id's @name (with
 * @labels) is at least @min (or, with @at_most, at most @min); returns the
 * last scrape (transfer full). Fails the test when it never is. */
static GHashTable *
wait_value_of (const char *id, const char *name, const char *labels, double min,
               gboolean at_most, guint seconds)
{
  for (guint i = 0;; i++) {
    GHashTable *m = scrape ();

    if (cam_has (m, id, name, labels)) {
      double v = cam_of (m, id, name, labels);

      if (at_most ? v <= min : v >= min)
        return m;
      if (i >= seconds * 4)
        g_error ("%s{%s} is %g after %u s", name, labels ? labels : "", v, seconds);
    } else if (i >= seconds * 4) {
      g_error ("%s{%s} missing after %u s", name, labels ? labels : "", seconds);
    }
    g_hash_table_unref (m);
    g_usleep (G_USEC_PER_SEC / 4);
  }
}

static GHashTable *
wait_value (const char *name, const char *labels, double min, gboolean at_most, guint seconds)
{
  return wait_value_of (camera, name, labels, min, at_most, seconds);
}

static void
test_recording (void)
{
  g_autoptr (GHashTable) a = wait_value ("rvi_camera_segments_written_total", NULL, 2, FALSE, 60);
  g_autoptr (GHashTable) b = NULL;
  g_autofree char *info = g_strdup_printf ("name=\"%s\"", CAMERA_NAME_LABEL);

  g_assert_cmpfloat (cam (a, "rvi_camera_info", info), ==, 1);
  g_assert_cmpfloat (cam (a, "rvi_camera_up", NULL), ==, 1);
  g_assert_cmpfloat (cam (a, "rvi_camera_state", "state=\"streaming\""), ==, 1);
  g_assert_cmpfloat (cam (a, "rvi_camera_state", "state=\"connecting\""), ==, 0);
  g_assert_cmpfloat (cam (a, "rvi_camera_state", "state=\"backing_off\""), ==, 0);
  /* camsim sends 10 frames a second */
  g_test_message ("fps %.2f, bitrate %.0f", cam (a, "rvi_camera_frames_per_second", NULL),
                  cam (a, "rvi_camera_bitrate_bits_per_second", NULL));
  g_assert_cmpfloat (cam (a, "rvi_camera_frames_per_second", NULL), >=, 8);
  g_assert_cmpfloat (cam (a, "rvi_camera_frames_per_second", NULL), <=, 12);
  g_assert_cmpfloat (cam (a, "rvi_camera_bitrate_bits_per_second", NULL), >, 10000);
  g_assert_cmpfloat (cam (a, "rvi_camera_frames_total", NULL), >=, 50);
  g_assert_cmpfloat (cam (a, "rvi_camera_received_bytes_total", NULL), >, 0);
  /* the segments closed so far are on disk, and their bytes were counted */
  g_assert_cmpfloat (cam (a, "rvi_camera_written_bytes_total", NULL), >=,
                     (double) api_fixture_count (fx, "SELECT coalesce (sum (bytes), 0)"
                                                 " FROM segments WHERE camera_id = $1::uuid"
                                                 " AND status = 'closed'", camera, NULL));
  g_assert_cmpfloat (cam (a, "rvi_camera_reconnects_total", NULL), ==, 0);
  g_assert_cmpfloat (cam (a, "rvi_camera_tamper_alerts_open", "kind=\"covered\""), ==, 0);
  g_assert_cmpfloat (cam (a, "rvi_camera_tamper_alerts_raised_total", "kind=\"covered\""), ==, 0);
  g_assert_cmpfloat (node (a, "rvi_node_leases_held"), ==, 2);
  g_assert_cmpfloat (node (a, "rvi_node_disk_free_bytes"), >, 0);
  g_assert_cmpfloat (node (a, "rvi_node_disk_total_bytes"), >=,
                     node (a, "rvi_node_disk_free_bytes"));

  /* a segment later: more frames, bytes and segments */
  b = wait_value ("rvi_camera_segments_written_total", NULL,
                  cam (a, "rvi_camera_segments_written_total", NULL) + 1, FALSE, 15);
  g_assert_cmpfloat (cam (b, "rvi_camera_frames_total", NULL), >,
                     cam (a, "rvi_camera_frames_total", NULL));
  g_assert_cmpfloat (cam (b, "rvi_camera_written_bytes_total", NULL), >,
                     cam (a, "rvi_camera_written_bytes_total", NULL));
  g_assert_cmpfloat (cam (b, "rvi_camera_received_bytes_total", NULL), >,
                     cam (a, "rvi_camera_received_bytes_total", NULL));
}

/* The camera recorded through GStreamer (UDP): the same figures, its bytes
 * counted on filesink's pad. */
static void
test_recording_udp (void)
{
  g_autoptr (GHashTable) a = wait_value_of (camera_udp, "rvi_camera_segments_written_total", NULL,
                                            1, FALSE, 60);
  g_autoptr (GHashTable) b = NULL;

  g_assert_cmpfloat (cam_of (a, camera_udp, "rvi_camera_info", "name=\"yard udp\""), ==, 1);
  g_assert_cmpfloat (cam_of (a, camera_udp, "rvi_camera_up", NULL), ==, 1);
  g_assert_cmpfloat (cam_of (a, camera_udp, "rvi_camera_frames_per_second", NULL), >=, 8);
  g_assert_cmpfloat (cam_of (a, camera_udp, "rvi_camera_frames_per_second", NULL), <=, 12);
  g_assert_cmpfloat (cam_of (a, camera_udp, "rvi_camera_bitrate_bits_per_second", NULL), >, 10000);
  g_assert_cmpfloat (cam_of (a, camera_udp, "rvi_camera_written_bytes_total", NULL), >=,
                     (double) api_fixture_count (fx, "SELECT coalesce (sum (bytes), 0)"
                                                 " FROM segments WHERE camera_id = $1::uuid"
                                                 " AND status = 'closed'", camera_udp, NULL));
  g_usleep (2 * G_USEC_PER_SEC);   /* two fragments */
  b = scrape ();
  g_assert_cmpfloat (cam_of (b, camera_udp, "rvi_camera_written_bytes_total", NULL), >,
                     cam_of (a, camera_udp, "rvi_camera_written_bytes_total", NULL));
  g_assert_cmpfloat (cam_of (b, camera_udp, "rvi_camera_frames_total", NULL), >,
                     cam_of (a, camera_udp, "rvi_camera_frames_total", NULL));
}

static void
test_alerts (void)
{
  g_autoptr (GHashTable) m = NULL;

  camera_fixture_camsim_scene (camsim, "covered");
  m = wait_value ("rvi_camera_tamper_alerts_open", "kind=\"covered\"", 1, FALSE, 30);
  g_assert_cmpfloat (cam (m, "rvi_camera_tamper_alerts_raised_total", "kind=\"covered\""), ==, 1);
  g_assert_cmpfloat (cam (m, "rvi_camera_tamper_alerts_open", "kind=\"moved\""), ==, 0);
  camera_fixture_camsim_scene (camsim, "normal");
  g_clear_pointer (&m, g_hash_table_unref);
  m = wait_value ("rvi_camera_tamper_alerts_open", "kind=\"covered\"", 0, TRUE, 30);
  g_assert_cmpfloat (cam (m, "rvi_camera_tamper_alerts_raised_total", "kind=\"covered\""), ==, 1);
}

/* The causes with gap seconds for the camera in @m, and their sum. */
static double
gap_seconds (GHashTable *m, GPtrArray *causes)
{
  g_autofree char *prefix = cam_key ("rvi_camera_gap_seconds_total", "cause=\"");
  GHashTableIter it;
  gpointer key, value;
  double sum = 0;

  prefix[strlen (prefix) - 1] = '\0';   /* without the closing brace */
  g_hash_table_iter_init (&it, m);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    if (!g_str_has_prefix (key, prefix))
      continue;
    sum += *(double *) value;
    if (causes)
      g_ptr_array_add (causes, g_strndup ((char *) key + strlen (prefix),
                                          strlen (key) - strlen (prefix) - 2));
  }
  return sum;
}

static gint64
gap_rows (const char *cause)
{
  return api_fixture_count (fx, "SELECT count(*) FROM gaps WHERE camera_id = $1::uuid"
                            " AND cause = $2", camera, cause);
}

static void
test_outage (void)
{
  g_autoptr (GHashTable) before = scrape ();
  g_autoptr (GHashTable) down = NULL;
  g_autoptr (GHashTable) later = NULL;
  g_autoptr (GPtrArray) causes = g_ptr_array_new_with_free_func (g_free);
  double first;

  g_assert_cmpfloat (gap_seconds (before, NULL), ==, 0);   /* none before */
  camera_fixture_camsim_stop (g_steal_pointer (&camsim));
  down = wait_value ("rvi_camera_up", NULL, 0, TRUE, 30);
  g_clear_pointer (&down, g_hash_table_unref);
  down = wait_value ("rvi_camera_reconnects_total", NULL, 1, FALSE, 10);
  g_assert_cmpfloat (cam (down, "rvi_camera_state", "state=\"streaming\""), ==, 0);
  g_assert_cmpfloat (cam (down, "rvi_camera_frames_per_second", NULL), ==, 0);
  g_assert_cmpfloat (cam (down, "rvi_camera_bitrate_bits_per_second", NULL), ==, 0);
  g_assert_cmpfloat (node (down, "rvi_node_leases_held"), ==, 2);   /* still ours, only down */

  /* seconds without recording grow while the gap lasts, under its cause */
  first = gap_seconds (down, causes);
  g_assert_cmpuint (causes->len, >=, 1);
  for (guint i = 0; i < causes->len; i++) {
    g_test_message ("gap cause %s", (char *) causes->pdata[i]);
    g_assert_true (g_strv_contains ((const char *const[]) { "stream_ended", "unreachable",
                                                            "timeout", NULL },
                                    causes->pdata[i]));
    /* the gap rows say the same (once the index writer wrote them) */
    for (int t = 0; t < 40 && gap_rows (causes->pdata[i]) == 0; t++)
      g_usleep (G_USEC_PER_SEC / 4);
    g_assert_cmpint (gap_rows (causes->pdata[i]), >=, 1);
  }
  g_usleep (2 * G_USEC_PER_SEC);
  later = scrape ();
  g_test_message ("gap seconds %.3f, 2 s later %.3f", first, gap_seconds (later, NULL));
  g_assert_cmpfloat (gap_seconds (later, NULL), >=, first + 1.5);
  g_assert_cmpfloat (cam (later, "rvi_camera_up", NULL), ==, 0);
}

static gint64
open_gaps (void)
{
  return api_fixture_count (fx, "SELECT count(*) FROM gaps WHERE camera_id = $1::uuid"
                            " AND end_at IS NULL", camera, NULL);
}

static void
test_recovery (void)
{
  g_autofree char *url = camera_fixture_camsim_scripted (&camsim);
  g_autofree char *body = g_strdup_printf ("{\"url\": \"%s\"}", url);
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s", camera);
  g_autoptr (TestClient) op = api_fixture_client (fx, OPERATOR);
  g_autoptr (TestResponse) r = test_request (op, "PATCH", path, body, NULL);
  g_autoptr (GHashTable) up = NULL;
  g_autoptr (GHashTable) later = NULL;
  g_autoptr (GPtrArray) causes = g_ptr_array_new_with_free_func (g_free);
  double total;

  api_fixture_check (r, 200, NULL, NULL);
  up = wait_value ("rvi_camera_up", NULL, 1, FALSE, 30);
  g_hash_table_unref (up);
  /* the gap closes when the first segment opens */
  for (int i = 0; i < 40 && open_gaps () > 0; i++)
    g_usleep (G_USEC_PER_SEC / 4);
  g_assert_cmpint (open_gaps (), ==, 0);
  up = scrape ();
  total = gap_seconds (up, causes);
  g_usleep (2 * G_USEC_PER_SEC);
  later = scrape ();
  g_test_message ("gap seconds after recovery %.3f, 2 s later %.3f", total,
                  gap_seconds (later, NULL));
  g_assert_cmpfloat (gap_seconds (later, NULL), ==, total);   /* no longer growing */
  g_assert_cmpfloat (cam (later, "rvi_camera_up", NULL), ==, 1);
  /* each cause's seconds are those of the camera's gap rows */
  for (guint i = 0; i < causes->len; i++) {
    g_autofree char *labels = g_strdup_printf ("cause=\"%s\"", (char *) causes->pdata[i]);
    g_autofree char *rows = api_fixture_value (fx, "SELECT extract (epoch FROM"
                                               " sum (end_at - start_at)) FROM gaps"
                                               " WHERE camera_id = $1::uuid AND cause = $2",
                                               camera, causes->pdata[i]);
    double metric = cam (later, "rvi_camera_gap_seconds_total", labels);

    g_test_message ("%s: /metrics %.3f s, gap rows %s s", (char *) causes->pdata[i], metric, rows);
    g_assert_nonnull (rows);
    g_assert_cmpfloat (ABS (metric - g_ascii_strtod (rows, NULL)), <, 1.5);
  }
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = { { "op", "operator" } };
  g_autofree char *url = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (api_fixture_log_to_stderr, NULL, NULL);
  rvi_test_watchdog (240);
  url = camera_fixture_camsim_scripted (&camsim);
  fx = api_fixture_new ("rvi-test-metrics");
  fx->config.recording = TRUE;
  fx->config.sample_interval_ms = 1000;
  fx->config.tamper.raise_after = 2;
  fx->config.tamper.clear_after = 2;
  fx->config.tamper.baseline_samples = 3;
  api_fixture_start (fx, users, N_USERS);
  camera = camera_fixture_add (fx, OPERATOR, CAMERA_NAME_JSON, url, "\"segment_seconds\": 5");
  camera_udp = camera_fixture_add (fx, OPERATOR, "yard udp", url,
                                   "\"segment_seconds\": 5, \"transport\": \"udp\"");

  g_test_add_func ("/metrics/recording", test_recording);
  g_test_add_func ("/metrics/recording-udp", test_recording_udp);
  g_test_add_func ("/metrics/alerts", test_alerts);
  g_test_add_func ("/metrics/outage", test_outage);
  g_test_add_func ("/metrics/recovery", test_recovery);
  status = g_test_run ();

  api_fixture_free (fx);
  camera_fixture_camsim_stop (camsim);
  g_free (camera);
  g_free (camera_udp);
  return status;
}
