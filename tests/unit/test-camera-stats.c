/* test-camera-stats: a camera's /metrics figures without a camera: gap
 * seconds by cause (open, read, closed, a closed gap added after the fact,
 * never decreasing), tamper alert counting, recording counters, the
 * escaping of label values, and the order of the state and cause names
 * that /metrics relies on for stable output. */
#include <glib.h>
#include <string.h>

#include "camera-stats.h"
#include "camera-supervisor.h"
#include "metrics-cameras.h"

#define S G_USEC_PER_SEC

static void
test_gaps (void)
{
  g_autoptr (RviCameraStats) st = rvi_camera_stats_new ();
  guint timeout = 9, stream_ended = 8, restart = 7, error = 4;

  g_assert_cmpstr (rvi_gap_cause_name (timeout), ==, "timeout");
  g_assert_cmpstr (rvi_gap_cause_name (stream_ended), ==, "stream_ended");
  g_assert_cmpstr (rvi_gap_cause_name (restart), ==, "server_restart");
  g_assert_cmpstr (rvi_gap_cause_name (error), ==, "error");
  for (guint c = 0; c < RVI_GAP_CAUSES; c++)
    g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, c, 100 * S), ==, -1);   /* none yet */

  /* an open gap grows with the time it is read at */
  rvi_camera_stats_gap_opened (st, "server_restart", 10 * S);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, restart, 15 * S), ==, 5);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, restart, 20 * S), ==, 10);
  /* it closes at the next segment's first frame, before it was last read:
   * the figure stays where it was */
  rvi_camera_stats_gap_closed (st, 18 * S);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, restart, 30 * S), ==, 10);
  /* closed later than read: the whole gap counts */
  rvi_camera_stats_gap_opened (st, "server_restart", 40 * S);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, restart, 41 * S), ==, 11);
  rvi_camera_stats_gap_closed (st, 43 * S);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, restart, 50 * S), ==, 13);
  rvi_camera_stats_gap_closed (st, 60 * S);   /* none open: nothing */
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, restart, 70 * S), ==, 13);

  /* a new cause ends the open gap where it starts */
  rvi_camera_stats_gap_opened (st, "stream_ended", 100 * S);
  rvi_camera_stats_gap_opened (st, "timeout", 104 * S);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, stream_ended, 110 * S), ==, 4);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, timeout, 110 * S), ==, 6);
  rvi_camera_stats_gap_closed (st, 112 * S);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, timeout, 200 * S), ==, 8);
  /* a pause found between two segments; an unknown cause counts as error */
  rvi_camera_stats_gap (st, "timeout", 300 * S, 302 * S + S / 2);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, timeout, 400 * S), ==, 10.5);
  rvi_camera_stats_gap_opened (st, "no such cause", 500 * S);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, error, 501 * S), ==, 1);
  g_assert_cmpfloat (rvi_camera_stats_gap_seconds (st, restart, 501 * S), ==, 13);
}

static void
test_alerts_and_counters (void)
{
  g_autoptr (RviCameraStats) st = rvi_camera_stats_new ();
  RviRecordingTotals t;

  rvi_camera_stats_alert (st, RVI_ALERT_COVERED, TRUE);
  rvi_camera_stats_alert (st, RVI_ALERT_COVERED, TRUE);   /* still the same alert */
  g_assert_true (st->alert_open[RVI_ALERT_COVERED]);
  g_assert_cmpuint (st->alerts_raised[RVI_ALERT_COVERED], ==, 1);
  rvi_camera_stats_alert (st, RVI_ALERT_COVERED, FALSE);
  g_assert_false (st->alert_open[RVI_ALERT_COVERED]);
  rvi_camera_stats_alert (st, RVI_ALERT_COVERED, TRUE);
  g_assert_cmpuint (st->alerts_raised[RVI_ALERT_COVERED], ==, 2);
  g_assert_cmpuint (st->alerts_raised[RVI_ALERT_MOVED], ==, 0);

  rvi_recording_counters_add_frame (st->media, 1000);
  rvi_recording_counters_add_frame (st->media, 500);
  rvi_recording_counters_add_written (st->media, 2048);
  rvi_recording_counters_add_segment (st->media);
  rvi_recording_counters_add_frame (NULL, 1);   /* ignored */
  rvi_recording_counters_read (st->media, &t);
  g_assert_cmpuint (t.frames, ==, 2);
  g_assert_cmpuint (t.bytes_received, ==, 1500);
  g_assert_cmpuint (t.bytes_written, ==, 2048);
  g_assert_cmpuint (t.segments, ==, 1);
}

static void
test_label_escaping (void)
{
  g_autoptr (GString) out = g_string_new (NULL);

  rvi_metrics_append_label_value (out, "yard \"7\" \\ north\nside");
  g_assert_cmpstr (out->str, ==, "yard \\\"7\\\" \\\\ north\\nside");
  g_string_truncate (out, 0);
  rvi_metrics_append_label_value (out, "站台 1\t");   /* UTF-8 and tabs as they are */
  g_assert_cmpstr (out->str, ==, "站台 1\t");
  g_string_truncate (out, 0);
  rvi_metrics_append_label_value (out, NULL);
  g_assert_cmpstr (out->str, ==, "");
}

static void
test_sorted_names (void)
{
  for (guint i = 1; i < RVI_GAP_CAUSES; i++)
    g_assert_cmpint (strcmp (rvi_gap_cause_name (i - 1), rvi_gap_cause_name (i)), <, 0);
  for (guint i = 1; i < RVI_CAMERA_STATES; i++)
    g_assert_cmpint (strcmp (rvi_camera_state_name (i - 1), rvi_camera_state_name (i)), <, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/camera-stats/gaps", test_gaps);
  g_test_add_func ("/camera-stats/alerts-and-counters", test_alerts_and_counters);
  g_test_add_func ("/camera-stats/label-escaping", test_label_escaping);
  g_test_add_func ("/camera-stats/sorted-names", test_sorted_names);
  return g_test_run ();
}
