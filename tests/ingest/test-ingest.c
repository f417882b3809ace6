/* test-ingest.c: RviIngest against `rvi camsim` over real RTSP.
 *
 * Each test starts camsim as a child on a free port (it dies with the
 * test, see tests/rtsp/camsim-harness.h), records with an ingest on a
 * private main context and checks the callbacks and the files: order of
 * segment events, wall-clock contiguity, ffprobe durations, hashes, codec,
 * and the failure reasons (auth, unreachable, camera killed) with the
 * partial segment closed before the failure. A watchdog alarm fails a
 * hung test. */
#include "camsim-harness.h"
#include "ingest-recording.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <string.h>

#include "fmp4-index.h"

#define WATCHDOG_S 240
#define FRAME_US (G_USEC_PER_SEC / 15)  /* camsim's default 15 fps */

/* Segment boundaries: end of one vs start of the next. Both come from the
 * same running-time timeline (see ingest-clock.c); what is left is the
 * receipt jitter of the two key frames, measured at a few ms on loopback. */
#define CONTIGUITY_US FRAME_US

static RviCamsimChild *
camsim (const char *const *args)
{
  g_autoptr (GError) error = NULL;
  RviCamsimChild *child = rvi_camsim_child_start (args, &error);

  g_assert_no_error (error);
  return child;
}

static void
settings_for (RviIngestSettings *s, const char *url)
{
  *s = (RviIngestSettings){ 0 };
  s->url = url;
  s->transport = RVI_TRANSPORT_AUTO;
  s->segment_seconds = 10;
  s->first_segment_seconds = 10;
  s->fragment_ms = 1000;
  s->stall_timeout_ms = 3000;
  s->connect_timeout_ms = 5000;
}

/* Every closed segment: opened before, in order, key first, ffprobe agrees
 * with duration_us within 0.1 s, hash matches sha256sum, name encodes start. */
static void
check_segments (RviTestRecording *r, const char *codec)
{
  g_assert_cmpuint (r->closed->len, >=, 1);
  g_assert_cmpuint (r->closed->len, <=, r->opened->len);
  for (guint i = 0; i < r->closed->len; i++) {
    RviTestSegment *s = g_ptr_array_index (r->closed, i);
    g_autofree char *sum = rvi_test_sha256sum (s->path);
    g_autofree char *probed_codec = rvi_test_ffprobe_codec (s->path);
    double probed = rvi_test_ffprobe_duration (s->path);

    g_assert_cmpstr (s->path, ==, g_ptr_array_index (r->opened, i));
    g_assert_true (s->first_key);
    g_assert_cmpstr (s->sha256, ==, sum);
    g_assert_cmpstr (s->codec, ==, codec);
    g_assert_cmpstr (probed_codec, ==, g_str_equal (codec, "h265") ? "hevc" : "h264");
    g_assert_cmpint (s->width, ==, r->info.width);
    g_test_message ("%s: ffprobe %.3f s, index %.3f s", s->path, probed, s->duration_us / 1e6);
    g_assert_cmpfloat (ABS (probed - s->duration_us / 1e6), <=, 0.1);
    g_assert_cmpint (s->end_wall_us, ==, s->start_wall_us + s->duration_us);
    if (i > 0) {
      RviTestSegment *prev = g_ptr_array_index (r->closed, i - 1);

      g_test_message ("boundary %u: next start - previous end = %" G_GINT64_FORMAT " us", i,
                      s->start_wall_us - prev->end_wall_us);
      g_assert_cmpint (ABS (s->start_wall_us - prev->end_wall_us), <=, CONTIGUITY_US);
    }
  }
}

