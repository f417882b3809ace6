/* ingest-native.c: the native recording path of one camera: RTSP over TCP
 * read by the shared reader thread (rtp-reader.c), RTP to access units
 * (rtp-depay.c), access units to fragmented MP4 (fmp4-writer.c), files
 * written by the shared writer thread (segment-sink.c). No GStreamer
 * element and no thread of its own per camera.
 *
 * DESIGN. Why: recording 64 cameras through rtspsrc, rtpbin, the jitter
 * buffer, depayloader, parser, queues and splitmuxsink cost about twice
 * what one ffmpeg process per camera costs, spread over per-packet
 * element calls, thread hand-offs and allocations (docs/benchmarks.md).
 * Here a packet costs a parse and a copy, on one thread for all cameras.
 *
 * States: CONNECTING (the RTSP exchange runs on a small connect pool) ->
 * READING (the reader owns the socket and all per-stream state below) ->
 * DONE. The main context asks to finish with rvi_native_camera_finish();
 * the reader then ends the open file (its last fragment, close), sends
 * TEARDOWN, and queues END on the sink; the sink's ended callback tells
 * the main context that everything is on disk. A connection lost while
 * READING takes the same way, after posting the failure.
 *
 * Files: a file starts at a key frame; it is cut at the first key frame
 * at least segment length (first_segment_seconds for the first, to stagger
 * rotation) after its start, less 250 ms of receipt jitter, or at a key
 * frame with new parameter sets (the sample entry changes).
 *
 * Wall clock: native-clock.c maps the camera's RTP time to the recorded
 * timeline (receipt time, or the camera's clock from RTCP sender reports
 * when it agrees with ours), slewed frame by frame, never stepped inside a
 * connection; a clock jump ends the file and anchors again. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "ingest-private.h"
#include "fmp4-index.h"
#include "fmp4-writer.h"
#include "native-clock.h"
#include "rtp-depay.h"
#include "rtp-reader.h"
#include "rtsp-session.h"
#include "segment-sink.h"

#include <string.h>

#define RVI_NATIVE_CONNECT_THREADS 4
#define RVI_NATIVE_BACKLOG_PAUSE (32 * 1024 * 1024)
#define RVI_NATIVE_BACKLOG_RESUME (16 * 1024 * 1024)
#define RVI_NATIVE_CUT_EARLY_US (250 * G_TIME_SPAN_MILLISECOND)
#define RVI_NTP_UNIX_OFFSET_S G_GINT64_CONSTANT (2208988800)

typedef enum {
  RVI_NATIVE_CONNECTING,
  RVI_NATIVE_READING,
  RVI_NATIVE_FINISHING,   /* the reader was asked to let go */
  RVI_NATIVE_DONE,        /* END is queued (or the connection never came up) */
} RviNativeState;

struct _RviNativeCamera {
  /* set at start, read-only after */
  char *camera_id;
  char *url;
  char *username;
  char *password;
  char *segment_dir;
  guint segment_seconds;
  guint first_segment_seconds;
  guint fragment_ms;
  guint connect_timeout_ms;
  GMainContext *context;
  RviIngestLink *link;
  RviIngestCounters *counters;
  RviSegmentSink *sink;
  RviFrameSampler *sampler;   /* may be NULL */
  RviLiveFeed *live;          /* may be NULL */

  GMutex lock;
  RviNativeState state;
  gboolean finish_requested;  /* while CONNECTING */
  gboolean end_queued;

  atomic_llong clock_offset_us;
  atomic_int have_clock_offset;

  /* the reader thread's, once READING */
  RviRtspSession session;
  RviRtpDepay *depay;
  RviFmp4Writer *writer;
  RviVideoParams params;        /* of the open file */
  GByteArray *out;
  gboolean file_open;
  guint files;
  gint64 file_first_pts;
  gint64 file_target;           /* 90 kHz */
  gboolean started;
  gboolean have_ts;
  guint32 last_ts;
  gint64 pts;                   /* camera time, unwrapped, 90 kHz */
  gint64 tpts;                  /* the frame's time on the recorded timeline, 90 kHz */
  RviNativeClock clock;
  gboolean have_sr;
  gint64 sr_ntp_us;
  guint32 sr_rtp;
  gint64 last_keepalive;
  gboolean paused;
  gboolean warned_params;
};

