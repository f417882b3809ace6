/* camera-stats.c: one camera's running figures for /metrics (see
 * camera-stats.h). */
#include "camera-stats.h"

static const char *const cause_names[RVI_GAP_CAUSES] = {
  "auth_failed", "db_unavailable", "disabled", "disk_full", "error", "no_video",
  "node_failover", "server_restart", "stream_ended", "timeout", "unreachable", "unsupported",
};

typedef struct {
  RviCameraStats stats;
  RviRecordingCounters *media;   /* owned */
} Box;

const char *
rvi_gap_cause_name (guint cause)
{
  g_return_val_if_fail (cause < RVI_GAP_CAUSES, NULL);
  return cause_names[cause];
}

static guint
cause_index (const char *cause)
{
  for (guint i = 0; i < RVI_GAP_CAUSES; i++)
    if (g_strcmp0 (cause, cause_names[i]) == 0)
      return i;
  return 4;   /* "error" */
}

RviCameraStats *
rvi_camera_stats_new (void)
{
  Box *box = g_rc_box_new0 (Box);

  box->media = rvi_recording_counters_new ();
  box->stats.media = box->media;
  box->stats.open_cause = -1;
  return &box->stats;
}

RviCameraStats *
rvi_camera_stats_ref (RviCameraStats *stats)
{
  return &((Box *) g_rc_box_acquire ((Box *) stats))->stats;
}

static void
box_clear (gpointer data)
{
  Box *box = data;

  rvi_recording_counters_unref (box->media);
}

void
rvi_camera_stats_unref (RviCameraStats *stats)
{
  g_rc_box_release_full ((Box *) stats, box_clear);
}

void
rvi_camera_stats_gap_closed (RviCameraStats *s, gint64 end_us)
{
  if (s->open_cause < 0)
    return;
  /* at least what was shown while it was open, so the total never drops */
  s->gap_us[s->open_cause] += MAX (end_us - s->open_start_us, s->open_shown_us);
  s->open_cause = -1;
  s->open_shown_us = 0;
}

void
rvi_camera_stats_gap_opened (RviCameraStats *s, const char *cause, gint64 start_us)
{
  rvi_camera_stats_gap_closed (s, start_us);
  s->open_cause = (int) cause_index (cause);
  s->open_start_us = start_us;
  s->open_shown_us = 0;
}

void
rvi_camera_stats_gap (RviCameraStats *s, const char *cause, gint64 start_us, gint64 end_us)
{
  s->gap_us[cause_index (cause)] += MAX (end_us - start_us, 0);
}

double
rvi_camera_stats_gap_seconds (RviCameraStats *s, guint cause, gint64 now_us)
{
  gint64 us;

  g_return_val_if_fail (cause < RVI_GAP_CAUSES, -1);
  us = s->gap_us[cause];
  if (s->open_cause == (int) cause) {
    s->open_shown_us = MAX (s->open_shown_us, now_us - s->open_start_us);
    us += s->open_shown_us;
  } else if (us == 0) {
    return -1;
  }
  return us / 1e6;
}

void
rvi_camera_stats_alert (RviCameraStats *s, RviAlertKind kind, gboolean raised)
{
  g_return_if_fail (kind < RVI_ALERT_KINDS);
  if (raised && !s->alert_open[kind])
    s->alerts_raised[kind]++;
  s->alert_open[kind] = raised;
}