static void
test_record (void)
{
  const char *args[] = { "--cameras", "1", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviIngestSettings settings;
  RviTestRecording r;
  gint64 stop_at, total = 0;
  RviIngestStats stats;
  RviTestSegment *first, *last;

  settings_for (&settings, url);
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
  g_assert_cmpstr (r.info.codec, ==, "h264");
  g_assert_true (g_str_has_prefix (r.info.codec_string, "avc1."));
  g_assert_cmpint (r.info.width, ==, 1280);
  g_assert_cmpint (r.info.height, ==, 720);
  g_assert_cmpint (r.info.transport, ==, RVI_TRANSPORT_TCP);
  rvi_test_recording_run (&r, 25);
  rvi_ingest_get_stats (r.ingest, &stats);
  g_test_message ("stats: %" G_GUINT64_FORMAT " frames, %.2f fps, %.0f bit/s, last frame %"
                  G_GINT64_FORMAT " us ago", stats.frames, stats.fps, stats.bitrate_bps,
                  g_get_real_time () - stats.last_frame_wall_us);
  g_assert_cmpfloat (stats.fps, >, 12);
  g_assert_cmpfloat (stats.fps, <, 18);
  g_assert_cmpfloat (stats.bitrate_bps, >, 100000);
  g_assert_cmpint (g_get_real_time () - stats.last_frame_wall_us, <, G_USEC_PER_SEC);

  stop_at = g_get_real_time ();
  rvi_ingest_stop (r.ingest);
  rvi_ingest_stop (r.ingest);  /* safe twice */
  g_assert_true (rvi_test_recording_wait (&r, &r.stopped, 10));
  g_test_message ("events: %s", r.log->str);
  g_assert_false (r.failed);
  g_assert_true (g_str_has_suffix (r.log->str, "closed stopped "));
  g_assert_cmpuint (r.closed->len, ==, r.opened->len);
  g_assert_cmpuint (r.closed->len, >=, 3);
  check_segments (&r, "h264");

  for (guint i = 0; i < r.closed->len; i++) {
    RviTestSegment *s = g_ptr_array_index (r.closed, i);

    total += s->duration_us;
    if (i + 1 < r.closed->len)
      g_assert_cmpint (s->duration_us, <=, 10 * G_USEC_PER_SEC + FRAME_US);
  }
  first = g_ptr_array_index (r.closed, 0);
  last = g_ptr_array_index (r.closed, r.closed->len - 1);
  g_test_message ("recorded %.3f s; started..stop %.3f s; first start - started %.3f s; "
                  "stop - last end %.3f s; camera clock %s offset %.3f s",
                  total / 1e6, (stop_at - r.started_at_us) / 1e6,
                  (first->start_wall_us - r.started_at_us) / 1e6,
                  (stop_at - last->end_wall_us) / 1e6, last->camera_clock ? "yes" : "no",
                  last->clock_offset_us / 1e6);
  g_assert_cmpint (ABS (total - (stop_at - r.started_at_us)), <=, G_USEC_PER_SEC);
  g_assert_cmpint (ABS (first->start_wall_us - r.started_at_us), <=, G_USEC_PER_SEC);
  g_assert_cmpint (ABS (stop_at - last->end_wall_us), <=, G_USEC_PER_SEC);
  /* gst-rtsp-server sends RTCP sender reports from the same host clock */
  g_assert_true (last->camera_clock);
  g_assert_cmpint (ABS (last->clock_offset_us), <=, G_USEC_PER_SEC);
  rvi_test_recording_clear (&r);
}

static void
test_h265 (void)
{
  const char *args[] = { "--cameras", "1", "--codec", "h265", "--size", "640x360", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviIngestSettings settings;
  RviTestRecording r;

  settings_for (&settings, url);
  /* 5, not 4: two 2 s GOPs are exactly 4 s, and splitmuxsink cuts early
   * when timestamp jitter makes them a hair longer than max-size-time */
  settings.segment_seconds = 5;
  settings.first_segment_seconds = 2;
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
  g_assert_cmpstr (r.info.codec, ==, "h265");
  g_assert_true (g_str_has_prefix (r.info.codec_string, "hvc1."));
  rvi_test_recording_run (&r, 9);
  rvi_ingest_stop (r.ingest);
  g_assert_true (rvi_test_recording_wait (&r, &r.stopped, 10));
  g_test_message ("events: %s", r.log->str);
  g_assert_cmpuint (r.closed->len, >=, 2);
  check_segments (&r, "h265");
  /* staggered first segment: 2 s, then two GOPs (4 s) */
  g_assert_cmpint (((RviTestSegment *) g_ptr_array_index (r.closed, 0))->duration_us, <=,
                   2 * G_USEC_PER_SEC + FRAME_US);
  g_assert_cmpstr (((RviTestSegment *) g_ptr_array_index (r.closed, 0))->codec_string, ==,
                   r.info.codec_string);
  g_assert_cmpint (((RviTestSegment *) g_ptr_array_index (r.closed, 1))->duration_us, >,
                   3 * G_USEC_PER_SEC);
  rvi_test_recording_clear (&r);
}

static void
test_wrong_password (void)
{
  const char *args[] = { "--cameras", "1", "--user", "inspector", "--password", "right", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviIngestSettings settings;
  RviTestRecording r;
  gint64 t0 = g_get_real_time ();

  settings_for (&settings, url);
  settings.username = "inspector";
  settings.password = "wrong";
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.failed, 5));
  g_assert_cmpint (r.failure, ==, RVI_INGEST_FAILURE_AUTH);
  g_assert_cmpstr (rvi_ingest_failure_to_string (r.failure), ==, "auth_failed");
  g_assert_null (strstr (r.message, "wrong"));
  g_assert_cmpuint (r.opened->len, ==, 0);
  g_test_message ("auth failure after %.3f s", (r.failed_at_us - t0) / 1e6);
  rvi_test_recording_clear (&r);

  /* and the right password records */
  settings_for (&settings, url);
  settings.username = "inspector";
  settings.password = "right";
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
  rvi_test_recording_clear (&r);  /* free while running: a hard stop */
}

static void
test_unreachable (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  RviIngestSettings settings;
  RviTestRecording r;
  gint64 t0 = g_get_real_time ();

  /* a port that was free a moment ago and has no listener */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("rtsp://127.0.0.1:%u/cam1",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);
  settings_for (&settings, url);
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.failed, 8));
  g_assert_cmpint (r.failure, ==, RVI_INGEST_FAILURE_UNREACHABLE);
  g_test_message ("unreachable after %.3f s: %s", (r.failed_at_us - t0) / 1e6, r.message);
  rvi_test_recording_clear (&r);
}

