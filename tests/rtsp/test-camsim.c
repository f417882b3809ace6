/* test-camsim.c: `rvi camsim` end to end, over real RTSP.
 *
 * Each test starts the simulator as a child on a free port, plays it with
 * a GStreamer RTSP client and checks what comes out: codec, size, frame
 * rate, the timestamp blocks against the test's clock, authentication,
 * loop mode and the tampering scenes. A watchdog alarm fails a hung test;
 * the child dies with the test (see camsim-harness.h). */
#include "camsim-harness.h"
#include "rtsp-capture.h"

#include <gst/gst.h>
#include <gst/rtsp/rtsp.h>
#include <string.h>
#include <unistd.h>

#define WATCHDOG_S 100

static gdouble
mean_of (GArray *values)
{
  gdouble sum = 0;

  for (guint i = 0; i < values->len; i++)
    sum += g_array_index (values, gdouble, i);
  return values->len > 0 ? sum / values->len : 0;
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

  return x < y ? -1 : x > y;
}

static gdouble
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, gdouble, values->len / 2);
}

/* Frame rate from the median PTS step of the decoded frames: a loaded
 * machine makes the simulator skip frames, which must not fail a test. */
static gdouble
fps_of (RviCapture *c)
{
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (gdouble));

  for (guint i = 1; i < c->pts->len; i++) {
    GstClockTime a = g_array_index (c->pts, GstClockTime, i - 1);
    GstClockTime b = g_array_index (c->pts, GstClockTime, i);
    gdouble step = (gdouble)(b - a) / GST_SECOND;

    g_assert_true (GST_CLOCK_TIME_IS_VALID (a) && b > a);
    g_array_append_val (steps, step);
  }
  g_assert_cmpuint (steps->len, >, 0);
  return 1.0 / median (steps);
}

/* The stamps are readable and increase frame by frame. When @live they lie
 * within 3 s before the test's clock, their median step is the frame
 * period within 10 ms, and their span matches the span of the PTS within
 * 100 ms (single steps carry the client's network jitter). */
static void
check_stamps (RviCapture *c, gboolean live)
{
  guint readable = 0;
  gint64 first = -1, previous = -1;
  GstClockTime first_pts = GST_CLOCK_TIME_NONE, last_pts = GST_CLOCK_TIME_NONE;
  gdouble period_ms = 1000.0 / fps_of (c);
  g_autoptr (GString) text = g_string_new ("stamp steps (ms, x unreadable):");
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (gdouble));

  for (guint i = 0; i < c->frames; i++) {
    gint64 ms = g_array_index (c->stamps, gint64, i);
    gint64 lag = g_array_index (c->lag_ms, gint64, i);

    if (ms < 0) {
      g_string_append (text, " x");
      continue;
    }
    readable++;
    if (live) {
      g_assert_cmpint (lag, >=, -50);
      g_assert_cmpint (lag, <=, 3000);
    }
    if (previous >= 0) {
      gdouble step = (gdouble)(ms - previous);

      g_string_append_printf (text, " %" G_GINT64_FORMAT, ms - previous);
      g_assert_cmpint (ms, >, previous);
      if (g_array_index (c->stamps, gint64, i - 1) >= 0)
        g_array_append_val (steps, step);
    } else {
      first = ms;
      first_pts = g_array_index (c->pts, GstClockTime, i);
    }
    previous = ms;
    last_pts = g_array_index (c->pts, GstClockTime, i);
  }
  g_test_message ("%s", text->str);
  g_test_message ("%u of %u stamps readable, last lag %" G_GINT64_FORMAT
                  " ms, stamp span %" G_GINT64_FORMAT " ms, pts span %" G_GINT64_FORMAT " ms",
                  readable, c->frames, g_array_index (c->lag_ms, gint64, c->frames - 1),
                  previous - first, (gint64)((last_pts - first_pts) / GST_MSECOND));
  g_assert_cmpuint (readable, >=, c->frames * 9 / 10);
  if (live) {
    g_assert_cmpfloat (ABS (median (steps) - period_ms), <=, 10);
    g_assert_cmpint (ABS ((previous - first) - (gint64)((last_pts - first_pts) / GST_MSECOND)), <=,
                     100);
  }
}

