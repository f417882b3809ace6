/* ingest-recording.c: see ingest-recording.h. */
#define G_LOG_DOMAIN "rvi-test"

#include "ingest-recording.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static void
segment_free (gpointer data)
{
  RviTestSegment *s = data;

  g_free (s->path);
  g_free (s->sha256);
  g_free (s->codec);
  g_free (s->codec_string);
  g_free (s);
}

static void
on_started (gpointer user_data, const RviStreamInfo *info)
{
  RviTestRecording *r = user_data;

  g_assert_false (r->started);
  r->started = TRUE;
  r->started_at_us = g_get_real_time ();
  r->info.codec = g_strdup (info->codec);
  r->info.codec_string = g_strdup (info->codec_string);
  r->info.width = info->width;
  r->info.height = info->height;
  r->info.fps = info->fps;
  r->info.transport = info->transport;
  g_string_append (r->log, "started ");
  g_test_message ("started: %s %s %dx%d %.2f fps over %s", info->codec, info->codec_string,
                  info->width, info->height, info->fps,
                  info->transport == RVI_TRANSPORT_UDP ? "udp" : "tcp");
}

static void
on_segment_opened (gpointer user_data, const char *path, gint64 start_wall_us)
{
  RviTestRecording *r = user_data;

  g_assert_false (r->stopped || r->failed);
  g_ptr_array_add (r->opened, g_strdup (path));
  g_string_append (r->log, "opened ");
  g_test_message ("opened %s (start %" G_GINT64_FORMAT ")", path, start_wall_us);
}

static void
on_segment_closed (gpointer user_data, const RviSegmentInfo *segment)
{
  RviTestRecording *r = user_data;
  RviTestSegment *s = g_new0 (RviTestSegment, 1);

  g_assert_false (r->stopped || r->failed);
  s->path = g_strdup (segment->path);
  s->start_wall_us = segment->start_wall_us;
  s->end_wall_us = segment->end_wall_us;
  s->duration_us = segment->duration_us;
  s->bytes = segment->bytes;
  s->sha256 = g_strdup (segment->sha256);
  s->fragments = segment->fragments->len;
  s->first_key = segment->fragments->len > 0 &&
                 g_array_index (segment->fragments, RviFragment, 0).key;
  s->camera_clock = segment->camera_clock;
  s->clock_offset_us = segment->clock_offset_us;
  s->codec = g_strdup (segment->info.codec);
  s->codec_string = g_strdup (segment->info.codec_string);
  s->width = segment->info.width;
  s->height = segment->info.height;
  s->closed_at_us = g_get_real_time ();
  g_ptr_array_add (r->closed, s);
  g_string_append (r->log, "closed ");
  g_test_message ("closed %s: start %" G_GINT64_FORMAT " end %" G_GINT64_FORMAT
                  " duration %.3f s, %u fragments, %" G_GUINT64_FORMAT " bytes, %s, camera clock %s"
                  " offset %" G_GINT64_FORMAT " us",
                  s->path, s->start_wall_us, s->end_wall_us, s->duration_us / 1e6, s->fragments,
                  s->bytes, s->codec_string, s->camera_clock ? "yes" : "no", s->clock_offset_us);
}

static void
on_failed (gpointer user_data, RviIngestFailure failure, const char *message)
{
  RviTestRecording *r = user_data;

  g_assert_false (r->stopped || r->failed);
  r->failed = TRUE;
  r->failure = failure;
  r->message = g_strdup (message);
  r->failed_at_us = g_get_real_time ();
  g_string_append (r->log, "failed ");
  g_test_message ("failed: %s: %s", rvi_ingest_failure_to_string (failure), message);
}

static void
on_stopped (gpointer user_data)
{
  RviTestRecording *r = user_data;

  g_assert_false (r->stopped || r->failed);
  r->stopped = TRUE;
  g_string_append (r->log, "stopped ");
}

void
rvi_test_recording_start (RviTestRecording *r, RviIngestSettings *settings)
{
  static const RviIngestCallbacks callbacks = {
    on_started, on_segment_opened, on_segment_closed, on_failed, on_stopped,
  };
  g_autoptr (GError) error = NULL;

  memset (r, 0, sizeof *r);
  r->dir = g_dir_make_tmp ("rvi-ingest-XXXXXX", &error);
  g_assert_no_error (error);
  r->context = g_main_context_new ();
  g_main_context_push_thread_default (r->context);
  r->log = g_string_new ("");
  r->opened = g_ptr_array_new_with_free_func (g_free);
  r->closed = g_ptr_array_new_with_free_func (segment_free);
  if (settings->segment_dir == NULL)
    settings->segment_dir = r->dir;
  if (settings->camera_id == NULL)
    settings->camera_id = "test-cam";
  r->ingest = rvi_ingest_start (settings, &callbacks, r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r->ingest);
}

static gboolean
wake (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
rvi_test_recording_wait (RviTestRecording *r, const gboolean *flag, double seconds)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new ((guint) (seconds * 1000));

  g_source_set_callback (timeout, wake, &timed_out, NULL);
  g_source_attach (timeout, r->context);
  while ((flag == NULL || !*flag) && !timed_out)
    g_main_context_iteration (r->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  return flag != NULL && *flag;
}

void
rvi_test_recording_run (RviTestRecording *r, double seconds)
{
  rvi_test_recording_wait (r, NULL, seconds);
}

void
rvi_test_ingest_rmtree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      rvi_test_ingest_rmtree (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

void
rvi_test_recording_clear (RviTestRecording *r)
{
  g_clear_pointer (&r->ingest, rvi_ingest_free);
  /* let late posts (index jobs of a freed ingest) run and find nothing */
  rvi_test_recording_run (r, 0.2);
  g_main_context_pop_thread_default (r->context);
  g_main_context_unref (r->context);
  g_string_free (r->log, TRUE);
  g_ptr_array_unref (r->opened);
  g_ptr_array_unref (r->closed);
  rvi_stream_info_clear (&r->info);
  g_free (r->message);
  if (g_getenv ("RVI_TEST_KEEP") == NULL)
    rvi_test_ingest_rmtree (r->dir);
  g_free (r->dir);
}

static char *
run_output (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  return g_strstrip (g_steal_pointer (&out));
}

double
rvi_test_ffprobe_duration (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-show_entries", "format=duration",
                         "-of", "csv=p=0", path, NULL };
  g_autofree char *out = run_output (argv);
  char *end = NULL;
  double d = g_ascii_strtod (out, &end);

  return end != out ? d : -1;
}

char *
rvi_test_ffprobe_codec (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                         "stream=codec_name", "-of", "csv=p=0", path, NULL };

  return run_output (argv);
}

char *
rvi_test_sha256sum (const char *path)
{
  const char *argv[] = { "sha256sum", path, NULL };
  g_autofree char *out = run_output (argv);
  char *space = strchr (out, ' ');

  if (space != NULL)
    *space = '\0';
  return g_strdup (out);
}

void
rvi_test_ingest_watchdog (guint seconds)
{
  alarm (seconds);
}
