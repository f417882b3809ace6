/* camera-fixture.c: camsim processes and linked cameras for the recording
 * tests. */
#include "camera-fixture.h"

#include <libavcodec/avcodec.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "timestamp-blocks.h"

#define MAX_ARGS 32

char *
camera_fixture_camsim (const char *const *args, GSubprocess **proc)
{
  const char *argv[MAX_ARGS] = { rvi_test_bin (), "camsim", "--listen", "127.0.0.1:0",
                                 "--cameras", "1" };
  guint n = 6;
  g_autofree char *rest = NULL;

  for (; args && *args; args++) {
    g_assert_cmpuint (n, <, MAX_ARGS - 1);
    argv[n++] = *args;
  }
  argv[n] = NULL;
  *proc = rvi_test_spawn (argv, NULL, "camsim: serving ", &rest);
  *strchrnul (rest, ' ') = '\0';
  return g_steal_pointer (&rest);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

char *
camera_fixture_camsim_scripted (GSubprocess **proc)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                  G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  const char *prefix = "camsim: serving ";

  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  *proc = g_subprocess_launcher_spawn (l, &error, rvi_test_bin (), "camsim", "--listen",
                                       "127.0.0.1:0", "--cameras", "1", "--size", "640x360",
                                       "--fps", "10", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, prefix));
  *strchrnul (line + strlen (prefix), ' ') = '\0';
  return g_strdup (line + strlen (prefix));
}

void
camera_fixture_camsim_scene (GSubprocess *proc, const char *scene)
{
  GOutputStream *in = g_subprocess_get_stdin_pipe (proc);
  g_autofree char *cmd = g_strdup_printf ("scene all %s\n", scene);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_output_stream_write_all (in, cmd, strlen (cmd), NULL, NULL, &error));
  g_assert_true (g_output_stream_flush (in, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("scene %s", scene);
}

void
camera_fixture_camsim_stop (GSubprocess *proc)
{
  if (!proc)
    return;
  rvi_test_kill (proc, SIGTERM);
  g_object_unref (proc);
}

char *
camera_fixture_add (ApiFixture *fx, guint op, const char *name, const char *url,
                    const char *extra)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, op);
  g_autofree char *body = g_strdup_printf ("{\"name\": \"%s\", \"url\": \"%s\"%s%s}", name, url,
                                           extra ? ", " : "", extra ? extra : "");
  g_autoptr (TestResponse) r = test_request (c, "POST", "/api/cameras", body, NULL);

  api_fixture_check (r, 201, NULL, NULL);
  return g_strdup (test_json_string (r, "camera.id"));
}

void
camera_fixture_set_recording (ApiFixture *fx, guint op, const char *camera, gboolean on)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, op);
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s", camera);
  g_autoptr (TestResponse) r = test_request (c, "PATCH", path, on ? "{\"recording\": true}"
                                             : "{\"recording\": false}", NULL);

  api_fixture_check (r, 200, NULL, NULL);
}

void
camera_fixture_wait_segments (ApiFixture *fx, const char *camera, gint64 n, guint seconds)
{
  static const char sql[] = "SELECT count(*) FROM segments WHERE camera_id = $1::uuid"
                            " AND status = 'closed'";

  for (guint i = 0; i < seconds * 4 && api_fixture_count (fx, sql, camera, NULL) < n; i++)
    g_usleep (G_USEC_PER_SEC / 4);
  g_assert_cmpint (api_fixture_count (fx, sql, camera, NULL), >=, n);
}

gboolean
camera_fixture_jpeg_stamp (GBytes *jpeg, int *width, int *height, gint64 *stamp_us)
{
  const AVCodec *codec = avcodec_find_decoder (AV_CODEC_ID_MJPEG);
  AVCodecContext *ctx = avcodec_alloc_context3 (codec);
  AVPacket *pkt = av_packet_alloc ();
  AVFrame *pic = av_frame_alloc ();
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (jpeg, &size);
  gint64 ms = 0;
  gboolean ok = FALSE;

  if (avcodec_open2 (ctx, codec, NULL) >= 0 && av_new_packet (pkt, (int) size) >= 0) {
    memcpy (pkt->data, data, size);
    if (avcodec_send_packet (ctx, pkt) >= 0 && avcodec_receive_frame (ctx, pic) >= 0) {
      *width = pic->width;
      *height = pic->height;
      ok = rvi_timestamp_blocks_read (pic->data[0], pic->width, pic->height, pic->linesize[0],
                                      &ms);
      *stamp_us = ms * 1000;
    }
  }
  av_frame_free (&pic);
  av_packet_free (&pkt);
  avcodec_free_context (&ctx);
  return ok;
}
