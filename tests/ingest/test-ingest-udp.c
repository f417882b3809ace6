/* test-ingest-udp.c: a camera that refuses TCP interleaving and sends
 * B-frames. An in-process gst-rtsp-server (its own thread and main
 * context, port 0) offers only UDP and streams x264 High profile with two
 * B-frames; the ingest in AUTO mode must fall back to UDP by itself, say
 * so in started, and record segments ffprobe reads, with B-frames. The
 * pipeline path's key frames reach the frame sampler too, and every frame
 * the live feed, starting with a key frame (ingest-tap.c). */
#include "ingest-recording.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

typedef struct {
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GstRTSPServer *server;
  guint port;
  GMutex lock;
  GCond cond;
} UdpServer;

static gpointer
serve (gpointer data)
{
  UdpServer *s = data;
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new ();
  g_autoptr (GstRTSPMountPoints) mounts = NULL;

  g_main_context_push_thread_default (s->context);
  s->server = gst_rtsp_server_new ();
  gst_rtsp_server_set_address (s->server, "127.0.0.1");
  gst_rtsp_server_set_service (s->server, "0");
  gst_rtsp_media_factory_set_launch (factory,
    "( videotestsrc is-live=true pattern=ball ! "
    "video/x-raw,format=I420,width=320,height=240,framerate=15/1 ! "
    "x264enc speed-preset=superfast bframes=2 b-adapt=false key-int-max=30 ! "
    "video/x-h264,profile=high ! rtph264pay name=pay0 pt=96 config-interval=-1 )");
  gst_rtsp_media_factory_set_shared (factory, FALSE);
  gst_rtsp_media_factory_set_protocols (factory, GST_RTSP_LOWER_TRANS_UDP);
  mounts = gst_rtsp_server_get_mount_points (s->server);
  gst_rtsp_mount_points_add_factory (mounts, "/cam", factory);
  gst_rtsp_server_attach (s->server, s->context);
  g_mutex_lock (&s->lock);
  s->port = (guint) gst_rtsp_server_get_bound_port (s->server);
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  g_main_loop_run (s->loop);
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
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

/* Sampler callback (its thread): counts stills. */
static void
count_sample (RviFrameSample *sample, const char *camera_id, const GError *error, gpointer data)
{
  if (sample) {
    g_assert_cmpuint (sample->source_width, ==, 320);
    g_assert_true (g_file_test (sample->path, G_FILE_TEST_IS_REGULAR));
    g_atomic_int_inc ((gint *) data);
  }
  rvi_frame_sample_free (sample);
}

typedef struct {
  gint frames, keys;
  gboolean first_key;
  gint64 last_pts;
  gboolean ordered;
} LiveSeen;

/* Live feed callback (the streaming thread). */
static void
count_live (const RviLiveFrame *frame, const RviVideoParams *params, gboolean catch_up,
            gpointer data)
{
  LiveSeen *seen = data;

  if (seen->frames == 0)
    seen->first_key = frame->key;
  else if (frame->pts_90k <= seen->last_pts - 90000)
    seen->ordered = FALSE;   /* B-frames go back a little, never a second */
  seen->last_pts = frame->pts_90k;
  seen->frames++;
  seen->keys += frame->key;
  g_assert_nonnull (params->sps);
}

static void
test_udp_fallback_b_frames (void)
{
  UdpServer s = { 0 };
  g_autofree char *url = NULL;
  RviIngestSettings settings = { 0 };
  RviTestRecording r;
  gint stills = 0;
  g_autofree char *still_dir = g_dir_make_tmp ("rvi-udp-stills-XXXXXX", NULL);
  RviFrameSamplerConfig sc = { .media_dir = still_dir, .interval_us = 1, .max_width = 320,
                               .quality = 5, .queue_max = 8,
                               .queue_bytes_max = 8 * 1024 * 1024 };
  RviFrameSampler *sampler = rvi_frame_sampler_new (&sc, count_sample, &stills);
  g_autoptr (RviLiveFeed) live = rvi_live_feed_new ("udp");
  LiveSeen seen = { .ordered = TRUE };

  s.context = g_main_context_new ();
  s.loop = g_main_loop_new (s.context, FALSE);
  g_mutex_init (&s.lock);
  g_cond_init (&s.cond);
  s.thread = g_thread_new ("udp-server", serve, &s);
  g_mutex_lock (&s.lock);
  while (s.port == 0)
    g_cond_wait (&s.cond, &s.lock);
  g_mutex_unlock (&s.lock);
  url = g_strdup_printf ("rtsp://127.0.0.1:%u/cam", s.port);

  settings.url = url;
  settings.transport = RVI_TRANSPORT_AUTO;
  settings.segment_seconds = 4;
  settings.first_segment_seconds = 4;
  settings.fragment_ms = 1000;
  settings.stall_timeout_ms = 3000;
  settings.connect_timeout_ms = 5000;
  settings.sampler = sampler;
  settings.live = live;
  rvi_live_feed_subscribe (live, count_live, &seen, NULL);
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 15));
  g_assert_cmpint (r.info.transport, ==, RVI_TRANSPORT_UDP);
  g_assert_cmpstr (r.info.codec, ==, "h264");
  g_assert_true (g_str_has_prefix (r.info.codec_string, "avc1.64"));
  rvi_test_recording_run (&r, 9);
  rvi_ingest_stop (r.ingest);
  g_assert_true (rvi_test_recording_wait (&r, &r.stopped, 10));
  g_test_message ("events: %s", r.log->str);
  g_assert_cmpuint (r.closed->len, >=, 2);
  for (guint i = 0; i < r.closed->len; i++) {
    RviTestSegment *seg = g_ptr_array_index (r.closed, i);
    double probed = rvi_test_ffprobe_duration (seg->path);
    guint b = count_b_frames (seg->path);

    g_test_message ("%s: %.3f s (ffprobe %.3f s), %u B-frames", seg->path, seg->duration_us / 1e6,
                    probed, b);
    g_assert_true (seg->first_key);
    g_assert_cmpfloat (ABS (probed - seg->duration_us / 1e6), <=, 0.1);
    g_assert_cmpuint (b, >, 0);
    if (i > 0) {
      RviTestSegment *prev = g_ptr_array_index (r.closed, i - 1);

      /* over UDP the jitter buffer's receipt times carry more jitter than
       * over loopback TCP (measured: up to ~35 ms): two frames */
      g_test_message ("boundary %u: %" G_GINT64_FORMAT " us", i, seg->start_wall_us - prev->end_wall_us);
      g_assert_cmpint (ABS (seg->start_wall_us - prev->end_wall_us), <=, 2 * G_USEC_PER_SEC / 15);
    }
  }
  rvi_test_recording_clear (&r);
  /* a key frame every 2 s over about 9 s, every one sampled */
  rvi_frame_sampler_free (sampler);
  g_test_message ("stills: %d", stills);
  g_assert_cmpint (stills, >=, 3);
  /* 15 fps for about 9 s reach the live feed, from a key frame on */
  g_test_message ("live frames: %d (%d key)", seen.frames, seen.keys);
  g_assert_true (seen.first_key);
  g_assert_true (seen.ordered);
  g_assert_cmpint (seen.frames, >=, 100);
  g_assert_cmpint (seen.keys, >=, 3);
  {
    const char *argv[] = { "rm", "-rf", still_dir, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 NULL, NULL, NULL, NULL));
  }

  g_main_context_invoke (s.context, quit, s.loop);
  g_thread_join (s.thread);
  g_object_unref (s.server);
  g_main_loop_unref (s.loop);
  g_main_context_unref (s.context);
  g_mutex_clear (&s.lock);
  g_cond_clear (&s.cond);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  rvi_test_ingest_watchdog (90);
  g_test_add_func ("/ingest/udp-fallback-b-frames", test_udp_fallback_b_frames);
  return g_test_run ();
}
