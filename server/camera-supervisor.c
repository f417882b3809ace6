/* camera-supervisor.c: the per-camera state machine.
 *
 * DESIGN
 * The supervisor owns at most one RviIngest. Ingest callbacks arrive on
 * the main loop; a failure frees the ingest from an idle callback (never
 * inside its own callback), opens a gap and schedules the next attempt:
 * back-off doubles from 1 s to backoff_cap_s with +-25 % jitter; an
 * authentication failure starts at 30 s and doubles to auth_backoff_cap_s
 * and the state says why. A successful start resets the back-off.
 *
 * Gaps: gap_id is the open gap. A failure opens one from the end of the
 * last recording (or now); a different cause closes it and opens another;
 * the next segment's start closes it. A hole between consecutive segments
 * longer than MAX_JOIN_US that no gap explains (the stream paused without
 * failing) is recorded as a closed gap when the later segment closes, so
 * no interval goes unexplained.
 *
 * Figures for /metrics go to the camera's RviCameraStats as they happen:
 * reconnects and gaps here, frames, bytes and segments in the ingest. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "camera-supervisor.h"
#include "loop-timer.h"
#include "rvi-error.h"

#include <string.h>

#define AUTH_BACKOFF_START_S 30
#define MAX_JOIN_US (2 * G_USEC_PER_SEC)
#define STATUS_INTERVAL_S 5

typedef enum {
  STATE_DISABLED,
  STATE_CONNECTING,
  STATE_STREAMING,
  STATE_BACKING_OFF,
  STATE_AUTH_FAILED,
  STATE_DISK_FULL,
  STATE_DB_UNAVAILABLE,
  STATE_STOPPED,
} State;

static const char *const state_names[] = { "disabled", "connecting", "streaming", "backing_off",
                                           "auth_failed", "disk_full", "db_unavailable",
                                           "disabled" };

static const char *const sorted_states[RVI_CAMERA_STATES] = {
  "auth_failed", "backing_off", "connecting", "db_unavailable", "disabled", "disk_full",
  "streaming",
};

struct _RviCameraSupervisor {
  const RviSupervisorContext *ctx;
  RviCameraConfig *config;
  char *segment_dir;
  State state;
  gint64 since_us;
  char *message;
  RviIngest *ingest;
  gboolean stopping;           /* an ingest stop is under way */
  gboolean restart_after_stop; /* start again once it stopped */
  gboolean disk_full;
  RviStreamInfo info;
  guint attempt;
  RviCameraStats *stats;
  gint64 retry_at_us;
  GSource *retry;        /* loop-timer.h */
  GSource *status;
  gint64 last_end_us;          /* end of the last closed segment */
  gint64 covered_until_us;     /* end of the last gap closed by a segment start */
  GQueue open_paths;           /* segments opened and not closed yet, oldest first */
  char *gap_id;
  char *gap_cause;
  RviSupervisorDone stop_done;
  gpointer stop_data;
};

static void start_ingest (RviCameraSupervisor *sup);

static void
push_status (RviCameraSupervisor *sup)
{
  RviIngestStats stats = { 0 };
  RviCameraStatus s = {
    .state = state_names[sup->state],
    .message = sup->message ? sup->message : "",
    .since_us = sup->since_us,
    .retry_at_us = sup->retry_at_us,
    .info = sup->info.codec ? &sup->info : NULL,
    .reconnects = sup->stats->reconnects,
  };

  if (sup->ingest && sup->state == STATE_STREAMING) {
    rvi_ingest_get_stats (sup->ingest, &stats);
    s.fps = stats.fps;
    s.bitrate_bps = stats.bitrate_bps;
    s.last_frame_us = stats.last_frame_wall_us;
  }
  rvi_index_writer_status (sup->ctx->writer, sup->config->id, &s);
}

static void
set_state (RviCameraSupervisor *sup, State state, const char *message)
{
  if (sup->state != state) {
    g_message ("camera %s (%s): %s%s%s", sup->config->id, sup->config->name, state_names[state],
               message && *message ? ": " : "", message ? message : "");
    sup->since_us = g_get_real_time ();
  }
  sup->state = state;
  g_free (sup->message);
  sup->message = g_strdup (message ? message : "");
  push_status (sup);
}

static gboolean
status_tick (gpointer data)
{
  push_status (data);
  return G_SOURCE_CONTINUE;
}

