/* test-camera-probe.c: "test connection" against `rvi camsim`: codec,
 * size and frame rate for H.264 and H.265, and the failure reasons
 * (authentication, unreachable, refused scheme), each within its timeout.
 * A watchdog alarm fails a hung test. */
#include "camera-probe.h"
#include "camsim-harness.h"
#include "ingest-recording.h"

#include <gst/gst.h>
#include <string.h>

typedef struct {
  gboolean done;
  guint calls;
  RviStreamInfo info;
  gboolean ok;
  RviIngestFailure failure;
  char *message;
} ProbeResult;

static void
on_done (gpointer user_data, const RviStreamInfo *info, RviIngestFailure failure,
         const char *message)
{
  ProbeResult *r = user_data;

  r->calls++;
  r->done = TRUE;
  r->ok = info != NULL;
  if (info != NULL) {
    r->info.codec = g_strdup (info->codec);
    r->info.codec_string = g_strdup (info->codec_string);
    r->info.width = info->width;
    r->info.height = info->height;
    r->info.fps = info->fps;
    r->info.transport = info->transport;
    g_test_message ("probe: %s %s %dx%d %.2f fps", info->codec, info->codec_string, info->width,
                    info->height, info->fps);
  } else {
    r->failure = failure;
    r->message = g_strdup (message);
    g_test_message ("probe failed: %s: %s", rvi_ingest_failure_to_string (failure), message);
  }
}

static gboolean
wake (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Probes @url on a private context; waits up to timeout + 3 s, then 0.5 s
 * more to see that done is not called twice. */
static void
probe (const char *url, const char *user, const char *password, guint timeout_ms, ProbeResult *r)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  gboolean late = FALSE, settled = FALSE;
  GSource *deadline, *settle;
  gint64 t0 = g_get_monotonic_time ();

  g_main_context_push_thread_default (context);
  deadline = g_timeout_source_new (timeout_ms + 3000);
  g_source_set_callback (deadline, wake, &late, NULL);
  g_source_attach (deadline, context);
  rvi_camera_probe (url, user, password, RVI_TRANSPORT_AUTO, timeout_ms, on_done, r);
  g_assert_false (r->done);  /* never from inside the call */
  while (!r->done && !late)
    g_main_context_iteration (context, TRUE);
  g_assert_true (r->done);
  g_test_message ("probe took %.3f s", (g_get_monotonic_time () - t0) / 1e6);
  settle = g_timeout_source_new (500);
  g_source_set_callback (settle, wake, &settled, NULL);
  g_source_attach (settle, context);
  while (!settled)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpuint (r->calls, ==, 1);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  g_source_unref (settle);
  g_main_context_pop_thread_default (context);
}

static void
result_clear (ProbeResult *r)
{
  rvi_stream_info_clear (&r->info);
  g_free (r->message);
}

static void
check_camera (const char *const *args, const char *codec, const char *prefix, int width,
              int height, double fps)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimChild) child = rvi_camsim_child_start (args, &error);
  g_autofree char *url = NULL;
  ProbeResult r = { 0 };

  g_assert_no_error (error);
  url = rvi_camsim_child_url (child, 1);
  probe (url, NULL, NULL, 5000, &r);
  g_assert_true (r.ok);
  g_assert_cmpstr (r.info.codec, ==, codec);
  g_assert_true (g_str_has_prefix (r.info.codec_string, prefix));
  g_assert_cmpint (r.info.width, ==, width);
  g_assert_cmpint (r.info.height, ==, height);
  g_assert_cmpfloat (ABS (r.info.fps - fps), <=, 0.5);
  g_assert_cmpint (r.info.transport, ==, RVI_TRANSPORT_TCP);
  result_clear (&r);
}

static void
test_h264 (void)
{
  const char *args[] = { "--cameras", "1", NULL };

  check_camera (args, "h264", "avc1.", 1280, 720, 15);
}

static void
test_h265 (void)
{
  const char *args[] = { "--cameras", "1", "--codec", "h265", "--size", "640x360", "--fps", "10",
                         NULL };

  check_camera (args, "h265", "hvc1.", 640, 360, 10);
}

static void
test_auth (void)
{
  const char *args[] = { "--cameras", "1", "--user", "op", "--password", "secret", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimChild) child = rvi_camsim_child_start (args, &error);
  g_autofree char *url = NULL;
  ProbeResult bad = { 0 }, none = { 0 }, good = { 0 };

  g_assert_no_error (error);
  url = rvi_camsim_child_url (child, 1);
  probe (url, "op", "guess", 5000, &bad);
  g_assert_false (bad.ok);
  g_assert_cmpint (bad.failure, ==, RVI_INGEST_FAILURE_AUTH);
  g_assert_null (strstr (bad.message, "guess"));
  probe (url, NULL, NULL, 5000, &none);
  g_assert_false (none.ok);
  g_assert_cmpint (none.failure, ==, RVI_INGEST_FAILURE_AUTH);
  probe (url, "op", "secret", 5000, &good);
  g_assert_true (good.ok);
  g_assert_cmpint (good.info.width, ==, 1280);
  result_clear (&bad);
  result_clear (&none);
  result_clear (&good);
}

static void
test_unreachable (void)
{
  ProbeResult r = { 0 }, scheme = { 0 };

  /* port 9 (discard) has no listener on a test machine */
  probe ("rtsp://127.0.0.1:9/cam1", NULL, NULL, 3000, &r);
  g_assert_false (r.ok);
  g_assert_cmpint (r.failure, ==, RVI_INGEST_FAILURE_UNREACHABLE);
  probe ("file:///etc/passwd", NULL, NULL, 3000, &scheme);
  g_assert_false (scheme.ok);
  g_assert_cmpint (scheme.failure, ==, RVI_INGEST_FAILURE_OTHER);
  result_clear (&r);
  result_clear (&scheme);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  rvi_test_ingest_watchdog (120);
  g_test_add_func ("/probe/h264", test_h264);
  g_test_add_func ("/probe/h265", test_h265);
  g_test_add_func ("/probe/auth", test_auth);
  g_test_add_func ("/probe/unreachable", test_unreachable);
  return g_test_run ();
}