/* ---- posting to the main context ---- */

typedef enum {
  RVI_POST_STARTED,
  RVI_POST_OPENED,
  RVI_POST_CLOSED,
  RVI_POST_FAILED,
  RVI_POST_ENDED,
} RviPostKind;

typedef struct {
  RviIngestLink *link;
  RviPostKind kind;
  char *text;
  RviIngestFailure failure;
  gboolean flag;
  gboolean have_offset;
  gint64 offset;
  RviStreamInfo info;
} RviNativePost;

static void
post_free (gpointer data)
{
  RviNativePost *post = data;

  g_rc_box_release (post->link);
  g_free (post->text);
  rvi_stream_info_clear (&post->info);
  g_free (post);
}

static gboolean
post_run (gpointer data)
{
  RviNativePost *post = data;
  RviIngest *ingest = post->link->ingest;

  if (ingest == NULL)
    return G_SOURCE_REMOVE;
  switch (post->kind) {
    case RVI_POST_STARTED:
      rvi_ingest_native_started (ingest, &post->info);
      break;
    case RVI_POST_OPENED:
      rvi_ingest_native_opened (ingest, post->text);
      break;
    case RVI_POST_CLOSED:
      rvi_ingest_recorder_queue (ingest, post->text, post->flag, post->have_offset, post->offset);
      break;
    case RVI_POST_FAILED:
      rvi_ingest_native_failed (ingest, post->failure, post->text, post->flag);
      break;
    case RVI_POST_ENDED:
      rvi_ingest_native_ended (ingest);
      break;
  }
  return G_SOURCE_REMOVE;
}

static RviNativePost *
post_new (RviNativeCamera *camera, RviPostKind kind, const char *text)
{
  RviNativePost *post = g_new0 (RviNativePost, 1);

  post->link = g_rc_box_acquire (camera->link);
  post->kind = kind;
  post->text = g_strdup (text);
  return post;
}

static void
post (RviNativeCamera *camera, RviNativePost *post)
{
  g_main_context_invoke_full (camera->context, G_PRIORITY_DEFAULT, post_run, post, post_free);
}

static void
post_failed (RviNativeCamera *camera, RviIngestFailure failure, const char *message, gboolean refused)
{
  RviNativePost *p = post_new (camera, RVI_POST_FAILED, message);

  p->failure = failure;
  p->flag = refused;
  post (camera, p);
}

/* ---- lifetime ---- */

static void
camera_clear (gpointer data)
{
  RviNativeCamera *camera = data;

  rvi_rtsp_session_clear (&camera->session);
  g_clear_pointer (&camera->depay, rvi_rtp_depay_free);
  g_clear_pointer (&camera->writer, rvi_fmp4_writer_free);
  rvi_video_params_clear (&camera->params);
  g_clear_pointer (&camera->out, g_byte_array_unref);
  g_clear_pointer (&camera->sink, rvi_segment_sink_unref);
  g_rc_box_release (camera->link);
  rvi_ingest_counters_unref (camera->counters);
  g_main_context_unref (camera->context);
  g_mutex_clear (&camera->lock);
  g_free (camera->camera_id);
  g_free (camera->url);
  g_free (camera->username);
  if (camera->password != NULL)
    explicit_bzero (camera->password, strlen (camera->password));
  g_free (camera->password);
  g_free (camera->segment_dir);
  g_clear_pointer (&camera->sampler, rvi_frame_sampler_unref);
  g_clear_pointer (&camera->live, rvi_live_feed_unref);
}

static RviNativeCamera *
camera_ref (RviNativeCamera *camera)
{
  return g_atomic_rc_box_acquire (camera);
}

