/* test-rtsp-session.c: the native recorder's RTSP exchange against `rvi
 * camsim` over real RTSP (digest authentication chosen when offered, wrong
 * and missing credentials, a missing stream, nothing listening, H.265),
 * and native recording of a camera that sends B-frames: every closed
 * segment holds B-frames and decodes without an error. */
#include "ingest-recording.h"
#include "camsim-harness.h"
#include "rtsp-session.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <string.h>

static RviCamsimChild *
camsim (const char *const *args)
{
  g_autoptr (GError) error = NULL;
  RviCamsimChild *child = rvi_camsim_child_start (args, &error);

  g_assert_no_error (error);
  return child;
}

static void
test_digest (void)
{
  const char *args[] = { "--cameras", "1", "--size", "640x360", "--user", "inspector", "--password",
                         "s3cret pass", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviRtspSession session;
  RviIngestFailure failure = RVI_INGEST_FAILURE_OTHER;
  g_autofree char *message = NULL;

  g_assert_cmpint (rvi_rtsp_session_open (&session, url, "inspector", "s3cret pass", 5000, &failure,
                                          &message), ==, RVI_RTSP_OPEN_OK);
  /* camsim offers basic and digest: the password must not travel in the clear */
  g_assert_cmpint (session.auth, ==, GST_RTSP_AUTH_DIGEST);
  g_assert_cmpint (session.codec, ==, RVI_CODEC_H264);
  g_assert_cmpuint (session.clock_rate, ==, 90000);
  g_assert_nonnull (session.session_id);
  g_assert_cmpuint (session.rtp_channel, !=, session.rtcp_channel);
  g_assert_cmpint (session.fd, >=, 0);
  g_assert_nonnull (session.fmtp);
  g_assert_nonnull (strstr (session.fmtp, "sprop-parameter-sets"));
  g_assert_true (rvi_rtsp_session_keepalive (&session));
  rvi_rtsp_session_clear (&session);
  g_assert_cmpint (session.fd, ==, -1);

  g_assert_cmpint (rvi_rtsp_session_open (&session, url, "inspector", "wrong", 5000, &failure,
                                          &message), ==, RVI_RTSP_OPEN_FAILED);
  g_assert_cmpint (failure, ==, RVI_INGEST_FAILURE_AUTH);
  g_assert_null (strstr (message, "wrong"));
  g_clear_pointer (&message, g_free);
  g_assert_cmpint (rvi_rtsp_session_open (&session, url, NULL, NULL, 5000, &failure, &message), ==,
                   RVI_RTSP_OPEN_FAILED);
  g_assert_cmpint (failure, ==, RVI_INGEST_FAILURE_AUTH);
  g_test_message ("without credentials: %s", message);
}

static void
test_failures (void)
{
  const char *args[] = { "--cameras", "1", "--codec", "h265", "--size", "640x360", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  g_autofree char *missing = g_strconcat (url, "-missing", NULL);
  g_autofree char *nothing = NULL;
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  RviRtspSession session;
  RviIngestFailure failure = RVI_INGEST_FAILURE_OTHER;
  g_autofree char *message = NULL;
  guint16 port;

  g_assert_cmpint (rvi_rtsp_session_open (&session, url, NULL, NULL, 5000, &failure, &message), ==,
                   RVI_RTSP_OPEN_OK);
  g_assert_cmpint (session.codec, ==, RVI_CODEC_H265);
  g_assert_nonnull (strstr (session.fmtp, "sprop-sps"));
  rvi_rtsp_session_clear (&session);

  g_assert_cmpint (rvi_rtsp_session_open (&session, missing, NULL, NULL, 5000, &failure, &message), ==,
                   RVI_RTSP_OPEN_FAILED);
  g_test_message ("missing stream: %s", message);
  g_assert_cmpint (failure, ==, RVI_INGEST_FAILURE_UNREACHABLE);
  g_assert_nonnull (strstr (message, "404"));
  g_clear_pointer (&message, g_free);

  /* a port nobody listens on: take one, then let it go */
  port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_socket_listener_close (listener);
  nothing = g_strdup_printf ("rtsp://127.0.0.1:%u/cam1", port);
  g_assert_cmpint (rvi_rtsp_session_open (&session, nothing, NULL, NULL, 2000, &failure, &message), ==,
                   RVI_RTSP_OPEN_FAILED);
  g_test_message ("nothing listening: %s", message);
  g_assert_cmpint (failure, ==, RVI_INGEST_FAILURE_UNREACHABLE);
}

static guint
count_b_frames (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                         "frame=pict_type", "-of", "csv=p=0", path, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_autofree char *out = NULL;
  guint n = 0;

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  for (const char *c = out; c != NULL && *c != '\0'; c++)
    if (*c == 'B')
      n++;
  return n;
}

/* ffmpeg decodes @path completely and prints no error. The null output
 * keeps the file's time base: the recorder's clock may slew frame
 * durations by a few percent (native-clock.h), which a time base of one
 * frame would round onto one tick. */
static void
assert_decodes (const char *path)
{
  const char *argv[] = { "ffmpeg", "-v", "error", "-i", path, "-enc_time_base", "-1", "-f",
                         "null", "-", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error));
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_subprocess_get_successful (p));
}

static void
test_native_b_frames (void)
{
  const char *args[] = { "--cameras", "1", "--size", "640x360", "--bframes", "2", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviIngestSettings settings = { 0 };
  RviTestRecording r;

  settings.camera_id = "bframes";
  settings.url = url;
  settings.transport = RVI_TRANSPORT_TCP;
  settings.segment_seconds = 4;
  settings.fragment_ms = 1000;
  settings.stall_timeout_ms = 5000;
  settings.connect_timeout_ms = 5000;
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
  g_assert_cmpstr (r.info.codec, ==, "h264");
  rvi_test_recording_run (&r, 9);
  rvi_ingest_stop (r.ingest);
  g_assert_true (rvi_test_recording_wait (&r, &r.stopped, 10));
  g_assert_cmpuint (r.closed->len, >=, 2);
  for (guint i = 0; i < r.closed->len; i++) {
    RviTestSegment *s = g_ptr_array_index (r.closed, i);
    guint b = count_b_frames (s->path);
    double probed = rvi_test_ffprobe_duration (s->path);

    g_test_message ("%s: %u B-frames, %.3f s (index %.3f s)", s->path, b, probed,
                    s->duration_us / 1e6);
    g_assert_cmpuint (b, >, 0);
    g_assert_cmpfloat (ABS (probed - s->duration_us / 1e6), <=, 0.2);
    assert_decodes (s->path);
  }
  rvi_test_recording_clear (&r);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  rvi_test_ingest_watchdog (120);
  g_test_add_func ("/rtsp-session/digest", test_digest);
  g_test_add_func ("/rtsp-session/failures", test_failures);
  g_test_add_func ("/rtsp-session/native-b-frames", test_native_b_frames);
  return g_test_run ();
}