static void
check_stream (const gchar *const *args, const gchar *encoding, gint width, gint height, gdouble fps)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimChild) child = rvi_camsim_child_start (args, &error);
  g_autofree gchar *url = NULL;
  g_auto (RviCapture) capture = { 0 };
  gdouble measured;

  g_assert_no_error (error);
  url = rvi_camsim_child_url (child, 1);
  g_assert_true (rvi_capture_run (&capture, url, NULL, NULL, 45, 30, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (capture.encoding, ==, encoding);
  g_assert_cmpint (capture.width, ==, width);
  g_assert_cmpint (capture.height, ==, height);
  measured = fps_of (&capture);
  g_test_message ("%.2f fps", measured);
  g_assert_cmpfloat (measured, >, fps * 0.85);
  g_assert_cmpfloat (measured, <, fps * 1.15);
  check_stamps (&capture, TRUE);
  g_assert_cmpint (rvi_camsim_child_stop (child), ==, 0);
}

static void
test_h264_defaults (void)
{
  check_stream (NULL, "H264", 1280, 720, 15);
}

static void
test_h265 (void)
{
  const gchar *args[] = { "--codec", "h265", "--size", "640x360", "--fps", "10", NULL };

  check_stream (args, "H265", 640, 360, 10);
}

static void
test_bad_flags (void)
{
  const gchar *bin = g_getenv ("RVI_BIN");
  const gchar *cases[][3] = {
    { "--codec", "vp9", "--codec" },         { "--cameras", "0", "--cameras" },
    { "--size", "100x100", "--size" },       { "--scene", "upside", "--scene" },
    { "--listen", "localhost", "--listen" }, { "--user", "op", "--password" },
    { "--mode", "replay", "--mode" },        { "--bogus", "1", "bogus" },
  };

  g_assert_nonnull (bin);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const gchar *argv[] = { bin, "camsim", cases[i][0], cases[i][1], NULL };
    g_autofree gchar *err = NULL;

    g_assert_cmpint (rvi_camsim_run (argv, &err), ==, 2);
    g_test_message ("%s %s: %s", cases[i][0], cases[i][1], err);
    g_assert_nonnull (strstr (err, cases[i][2]));
  }
}

/* DESCRIBE over a raw connection; returns the status code. */
static GstRTSPStatusCode
describe (const gchar *url, GstRTSPAuthMethod method, const gchar *user, const gchar *password,
          gchar **www_authenticate)
{
  g_autoptr (GstRTSPUrl) parsed = NULL;
  GstRTSPConnection *conn = NULL;
  GstRTSPMessage request = { 0 }, response = { 0 };
  GstRTSPStatusCode code;
  gchar *value = NULL;

  g_assert_cmpint (gst_rtsp_url_parse (url, &parsed), ==, GST_RTSP_OK);
  g_assert_cmpint (gst_rtsp_connection_create (parsed, &conn), ==, GST_RTSP_OK);
  g_assert_cmpint (gst_rtsp_connection_connect_usec (conn, 5 * G_USEC_PER_SEC), ==, GST_RTSP_OK);
  if (user != NULL)
    g_assert_cmpint (gst_rtsp_connection_set_auth (conn, method, user, password), ==, GST_RTSP_OK);
  g_assert_cmpint (gst_rtsp_message_init_request (&request, GST_RTSP_DESCRIBE, url), ==,
                   GST_RTSP_OK);
  gst_rtsp_message_add_header (&request, GST_RTSP_HDR_CSEQ, "1");
  g_assert_cmpint (gst_rtsp_connection_send_usec (conn, &request, 5 * G_USEC_PER_SEC), ==,
                   GST_RTSP_OK);
  g_assert_cmpint (gst_rtsp_connection_receive_usec (conn, &response, 5 * G_USEC_PER_SEC), ==,
                   GST_RTSP_OK);
  gst_rtsp_message_parse_response (&response, &code, NULL, NULL);
  if (www_authenticate != NULL) {
    GString *all = g_string_new (NULL);
    for (gint i = 0;
         gst_rtsp_message_get_header (&response, GST_RTSP_HDR_WWW_AUTHENTICATE, &value, i)
         == GST_RTSP_OK;
         i++)
      g_string_append_printf (all, "%s\n", value);
    *www_authenticate = g_string_free (all, FALSE);
  }
  gst_rtsp_message_unset (&request);
  gst_rtsp_message_unset (&response);
  gst_rtsp_connection_free (conn);
  return code;
}