void
rvi_native_camera_unref (RviNativeCamera *camera)
{
  g_atomic_rc_box_release_full (camera, camera_clear);
}

/* ---- the sink's callbacks (writer thread) ---- */

static void
sink_opened (gpointer data, const char *path)
{
  RviNativeCamera *camera = data;

  post (camera, post_new (camera, RVI_POST_OPENED, path));
}

static void
sink_closed (gpointer data, const char *path, gboolean needs_repair)
{
  RviNativeCamera *camera = data;
  RviNativePost *p = post_new (camera, RVI_POST_CLOSED, path);

  p->flag = needs_repair;
  p->have_offset = atomic_load (&camera->have_clock_offset) != 0;
  p->offset = atomic_load (&camera->clock_offset_us);
  post (camera, p);
}

static void
sink_failed (gpointer data, const char *message)
{
  RviNativeCamera *camera = data;

  post_failed (camera, RVI_INGEST_FAILURE_DISK, message, FALSE);
}

static void
sink_ended (gpointer data)
{
  RviNativeCamera *camera = data;

  post (camera, post_new (camera, RVI_POST_ENDED, NULL));
}

static const RviSegmentSinkFuncs sink_funcs = {
  sink_opened, sink_closed, sink_failed, sink_ended,
};

/* Queues END once (caller holds the lock). */
static void
queue_end (RviNativeCamera *camera)
{
  if (camera->end_queued)
    return;
  camera->end_queued = TRUE;
  camera->state = RVI_NATIVE_DONE;
  rvi_segment_sink_end (camera->sink);
}

/* ---- files (reader thread) ---- */

/* Wall clock of the current frame. */
static gint64
frame_wall (RviNativeCamera *camera)
{
  return rvi_native_clock_wall (&camera->clock, camera->tpts);
}

static void
flush_out (RviNativeCamera *camera)
{
  rvi_segment_sink_append (camera->sink, g_steal_pointer (&camera->out));
  camera->out = g_byte_array_sized_new (256 * 1024);
}

/* Ends the open file. With @cut (the current frame starts the next file)
 * the last frame lasts until the current one, so the files meet exactly. */
static void
end_file (RviNativeCamera *camera, gboolean cut)
{
  RviFmp4FragmentInfo fragment;
  gboolean written;

  if (!camera->file_open)
    return;
  written = cut ? rvi_fmp4_writer_finish_at (camera->writer, camera->tpts, camera->out, &fragment)
                : rvi_fmp4_writer_finish (camera->writer, camera->out, &fragment);
  if (written)
    flush_out (camera);
  rvi_segment_sink_close (camera->sink);
  camera->file_open = FALSE;
}

static void
post_started (RviNativeCamera *camera)
{
  RviNativePost *p = post_new (camera, RVI_POST_STARTED, NULL);

  p->info.codec = g_strdup (camera->params.codec == RVI_CODEC_H265 ? "h265" : "h264");
  p->info.codec_string = g_strdup (camera->params.codec_string);
  p->info.width = camera->params.width;
  p->info.height = camera->params.height;
  p->info.fps = camera->params.fps;
  p->info.transport = RVI_TRANSPORT_TCP;
  post (camera, p);
}

/* Reads the current parameter sets; FALSE (logged once) when unusable. */
static gboolean
read_params (RviNativeCamera *camera, RviVideoParams *params)
{
  g_autoptr (GError) error = NULL;

  if (rvi_video_params_parse (params, camera->session.codec, rvi_rtp_depay_get_vps (camera->depay),
                              rvi_rtp_depay_get_sps (camera->depay),
                              rvi_rtp_depay_get_pps (camera->depay), &error))
    return TRUE;
  if (!camera->warned_params)
    g_warning ("camera %s: cannot record yet: %s", camera->camera_id, error->message);
  camera->warned_params = TRUE;
  return FALSE;
}