/* Opens a gap for @cause unless one for the same cause is open. */
static void
open_gap (RviCameraSupervisor *sup, const char *cause, const char *detail)
{
  gint64 now = g_get_real_time ();
  gint64 start = sup->last_end_us && sup->last_end_us < now ? sup->last_end_us : now;

  if (sup->gap_id && g_strcmp0 (sup->gap_cause, cause) == 0)
    return;
  if (sup->gap_id) {
    rvi_index_writer_gap_closed (sup->ctx->writer, sup->gap_id, now);
    start = now;
    g_clear_pointer (&sup->gap_id, g_free);
  }
  sup->gap_id = g_uuid_string_random ();
  g_free (sup->gap_cause);
  sup->gap_cause = g_strdup (cause);
  rvi_camera_stats_gap_opened (sup->stats, cause, start);
  rvi_index_writer_gap_opened (sup->ctx->writer, sup->config->id, sup->gap_id, start, cause,
                               detail);
}

static void
close_gap (RviCameraSupervisor *sup, gint64 end_us)
{
  if (!sup->gap_id)
    return;
  rvi_camera_stats_gap_closed (sup->stats, end_us);
  rvi_index_writer_gap_closed (sup->ctx->writer, sup->gap_id, end_us);
  g_clear_pointer (&sup->gap_id, g_free);
  g_clear_pointer (&sup->gap_cause, g_free);
}