static void
test_refuses_file_url (void)
{
  RviIngestSettings settings;
  g_autoptr (GError) error = NULL;

  settings_for (&settings, "file:///etc/passwd");
  settings.camera_id = "cam";
  settings.segment_dir = "/nonexistent";
  g_assert_null (rvi_ingest_start (&settings, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_camera_killed (void)
{
  const char *args[] = { "--cameras", "1", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviIngestSettings settings;
  RviTestRecording r;
  gint64 killed_at;
  RviTestSegment *last;

  settings_for (&settings, url);
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
  rvi_test_recording_run (&r, 6);
  g_subprocess_force_exit (child->process);
  killed_at = g_get_real_time ();
  g_assert_true (rvi_test_recording_wait (&r, &r.failed, settings.stall_timeout_ms / 1000.0 + 2));
  g_test_message ("events: %s; failed %.3f s after the kill", r.log->str,
                  (r.failed_at_us - killed_at) / 1e6);
  g_assert_true (r.failure == RVI_INGEST_FAILURE_TIMEOUT ||
                 r.failure == RVI_INGEST_FAILURE_STREAM_ENDED);
  g_assert_true (g_str_has_suffix (r.log->str, "closed failed "));
  g_assert_cmpuint (r.closed->len, ==, r.opened->len);
  check_segments (&r, "h264");
  last = g_ptr_array_index (r.closed, r.closed->len - 1);
  g_assert_cmpint (ABS (killed_at - last->end_wall_us), <=, G_USEC_PER_SEC);
  rvi_test_recording_clear (&r);
}

/* A camera that stops sending without closing anything (SIGSTOP): only the
 * stall check can see it. */
static void
test_camera_frozen (void)
{
  const char *args[] = { "--cameras", "1", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviIngestSettings settings;
  RviTestRecording r;
  gint64 frozen_at;
  RviTestSegment *last;

  settings_for (&settings, url);
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
  rvi_test_recording_run (&r, 5);
  g_subprocess_send_signal (child->process, SIGSTOP);
  frozen_at = g_get_real_time ();
  g_assert_true (rvi_test_recording_wait (&r, &r.failed, settings.stall_timeout_ms / 1000.0 + 2));
  g_test_message ("events: %s; failed %.3f s after the freeze: %s", r.log->str,
                  (r.failed_at_us - frozen_at) / 1e6, r.message);
  g_assert_cmpint (r.failure, ==, RVI_INGEST_FAILURE_TIMEOUT);
  g_assert_true (g_str_has_suffix (r.log->str, "closed failed "));
  check_segments (&r, "h264");
  last = g_ptr_array_index (r.closed, r.closed->len - 1);
  g_assert_cmpint (ABS (frozen_at - last->end_wall_us), <=, G_USEC_PER_SEC);
  g_subprocess_send_signal (child->process, SIGCONT);
  rvi_test_recording_clear (&r);
}

/* rvi_ingest_free() on a running ingest leaves the open file as a crash
 * would; fmp4-index repairs it. */
static void
test_free_running (void)
{
  const char *args[] = { "--cameras", "1", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RviSegmentInfo) repaired = NULL;
  RviIngestSettings settings;
  RviTestRecording r;
  gint64 freed_at, start;

  settings_for (&settings, url);
  settings.segment_seconds = 60;
  settings.first_segment_seconds = 60;
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
  rvi_test_recording_run (&r, 4.5);
  g_assert_cmpuint (r.opened->len, ==, 1);
  path = g_strdup (g_ptr_array_index (r.opened, 0));
  g_clear_pointer (&r.ingest, rvi_ingest_free);
  freed_at = g_get_real_time ();
  rvi_test_recording_run (&r, 0.5);
  g_assert_cmpstr (r.log->str, ==, "started opened ");  /* nothing after free */
  repaired = rvi_fmp4_index_file (path, TRUE, &error);
  g_assert_no_error (error);
  start = rvi_fmp4_start_from_name (path);
  g_test_message ("repaired %.3f s, %u fragments; lost %.3f s before the free",
                  repaired->duration_us / 1e6, repaired->fragments->len,
                  (freed_at - start - repaired->duration_us) / 1e6);
  g_assert_cmpfloat (ABS (rvi_test_ffprobe_duration (path) - repaired->duration_us / 1e6), <=, 0.1);
  g_assert_cmpint (freed_at - start - repaired->duration_us, <=, 2 * G_USEC_PER_SEC);
  rvi_test_recording_clear (&r);
}

static void
test_stop_early (void)
{
  const char *args[] = { "--cameras", "1", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviIngestSettings settings;
  RviTestRecording r;

  settings_for (&settings, url);
  settings.segment_seconds = 60;
  settings.first_segment_seconds = 60;
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
  rvi_test_recording_run (&r, 5);
  rvi_ingest_stop (r.ingest);
  g_assert_true (rvi_test_recording_wait (&r, &r.stopped, 10));
  g_assert_cmpstr (r.log->str, ==, "started opened closed stopped ");
  check_segments (&r, "h264");
  g_assert_cmpint (((RviTestSegment *) g_ptr_array_index (r.closed, 0))->duration_us, >,
                   4 * G_USEC_PER_SEC);
  rvi_test_recording_clear (&r);
}

/* Freeing an ingest right after it started, before or while its first
 * file opens, must never hang (splitmuxsink in GStreamer 1.22 deadlocks a
 * state change to NULL that meets its first file's opening; see the
 * "Teardown race" note in pipelines/ingest-recorder.c). The watchdog turns
 * a hang into a failure. */
static void
test_free_early_loop (void)
{
  const char *args[] = { "--cameras", "1", NULL };
  g_autoptr (RviCamsimChild) child = camsim (args);
  g_autofree char *url = rvi_camsim_child_url (child, 1);
  RviIngestSettings settings;

  settings_for (&settings, url);
  for (int i = 0; i < 25; i++) {
    RviTestRecording r;
    gint64 before;

    settings.segment_dir = NULL;   /* each recording gets its own directory */
    rvi_test_recording_start (&r, &settings);
    g_assert_true (rvi_test_recording_wait (&r, &r.started, 10));
    rvi_test_recording_run (&r, g_random_double_range (0.0, 0.06));
    before = g_get_monotonic_time ();
    g_clear_pointer (&r.ingest, rvi_ingest_free);
    g_assert_cmpint (g_get_monotonic_time () - before, <, 3 * G_USEC_PER_SEC);
    rvi_test_recording_clear (&r);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  rvi_test_ingest_watchdog (WATCHDOG_S);
  g_test_add_func ("/ingest/refuses-file-url", test_refuses_file_url);
  g_test_add_func ("/ingest/record", test_record);
  g_test_add_func ("/ingest/h265", test_h265);
  g_test_add_func ("/ingest/stop", test_stop_early);
  g_test_add_func ("/ingest/wrong-password", test_wrong_password);
  g_test_add_func ("/ingest/unreachable", test_unreachable);
  g_test_add_func ("/ingest/camera-killed", test_camera_killed);
  g_test_add_func ("/ingest/camera-frozen", test_camera_frozen);
  g_test_add_func ("/ingest/free-running", test_free_running);
  g_test_add_func ("/ingest/free-early-loop", test_free_early_loop);
  return g_test_run ();
}