static void
begin_file (RviNativeCamera *camera, RviVideoParams *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) init = g_byte_array_new ();
  g_autofree char *path = NULL;
  guint seconds = camera->segment_seconds;

  rvi_native_clock_file_start (&camera->clock);
  rvi_video_params_clear (&camera->params);
  camera->params = *params;
  memset (params, 0, sizeof *params);
  if (!rvi_fmp4_writer_begin (camera->writer, &camera->params, init, &error)) {
    if (!camera->warned_params)
      g_warning ("camera %s: cannot record: %s", camera->camera_id, error->message);
    camera->warned_params = TRUE;
    return;
  }
  if (!camera->started) {
    /* before the open: started is posted ahead of the writer's opened */
    camera->started = TRUE;
    post_started (camera);
  }
  path = rvi_fmp4_name_for_start (camera->segment_dir, frame_wall (camera));
  rvi_segment_sink_open (camera->sink, path, g_steal_pointer (&init));
  if (camera->files == 0 && camera->first_segment_seconds > 0 &&
      camera->first_segment_seconds < camera->segment_seconds)
    seconds = camera->first_segment_seconds;
  camera->file_open = TRUE;
  camera->file_first_pts = camera->tpts;
  camera->file_target = (gint64) seconds * 90000 - RVI_NATIVE_CUT_EARLY_US * 90000 / G_USEC_PER_SEC;
  camera->files++;
}

static void
note_clock (RviNativeCamera *camera, const RviAccessUnit *au, gint64 now_real)
{
  gboolean jumped;

  camera->tpts = rvi_native_clock_frame (&camera->clock, camera->pts, now_real, &jumped);
  if (jumped) {
    g_message ("camera %s: the camera's clock jumped; starting a new segment", camera->camera_id);
    end_file (camera, FALSE);
  }
  if (au->key && camera->have_sr) {
    gint64 camera_us = camera->sr_ntp_us +
                       (gint64) (gint32) (au->rtp_timestamp - camera->sr_rtp) * G_USEC_PER_SEC /
                         (gint64) camera->session.clock_rate;

    atomic_store (&camera->clock_offset_us,
                  rvi_native_clock_camera (&camera->clock, camera->camera_id, camera->tpts,
                                           camera_us, now_real));
    atomic_store (&camera->have_clock_offset, 1);
  }
}

static void
handle_access_unit (RviNativeCamera *camera, const RviAccessUnit *au, gint64 now_real)
{
  RviFmp4FragmentInfo fragment;
  guint32 ts = au->rtp_timestamp;

  if (!camera->have_ts)
    camera->pts = 0;
  else
    camera->pts += (gint64) (gint32) (ts - camera->last_ts) * 90000 / (gint64) camera->session.clock_rate;
  camera->have_ts = TRUE;
  camera->last_ts = ts;
  rvi_ingest_counters_note (camera->counters, au->size);
  note_clock (camera, au, now_real);

  if (au->key) {
    g_auto (RviVideoParams) params = { 0 };

    if (!read_params (camera, &params))
      return;
    if (camera->file_open && (camera->tpts - camera->file_first_pts >= camera->file_target ||
                              !rvi_video_params_equal (&params, &camera->params)))
      end_file (camera, TRUE);
    if (!camera->file_open)
      begin_file (camera, &params);
    /* the sampler copies the key frame only when the camera is due; the
     * file's parameter sets are the frame's (begin_file took @params), and
     * its time is the timeline's */
    if (camera->sampler && camera->file_open && !au->damaged)
      rvi_frame_sampler_offer (camera->sampler, camera->camera_id, &camera->params, au->data,
                               au->size, frame_wall (camera));
  }
  if (!camera->file_open)
    return;  /* before the first key frame */
  if (camera->live)   /* damaged too: the viewer's decoder conceals, as the recording's would */
    rvi_live_feed_publish (camera->live, &camera->params, camera->pts,
                           frame_wall (camera), au->key, au->data, au->size);
  if (rvi_fmp4_writer_push (camera->writer, camera->tpts, au->key, au->data, au->size, camera->out,
                            &fragment))
    flush_out (camera);
}

/* ---- the reader's callbacks (reader thread) ---- */