static gboolean
retry_cb (gpointer data)
{
  RviCameraSupervisor *sup = data;

  rvi_timer_drop (&sup->retry);
  sup->retry_at_us = 0;
  start_ingest (sup);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (RviCameraSupervisor *sup, guint delay_ms)
{
  rvi_timer_drop (&sup->retry);
  sup->retry_at_us = g_get_real_time () + (gint64) delay_ms * 1000;
  sup->retry = rvi_timer_new (delay_ms, retry_cb, sup);
}

/* The next back-off: doubling from @start_s to @cap_s, +-25 % jitter. */
static guint
backoff_ms (guint attempt, guint start_s, guint cap_s)
{
  double s = start_s;

  for (guint i = 1; i < attempt && s < cap_s; i++)
    s *= 2;
  s = MIN (s, (double) cap_s);
  return (guint) (s * 1000 * g_random_double_range (0.75, 1.25));
}

static void
free_ingest_later (RviCameraSupervisor *sup)
{
  if (sup->ingest)
    rvi_idle_once ((GSourceOnceFunc) rvi_ingest_free, g_steal_pointer (&sup->ingest));
}

/* --- ingest callbacks (main loop) --- */

static void
on_started (gpointer data, const RviStreamInfo *info)
{
  RviCameraSupervisor *sup = data;

  rvi_stream_info_clear (&sup->info);
  sup->info.codec = g_strdup (info->codec);
  sup->info.codec_string = g_strdup (info->codec_string);
  sup->info.width = info->width;
  sup->info.height = info->height;
  sup->info.fps = info->fps;
  sup->info.transport = info->transport;
  sup->attempt = 0;
  if (sup->config->transport == RVI_TRANSPORT_AUTO
      && sup->config->transport_learned != info->transport) {
    sup->config->transport_learned = info->transport;
    rvi_index_writer_learn_transport (sup->ctx->writer, sup->config->id, info->transport);
  }
  set_state (sup, STATE_STREAMING, NULL);
}

static void
on_segment_opened (gpointer data, const char *path, gint64 start_us)
{
  RviCameraSupervisor *sup = data;

  if (sup->gap_id) {
    close_gap (sup, start_us);
    sup->covered_until_us = start_us;
  }
  g_queue_push_tail (&sup->open_paths, g_strdup (path));
  if (!rvi_index_writer_segment_opened (sup->ctx->writer, sup->config->id, path, start_us))
    g_warning ("camera %s: index queue full; segment %s will be indexed at the next start",
               sup->config->id, path);
}

static void
on_segment_closed (gpointer data, const RviSegmentInfo *segment)
{
  RviCameraSupervisor *sup = data;
  gint64 covered = MAX (sup->last_end_us, sup->covered_until_us);
  char *opened = g_queue_peek_head (&sup->open_paths);

  if (opened && g_str_equal (opened, segment->path))
    g_free (g_queue_pop_head (&sup->open_paths));

  /* closes arrive in order, each after the next segment opened: a hole
   * between this segment and what came before that no gap explains is a
   * pause of the stream, recorded as such */
  if (covered && segment->start_wall_us - covered > MAX_JOIN_US && !sup->gap_id) {
    g_autofree char *id = g_uuid_string_random ();
    rvi_index_writer_gap_opened (sup->ctx->writer, sup->config->id, id, covered, "timeout",
                                 "the stream paused between two segments");
    rvi_index_writer_gap_closed (sup->ctx->writer, id, segment->start_wall_us);
    rvi_camera_stats_gap (sup->stats, "timeout", covered, segment->start_wall_us);
  }
  sup->last_end_us = MAX (sup->last_end_us, segment->end_wall_us);
  if (!rvi_index_writer_segment_closed (sup->ctx->writer, sup->config->id, segment)) {
    /* the database has been away too long: stop rather than record blind */
    open_gap (sup, "db_unavailable", "the index queue is full");
    if (sup->ingest && !sup->stopping)
      rvi_ingest_stop (sup->ingest);
    sup->stopping = TRUE;
    set_state (sup, STATE_DB_UNAVAILABLE, "the database has been unreachable too long");
  }
}

/* The gap cause recorded for an ingest failure. */
static const char *
failure_cause (RviIngestFailure failure)
{
  switch (failure) {
    case RVI_INGEST_FAILURE_UNREACHABLE:
      return "unreachable";
    case RVI_INGEST_FAILURE_AUTH:
      return "auth_failed";
    case RVI_INGEST_FAILURE_TIMEOUT:
      return "timeout";
    case RVI_INGEST_FAILURE_STREAM_ENDED:
      return "stream_ended";
    case RVI_INGEST_FAILURE_NO_VIDEO:
      return "no_video";
    case RVI_INGEST_FAILURE_UNSUPPORTED:
      return "unsupported";
    case RVI_INGEST_FAILURE_DISK:
      return "disk_full";
    default:
      return "error";
  }
}

/* Segments opened but never closed (the ingest could not keep any of
 * them): their 'open' rows go, the gap that follows covers the time. */
static void
discard_open_segments (RviCameraSupervisor *sup)
{
  char *path;

  while ((path = g_queue_pop_head (&sup->open_paths))) {
    g_warning ("camera %s: segment %s kept nothing; it is dropped", sup->config->id, path);
    rvi_index_writer_segment_discarded (sup->ctx->writer, path);
    g_free (path);
  }
}

static void
on_failed (gpointer data, RviIngestFailure failure, const char *message)
{
  RviCameraSupervisor *sup = data;
  guint delay;

  free_ingest_later (sup);
  discard_open_segments (sup);
  sup->stopping = FALSE;
  sup->attempt++;
  sup->stats->reconnects++;
  open_gap (sup, failure_cause (failure), message);
  if (failure == RVI_INGEST_FAILURE_AUTH) {
    delay = backoff_ms (sup->attempt, AUTH_BACKOFF_START_S, sup->ctx->auth_backoff_cap_s);
    schedule_retry (sup, delay);
    set_state (sup, STATE_AUTH_FAILED,
               "authentication failed: check the camera's user name and password");
    return;
  }
  if (failure == RVI_INGEST_FAILURE_DISK) {
    schedule_retry (sup, 30 * 1000);
    set_state (sup, STATE_DISK_FULL, message);
    return;
  }
  delay = backoff_ms (sup->attempt, 1, sup->ctx->backoff_cap_s);
  schedule_retry (sup, delay);
  set_state (sup, STATE_BACKING_OFF, message ? message : "failed");
}

static void
on_stopped (gpointer data)
{
  RviCameraSupervisor *sup = data;
  RviSupervisorDone done = sup->stop_done;

  free_ingest_later (sup);
  discard_open_segments (sup);
  sup->stopping = FALSE;
  if (done) {
    sup->stop_done = NULL;
    done (sup->stop_data);
    return;
  }
  if (sup->restart_after_stop) {
    sup->restart_after_stop = FALSE;
    start_ingest (sup);
  } else if (sup->state == STATE_DB_UNAVAILABLE) {
    schedule_retry (sup, 10 * 1000);
  }
}

static const RviIngestCallbacks callbacks = {
  .started = on_started,
  .segment_opened = on_segment_opened,
  .segment_closed = on_segment_closed,
  .failed = on_failed,
  .stopped = on_stopped,
};

/* Seconds of the first segment, spread by camera so that rotations of many
 * cameras do not all fall on the same second. */
static guint
first_segment_seconds (const RviCameraConfig *c)
{
  guint spread = g_str_hash (c->id) % c->segment_seconds;
  return MAX (5u, spread);
}

static void
start_ingest (RviCameraSupervisor *sup)
{
  const RviSupervisorContext *ctx = sup->ctx;
  RviCameraConfig *c = sup->config;
  g_autofree char *password = NULL;
  g_autoptr (GError) error = NULL;
  RviIngestSettings settings = { 0 };
  g_autoptr (RviLiveFeed) live = NULL;

  if (sup->ingest || sup->stopping || sup->state == STATE_STOPPED)
    return;
  if (!c->recording) {
    open_gap (sup, "disabled", "recording is switched off");
    set_state (sup, STATE_DISABLED, NULL);
    return;
  }
  if (sup->disk_full) {
    open_gap (sup, "disk_full", "only held recordings are left and the disk is full");
    set_state (sup, STATE_DISK_FULL, "disk full: only held recordings are left");
    return;
  }
  if (c->password_box) {
    password = rvi_credential_box_open_sealed (ctx->credentials, c->password_box, &error);
    if (!password) {
      open_gap (sup, "auth_failed", error->message);
      set_state (sup, STATE_AUTH_FAILED, error->message);
      return;
    }
  }
  settings.camera_id = c->id;
  settings.url = c->url;
  settings.username = c->username;
  settings.password = password;
  settings.transport = c->transport != RVI_TRANSPORT_AUTO ? c->transport : c->transport_learned;
  settings.segment_dir = sup->segment_dir;
  settings.sampler = sup->ctx->sampler;
  live = sup->ctx->live ? rvi_live_hub_feed (sup->ctx->live, c->id) : NULL;
  settings.live = live;
  settings.counters = sup->stats->media;
  settings.segment_seconds = c->segment_seconds;
  settings.first_segment_seconds = first_segment_seconds (c);
  settings.fragment_ms = ctx->fragment_ms;
  settings.stall_timeout_ms = ctx->stall_timeout_ms;
  settings.connect_timeout_ms = ctx->connect_timeout_ms;
  sup->ingest = rvi_ingest_start (&settings, &callbacks, sup, &error);
  if (!sup->ingest) {
    open_gap (sup, "error", error->message);
    schedule_retry (sup, 30 * 1000);
    set_state (sup, STATE_BACKING_OFF, error->message);
    return;
  }
  set_state (sup, STATE_CONNECTING, NULL);
}

RviCameraSupervisor *
rvi_camera_supervisor_new (const RviSupervisorContext *ctx, const RviCameraConfig *config,
                           gint64 last_end_us, const char *gap_cause, const char *gap_detail,
                           RviCameraStats *stats)
{
  RviCameraSupervisor *sup = g_new0 (RviCameraSupervisor, 1);

  sup->ctx = ctx;
  sup->stats = rvi_camera_stats_ref (stats);
  sup->config = g_new0 (RviCameraConfig, 1);
  rvi_camera_supervisor_update (sup, config);
  sup->segment_dir = g_build_filename (ctx->media_dir, config->id, NULL);
  sup->last_end_us = last_end_us;
  sup->state = STATE_CONNECTING;
  sup->since_us = g_get_real_time ();
  if (gap_cause && last_end_us)
    open_gap (sup, gap_cause, gap_detail ? gap_detail : "");
  sup->status = rvi_timer_new (STATUS_INTERVAL_S * 1000, status_tick, sup);
  start_ingest (sup);
  return sup;
}

static gboolean
connection_changed (const RviCameraConfig *a, const RviCameraConfig *b)
{
  return g_strcmp0 (a->url, b->url) || g_strcmp0 (a->username, b->username)
         || g_strcmp0 (a->password_box, b->password_box) || a->transport != b->transport
         || a->segment_seconds != b->segment_seconds;
}

void
rvi_camera_supervisor_update (RviCameraSupervisor *sup, const RviCameraConfig *config)
{
  RviCameraConfig *old = sup->config;
  gboolean first = old->id == NULL;
  gboolean changed = !first && connection_changed (old, config);
  gboolean was_recording = old->recording;

  sup->config = g_new0 (RviCameraConfig, 1);
  sup->config->id = g_strdup (config->id);
  sup->config->name = g_strdup (config->name);
  sup->config->url = g_strdup (config->url);
  sup->config->username = g_strdup (config->username);
  sup->config->password_box = g_strdup (config->password_box);
  sup->config->transport = config->transport;
  sup->config->transport_learned = config->transport_learned;
  sup->config->recording = config->recording;
  sup->config->segment_seconds = config->segment_seconds;
  sup->config->retention_days = config->retention_days;
  rvi_camera_config_free (old);
  if (first)
    return;

  if (!config->recording && was_recording) {
    if (sup->ingest) {
      sup->stopping = TRUE;
      rvi_ingest_stop (sup->ingest);
    }
    rvi_timer_drop (&sup->retry);
    open_gap (sup, "disabled", "recording is switched off");
    set_state (sup, STATE_DISABLED, NULL);
  } else if (config->recording && (!was_recording || changed)) {
    sup->attempt = 0;
    rvi_timer_drop (&sup->retry);
    if (sup->ingest) {
      sup->restart_after_stop = TRUE;
      if (!sup->stopping)
        rvi_ingest_stop (sup->ingest);
      sup->stopping = TRUE;
    } else {
      start_ingest (sup);
    }
  }
}

void
rvi_camera_supervisor_set_disk_full (RviCameraSupervisor *sup, gboolean full)
{
  if (sup->disk_full == full)
    return;
  sup->disk_full = full;
  if (full && sup->ingest) {
    open_gap (sup, "disk_full", "only held recordings are left and the disk is full");
    set_state (sup, STATE_DISK_FULL, "disk full: only held recordings are left");
    if (!sup->stopping)
      rvi_ingest_stop (sup->ingest);
    sup->stopping = TRUE;
  } else if (!full && sup->state == STATE_DISK_FULL && !sup->ingest) {
    start_ingest (sup);
  }
}

const char *
rvi_camera_supervisor_get_state (RviCameraSupervisor *sup)
{
  return state_names[sup->state];
}

const char *
rvi_camera_state_name (guint i)
{
  g_return_val_if_fail (i < RVI_CAMERA_STATES, NULL);
  return sorted_states[i];
}

void
rvi_camera_supervisor_get_live (RviCameraSupervisor *sup, RviCameraLive *live)
{
  RviIngestStats stats = { 0 };

  memset (live, 0, sizeof *live);
  live->state = state_names[sup->state];
  live->up = sup->state == STATE_STREAMING && sup->ingest != NULL;
  if (live->up) {
    rvi_ingest_get_stats (sup->ingest, &stats);
    live->fps = stats.fps;
    live->bitrate_bps = stats.bitrate_bps;
  }
}

void
rvi_camera_supervisor_stop (RviCameraSupervisor *sup, RviSupervisorDone done, gpointer user_data)
{
  rvi_timer_drop (&sup->retry);
  sup->state = STATE_STOPPED;
  sup->restart_after_stop = FALSE;
  /* this node no longer watches the camera: its gap stops counting here */
  rvi_camera_stats_gap_closed (sup->stats, g_get_real_time ());
  if (!sup->ingest) {
    done (user_data);
    return;
  }
  sup->stop_done = done;
  sup->stop_data = user_data;
  if (!sup->stopping)
    rvi_ingest_stop (sup->ingest);
  sup->stopping = TRUE;
}

void
rvi_camera_supervisor_free (RviCameraSupervisor *sup)
{
  if (!sup)
    return;
  rvi_timer_drop (&sup->retry);
  rvi_timer_drop (&sup->status);
  rvi_ingest_free (sup->ingest);
  if (sup->ctx->sampler)
    rvi_frame_sampler_forget (sup->ctx->sampler, sup->config->id);
  if (sup->ctx->live)
    rvi_live_hub_remove (sup->ctx->live, sup->config->id);   /* its viewers are told */
  g_queue_clear_full (&sup->open_paths, g_free);
  rvi_stream_info_clear (&sup->info);
  rvi_camera_config_free (sup->config);
  g_free (sup->segment_dir);
  g_free (sup->message);
  g_free (sup->gap_id);
  g_free (sup->gap_cause);
  rvi_camera_stats_gap_closed (sup->stats, g_get_real_time ());
  rvi_camera_stats_unref (sup->stats);
  g_free (sup);
}