static void
test_auth (void)
{
  const gchar *args[]
      = { "--user", "inspector", "--password", "s3cret pass", "--size", "640x360", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimChild) child = rvi_camsim_child_start (args, &error);
  g_autofree gchar *url = NULL;
  g_autofree gchar *challenge = NULL;
  g_auto (RviCapture) anonymous = { 0 };
  g_auto (RviCapture) wrong = { 0 };
  g_auto (RviCapture) right = { 0 };

  g_assert_no_error (error);
  url = rvi_camsim_child_url (child, 1);

  g_assert_cmpint (describe (url, GST_RTSP_AUTH_NONE, NULL, NULL, &challenge), ==,
                   GST_RTSP_STS_UNAUTHORIZED);
  g_test_message ("challenge: %s", challenge);
  g_assert_nonnull (strstr (challenge, "Basic"));
  g_assert_nonnull (strstr (challenge, "Digest"));
  g_assert_cmpint (describe (url, GST_RTSP_AUTH_BASIC, "inspector", "wrong", NULL), ==,
                   GST_RTSP_STS_UNAUTHORIZED);
  g_assert_cmpint (describe (url, GST_RTSP_AUTH_BASIC, "inspector", "s3cret pass", NULL), ==,
                   GST_RTSP_STS_OK);

  /* rtspsrc answers the digest challenge when offered both. */
  g_assert_false (rvi_capture_run (&anonymous, url, NULL, NULL, 5, 20, &error));
  g_assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  g_assert_false (rvi_capture_run (&wrong, url, "inspector", "nope", 5, 20, &error));
  g_assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  g_assert_true (rvi_capture_run (&right, url, "inspector", "s3cret pass", 10, 20, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (right.encoding, ==, "H264");
  check_stamps (&right, TRUE);
  g_assert_cmpint (rvi_camsim_child_stop (child), ==, 0);
}

static void
test_loop (void)
{
  const gchar *args[] = { "--mode", "loop", "--cameras", "8", "--size", "640x360", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimChild) child = rvi_camsim_child_start (args, &error);
  g_autofree gchar *url = NULL;
  g_auto (RviCapture) normal = { 0 };
  g_auto (RviCapture) covered = { 0 };
  gdouble fps;

  g_assert_no_error (error);
  g_assert_cmpuint (child->cameras, ==, 8);
  url = rvi_camsim_child_url (child, 8);
  /* 75 frames at 15 fps span more than one 4 s clip: the loop seam too. */
  g_assert_true (rvi_capture_run (&normal, url, NULL, NULL, 75, 30, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (normal.encoding, ==, "H264");
  g_assert_cmpint (normal.width, ==, 640);
  fps = fps_of (&normal);
  g_assert_cmpfloat (fps, >, 15 * 0.85);
  g_assert_cmpfloat (fps, <, 15 * 1.15);
  for (guint i = 0; i < normal.frames; i++)
    g_assert_cmpint (g_array_index (normal.stamps, gint64, i), >, 0);

  /* A scene change in loop mode re-encodes the clip first. */
  g_assert_true (
      rvi_camsim_child_command (child, "scene 8 covered", "camsim: cam8 scene covered", &error));
  g_assert_no_error (error);
  g_assert_true (rvi_capture_run (&covered, url, NULL, NULL, 10, 30, &error));
  g_assert_no_error (error);
  g_test_message ("loop luma normal %.1f covered %.1f", mean_of (normal.mean_luma),
                  mean_of (covered.mean_luma));
  g_assert_cmpfloat (mean_of (covered.mean_luma), <, 40);
  g_assert_cmpfloat (mean_of (normal.mean_luma), >, 80);
  g_assert_cmpint (rvi_camsim_child_stop (child), ==, 0);
}

static void
capture_scene (RviCamsimChild *child, guint camera, const gchar *scene, RviCapture *capture)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *url = rvi_camsim_child_url (child, camera);

  if (scene != NULL) {
    g_autofree gchar *command = g_strdup_printf ("scene %u %s", camera, scene);
    g_autofree gchar *reply = g_strdup_printf ("camsim: cam%u scene %s", camera, scene);

    g_assert_true (rvi_camsim_child_command (child, command, reply, &error));
    g_assert_no_error (error);
  }
  g_assert_true (rvi_capture_run (capture, url, NULL, NULL, 12, 30, &error));
  g_assert_no_error (error);
  g_test_message ("cam%u %s: luma %.1f sharpness %.2f", camera, scene ? scene : "(as started)",
                  mean_of (capture->mean_luma), mean_of (capture->sharpness));
}

/* Mean absolute difference of the scene regions of two captures' last frames. */
static gdouble
difference (RviCapture *a, RviCapture *b)
{
  gsize n = (gsize)a->width * (gsize)a->scene_rows;
  guint64 sum = 0;

  g_assert_cmpint (a->scene_rows, ==, b->scene_rows);
  for (gsize i = 0; i < n; i++)
    sum += (guint64)ABS (a->last_luma[i] - b->last_luma[i]);
  return (gdouble)sum / (gdouble)n;
}

static void
test_scenes (void)
{
  const gchar *args[] = { "--cameras", "2", "--size", "640x360", "--scene", "covered", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimChild) child = rvi_camsim_child_start (args, &error);
  g_auto (RviCapture) start = { 0 };
  g_auto (RviCapture) normal = { 0 };
  g_auto (RviCapture) normal_again = { 0 };
  g_auto (RviCapture) covered = { 0 };
  g_auto (RviCapture) defocused = { 0 };
  g_auto (RviCapture) moved = { 0 };
  g_auto (RviCapture) frozen = { 0 };
  g_auto (RviCapture) other = { 0 };
  gint64 first;

  g_assert_no_error (error);
  capture_scene (child, 1, NULL, &start);
  capture_scene (child, 1, "normal", &normal);
  capture_scene (child, 1, "normal", &normal_again);
  capture_scene (child, 1, "covered", &covered);
  capture_scene (child, 1, "defocused", &defocused);
  capture_scene (child, 1, "moved", &moved);
  capture_scene (child, 1, "frozen", &frozen);
  capture_scene (child, 2, NULL, &other);

  g_assert_cmpfloat (mean_of (start.mean_luma), <, 40);
  g_assert_cmpfloat (mean_of (normal.mean_luma), >, 80);
  g_assert_cmpfloat (mean_of (covered.mean_luma), <, 0.4 * mean_of (normal.mean_luma));
  g_assert_cmpfloat (mean_of (covered.sharpness), <, 0.2 * mean_of (normal.sharpness));
  g_assert_cmpfloat (mean_of (defocused.sharpness), <, 0.4 * mean_of (normal.sharpness));
  g_test_message ("difference normal/normal %.1f, normal/moved %.1f",
                  difference (&normal, &normal_again), difference (&normal, &moved));
  g_assert_cmpfloat (difference (&normal, &moved), >, 3 * difference (&normal, &normal_again));
  g_assert_cmpfloat (difference (&normal, &moved), >, 15);
  g_assert_cmpfloat (mean_of (other.mean_luma), <, 40); /* cam2 still covered */
  check_stamps (&normal, TRUE);
  check_stamps (&covered, TRUE);
  check_stamps (&defocused, TRUE);

  /* Frozen: every frame shows the same stamp, though the PTS move on. */
  first = g_array_index (frozen.stamps, gint64, 0);
  g_assert_cmpint (first, >, 0);
  for (guint i = 1; i < frozen.frames; i++)
    g_assert_cmpint (g_array_index (frozen.stamps, gint64, i), ==, first);
  g_assert_cmpfloat (fps_of (&frozen), >, 15 * 0.85);
  g_assert_cmpint (rvi_camsim_child_stop (child), ==, 0);
}

static void
add_test (const gchar *path, GTestFunc func)
{
  g_test_add_func (path, func);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_assert_nonnull (g_getenv ("RVI_BIN"));
  alarm (WATCHDOG_S * 6);
  add_test ("/camsim/bad-flags", test_bad_flags);
  add_test ("/camsim/h264-defaults", test_h264_defaults);
  add_test ("/camsim/h265", test_h265);
  add_test ("/camsim/auth", test_auth);
  add_test ("/camsim/loop", test_loop);
  add_test ("/camsim/scenes", test_scenes);
  return g_test_run ();
}