/* Packets sit at any offset of the reader's buffer: no aligned loads. */
static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
read_sender_report (RviNativeCamera *camera, const guint8 *p, gsize size)
{
  while (size >= 8) {
    gsize length = ((((gsize) p[2] << 8) | p[3]) + 1) * 4;

    if ((p[0] >> 6) != 2 || length > size)
      return;
    if (p[1] == 200 && length >= 28) {
      guint32 seconds = read_be32 (p + 8);
      guint32 fraction = read_be32 (p + 12);

      camera->sr_ntp_us = ((gint64) seconds - RVI_NTP_UNIX_OFFSET_S) * G_USEC_PER_SEC +
                          (gint64) (((guint64) fraction * G_USEC_PER_SEC) >> 32);
      camera->sr_rtp = read_be32 (p + 16);
      camera->have_sr = TRUE;
    }
    p += length;
    size -= length;
  }
}

static void
on_packet (gpointer data, guint channel, const guint8 *packet, gsize size, gint64 now_real)
{
  RviNativeCamera *camera = data;
  RviAccessUnit au;
  g_autoptr (GError) error = NULL;

  if (channel == camera->session.rtcp_channel) {
    read_sender_report (camera, packet, size);
    return;
  }
  if (channel != camera->session.rtp_channel)
    return;
  if (rvi_rtp_depay_push (camera->depay, packet, size, &au, &error)) {
    handle_access_unit (camera, &au, now_real);
    /* a lost marker: this packet may have completed a second unit */
    if (rvi_rtp_depay_pop (camera->depay, &au))
      handle_access_unit (camera, &au, now_real);
  } else if (error != NULL) {
    g_warning ("camera %s: %s", camera->camera_id, error->message);
  }
}

static gboolean
on_tick (gpointer data, gint64 now_mono)
{
  RviNativeCamera *camera = data;
  guint64 backlog = rvi_segment_sink_backlog (camera->sink);

  if (now_mono - camera->last_keepalive > (gint64) camera->session.timeout_s * G_USEC_PER_SEC / 2) {
    camera->last_keepalive = now_mono;
    if (!rvi_rtsp_session_keepalive (&camera->session))
      g_info ("camera %s: keep-alive not sent", camera->camera_id);
  }
  if (!camera->paused && backlog > RVI_NATIVE_BACKLOG_PAUSE) {
    g_warning ("camera %s: the disk does not keep up; reading paused", camera->camera_id);
    camera->paused = TRUE;
  } else if (camera->paused && backlog < RVI_NATIVE_BACKLOG_RESUME) {
    camera->paused = FALSE;
  }
  return camera->paused;
}

static void
on_finish (gpointer data, const char *error)
{
  RviNativeCamera *camera = data;

  end_file (camera, FALSE);
  if (camera->live)
    rvi_live_feed_reset (camera->live);
  rvi_rtsp_session_clear (&camera->session);
  g_mutex_lock (&camera->lock);
  if (error != NULL && camera->state == RVI_NATIVE_READING)
    post_failed (camera, RVI_INGEST_FAILURE_STREAM_ENDED,
                 camera->started ? "the camera closed the stream" : error, FALSE);
  queue_end (camera);
  g_mutex_unlock (&camera->lock);
  rvi_native_camera_unref (camera);
}

static const RviRtpStreamFuncs stream_funcs = {
  on_packet, on_tick, on_finish,
};

/* ---- connecting (connect pool) ---- */

static void
connect_run (gpointer data, gpointer unused)
{
  RviNativeCamera *camera = data;
  RviIngestFailure failure = RVI_INGEST_FAILURE_OTHER;
  g_autofree char *message = NULL;
  RviRtspOpenResult result;

  result = rvi_rtsp_session_open (&camera->session, camera->url, camera->username, camera->password,
                                  camera->connect_timeout_ms, &failure, &message);
  g_mutex_lock (&camera->lock);
  if (result == RVI_RTSP_OPEN_OK && !camera->finish_requested) {
    camera->state = RVI_NATIVE_READING;
    camera->depay = rvi_rtp_depay_new (camera->session.codec);
    if (camera->session.fmtp != NULL)
      rvi_rtp_depay_set_fmtp (camera->depay, camera->session.fmtp);
    camera->writer = rvi_fmp4_writer_new (camera->fragment_ms);
    camera->out = g_byte_array_sized_new (256 * 1024);
    camera->last_keepalive = g_get_monotonic_time ();
    rvi_rtp_reader_add (camera->session.fd, &stream_funcs, camera_ref (camera));
  } else {
    if (result == RVI_RTSP_OPEN_OK)
      rvi_rtsp_session_clear (&camera->session);
    else if (!camera->finish_requested)
      post_failed (camera, failure, message, result == RVI_RTSP_OPEN_TRANSPORT_REFUSED);
    camera->state = RVI_NATIVE_DONE;
    if (camera->finish_requested)
      queue_end (camera);
  }
  g_mutex_unlock (&camera->lock);
  rvi_native_camera_unref (camera);
}

static GThreadPool *
connect_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool)) {
    GThreadPool *p = g_thread_pool_new (connect_run, NULL, RVI_NATIVE_CONNECT_THREADS, FALSE, NULL);

    g_once_init_leave (&pool, p);
  }
  return pool;
}

/* ---- the main context's side ---- */

gboolean
rvi_native_camera_supports (const RviIngestSettings *settings)
{
  return settings->transport != RVI_TRANSPORT_UDP &&
         g_ascii_strncasecmp (settings->url, "rtsp://", 7) == 0 &&
         g_getenv ("RVI_INGEST_GSTREAMER") == NULL;
}

RviNativeCamera *
rvi_native_camera_start (RviIngest *ingest)
{
  RviNativeCamera *camera = g_atomic_rc_box_new0 (RviNativeCamera);
  const RviIngestSettings *s = &ingest->settings;

  g_mutex_init (&camera->lock);
  camera->camera_id = g_strdup (s->camera_id);
  camera->url = g_strdup (s->url);
  camera->username = g_strdup (s->username);
  camera->password = g_strdup (s->password);
  camera->segment_dir = g_strdup (s->segment_dir);
  camera->segment_seconds = s->segment_seconds;
  camera->first_segment_seconds = s->first_segment_seconds;
  camera->fragment_ms = s->fragment_ms;
  camera->connect_timeout_ms = s->connect_timeout_ms;
  camera->sampler = s->sampler ? rvi_frame_sampler_ref (s->sampler) : NULL;
  camera->live = s->live ? rvi_live_feed_ref (s->live) : NULL;
  camera->context = g_main_context_ref (ingest->context);
  camera->link = g_rc_box_acquire (ingest->link);
  camera->counters = rvi_ingest_counters_ref (ingest->counters);
  camera->session.fd = -1;
  camera->state = RVI_NATIVE_CONNECTING;
  camera->sink = rvi_segment_sink_new (s->camera_id, s->counters, &sink_funcs,
                                       camera_ref (camera),
                                       (GDestroyNotify) rvi_native_camera_unref);
  g_thread_pool_push (connect_pool (), camera_ref (camera), NULL);
  return camera;
}

void
rvi_native_camera_finish (RviNativeCamera *camera)
{
  g_mutex_lock (&camera->lock);
  switch (camera->state) {
    case RVI_NATIVE_CONNECTING:
      camera->finish_requested = TRUE;
      break;
    case RVI_NATIVE_READING:
      camera->state = RVI_NATIVE_FINISHING;
      rvi_rtp_reader_remove (camera);
      break;
    case RVI_NATIVE_FINISHING:
      break;
    case RVI_NATIVE_DONE:
      queue_end (camera);
      break;
  }
  g_mutex_unlock (&camera->lock);
}

gboolean
rvi_native_camera_backed_up (RviNativeCamera *camera)
{
  return rvi_segment_sink_backlog (camera->sink) > RVI_NATIVE_BACKLOG_RESUME;
}
