/* metrics-cameras.c: the node's and its cameras' figures as Prometheus
 * text (documented in docs/operations.md, "Metrics").
 *
 * Node (label node="NAME"):
 *   rvi_node_leases_held               gauge    camera leases held at the last lease tick
 *   rvi_node_disk_free_bytes           gauge    free space of the media directory's file
 *   rvi_node_disk_total_bytes          gauge    system (read every 10 s off the main loop;
 *                                               absent when the last read is over 60 s old)
 * Every camera this node recorded since it started (label camera="ID"):
 *   rvi_camera_info{camera,name}       gauge    1; the camera's name
 *   rvi_camera_frames_total            counter  frames received
 *   rvi_camera_received_bytes_total    counter  bytes of those frames
 *   rvi_camera_written_bytes_total     counter  bytes written to segment files
 *   rvi_camera_segments_written_total  counter  segments closed, fsynced and indexed
 *   rvi_camera_reconnects_total        counter  connections that failed
 *   rvi_camera_gap_seconds_total{camera,cause}  counter  seconds without recording
 *   rvi_camera_tamper_alerts_raised_total{camera,kind}  counter  (when sampling is on)
 * Only the cameras this node records now (holds the lease for):
 *   rvi_camera_up                      gauge    1 while streaming, else 0
 *   rvi_camera_state{camera,state}     gauge    1 for the current state, 0 for the others
 *   rvi_camera_frames_per_second       gauge    over the last ~5 s
 *   rvi_camera_bitrate_bits_per_second gauge    over the last ~5 s
 *   rvi_camera_tamper_alerts_open{camera,kind}  gauge  (when sampling is on)
 *
 * A camera another node records is that node's to report: summing a
 * camera's counters over every node gives its totals, and its live gauges
 * come from one node at a time. */
#define G_LOG_DOMAIN "rvi-http"
#include "metrics-cameras.h"
#include "camera-manager.h"

/* alert kinds in the order of their names */
static const RviAlertKind kinds[RVI_ALERT_KINDS] = { RVI_ALERT_COVERED, RVI_ALERT_DEFOCUSED,
                                                     RVI_ALERT_FROZEN, RVI_ALERT_MOVED };

void
rvi_metrics_append_label_value (GString *out, const char *value)
{
  for (const char *p = value ? value : ""; *p; p++) {
    if (*p == '\\')
      g_string_append (out, "\\\\");
    else if (*p == '"')
      g_string_append (out, "\\\"");
    else if (*p == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *p);
  }
}

static void
family (GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Starts a sample: NAME{KEY="ID"} or NAME{KEY="ID",LABEL="VALUE"}, then a space. */
static void
series (GString *out, const char *name, const char *key, const char *id, const char *label,
        const char *label_value)
{
  g_string_append_printf (out, "%s{%s=\"", name, key);
  rvi_metrics_append_label_value (out, id);
  if (label) {
    g_string_append_printf (out, "\",%s=\"", label);
    rvi_metrics_append_label_value (out, label_value);
  }
  g_string_append (out, "\"} ");
}

static void
value_u64 (GString *out, guint64 value)
{
  g_string_append_printf (out, "%" G_GUINT64_FORMAT "\n", value);
}

static void
value_double (GString *out, const char *format, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, value));
  g_string_append_c (out, '\n');
}

static void
render_node (GString *out, const RviNodeFigures *nf)
{
  family (out, "rvi_node_leases_held", "gauge",
          "Camera leases this node held at its last lease tick.");
  series (out, "rvi_node_leases_held", "node", nf->node, NULL, NULL);
  value_u64 (out, nf->leases_held);
  if (!nf->have_disk)
    return;
  family (out, "rvi_node_disk_free_bytes", "gauge",
          "Free bytes of the media directory's file system (available to rvi).");
  series (out, "rvi_node_disk_free_bytes", "node", nf->node, NULL, NULL);
  value_u64 (out, nf->disk_free_bytes);
  family (out, "rvi_node_disk_total_bytes", "gauge", "Size of the media directory's file system.");
  series (out, "rvi_node_disk_total_bytes", "node", nf->node, NULL, NULL);
  value_u64 (out, nf->disk_total_bytes);
}

/* The recording counters of every camera: one family per field. */
static void
render_totals (GString *out, GPtrArray *cameras)
{
  static const struct {
    const char *name;
    const char *help;
    gsize offset;
  } fields[] = {
    { "rvi_camera_frames_total", "Frames received.", G_STRUCT_OFFSET (RviRecordingTotals, frames) },
    { "rvi_camera_received_bytes_total", "Bytes of video received.",
      G_STRUCT_OFFSET (RviRecordingTotals, bytes_received) },
    { "rvi_camera_written_bytes_total", "Bytes written to segment files.",
      G_STRUCT_OFFSET (RviRecordingTotals, bytes_written) },
    { "rvi_camera_segments_written_total", "Segments closed, fsynced and indexed.",
      G_STRUCT_OFFSET (RviRecordingTotals, segments) },
  };
  g_autofree RviRecordingTotals *totals = g_new0 (RviRecordingTotals, MAX (cameras->len, 1));

  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    rvi_recording_counters_read (f->stats->media, &totals[i]);
  }
  for (gsize k = 0; k < G_N_ELEMENTS (fields); k++) {
    family (out, fields[k].name, "counter", fields[k].help);
    for (guint i = 0; i < cameras->len; i++) {
      series (out, fields[k].name, "camera", ((RviCameraFigures *) cameras->pdata[i])->id, NULL,
              NULL);
      value_u64 (out, G_STRUCT_MEMBER (guint64, &totals[i], fields[k].offset));
    }
  }
}

static void
render_counters (GString *out, GPtrArray *cameras)
{
  gint64 now = g_get_real_time ();

  family (out, "rvi_camera_info", "gauge", "1 for every camera this node recorded; its name.");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    series (out, "rvi_camera_info", "camera", f->id, "name", f->name);
    value_u64 (out, 1);
  }
  render_totals (out, cameras);
  family (out, "rvi_camera_reconnects_total", "counter", "Connections to the camera that failed.");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    series (out, "rvi_camera_reconnects_total", "camera", f->id, NULL, NULL);
    value_u64 (out, f->stats->reconnects);
  }
  family (out, "rvi_camera_gap_seconds_total", "counter",
          "Seconds without recording, by the cause of the gap (causes seen so far).");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    for (guint c = 0; c < RVI_GAP_CAUSES; c++) {
      double seconds = rvi_camera_stats_gap_seconds (f->stats, c, now);

      if (seconds < 0)
        continue;
      series (out, "rvi_camera_gap_seconds_total", "camera", f->id, "cause",
              rvi_gap_cause_name (c));
      value_double (out, "%.3f", seconds);
    }
  }
  family (out, "rvi_camera_tamper_alerts_raised_total", "counter",
          "Tamper alerts this node's detector raised, by kind.");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    for (guint k = 0; f->alerts_known && k < RVI_ALERT_KINDS; k++) {
      series (out, "rvi_camera_tamper_alerts_raised_total", "camera", f->id, "kind",
              rvi_alert_kind_to_string (kinds[k]));
      value_u64 (out, f->stats->alerts_raised[kinds[k]]);
    }
  }
}

/* The figures only the node recording a camera has. */
static void
render_live (GString *out, GPtrArray *cameras)
{
  family (out, "rvi_camera_up", "gauge", "1 while the camera streams to this node, else 0.");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    if (!f->recording)
      continue;
    series (out, "rvi_camera_up", "camera", f->id, NULL, NULL);
    value_u64 (out, f->live.up ? 1 : 0);
  }
  family (out, "rvi_camera_state", "gauge", "1 for the camera's current state, 0 for the others.");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    for (guint s = 0; f->recording && s < RVI_CAMERA_STATES; s++) {
      series (out, "rvi_camera_state", "camera", f->id, "state", rvi_camera_state_name (s));
      value_u64 (out, g_str_equal (f->live.state, rvi_camera_state_name (s)) ? 1 : 0);
    }
  }
  family (out, "rvi_camera_frames_per_second", "gauge", "Frames received a second, last ~5 s.");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    if (!f->recording)
      continue;
    series (out, "rvi_camera_frames_per_second", "camera", f->id, NULL, NULL);
    value_double (out, "%.3f", f->live.fps);
  }
  family (out, "rvi_camera_bitrate_bits_per_second", "gauge",
          "Bits of video received a second, last ~5 s.");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    if (!f->recording)
      continue;
    series (out, "rvi_camera_bitrate_bits_per_second", "camera", f->id, NULL, NULL);
    value_double (out, "%.0f", f->live.bitrate_bps);
  }
  family (out, "rvi_camera_tamper_alerts_open", "gauge",
          "1 while this node's detector holds the camera's alert of that kind raised.");
  for (guint i = 0; i < cameras->len; i++) {
    RviCameraFigures *f = cameras->pdata[i];

    for (guint k = 0; f->recording && f->alerts_known && k < RVI_ALERT_KINDS; k++) {
      series (out, "rvi_camera_tamper_alerts_open", "camera", f->id, "kind",
              rvi_alert_kind_to_string (kinds[k]));
      value_u64 (out, f->stats->alert_open[kinds[k]] ? 1 : 0);
    }
  }
}

void
rvi_metrics_cameras_render (GString *out, RviApp *app)
{
  RviNodeFigures nf;

  if (!app->cameras)
    return;
  rvi_camera_manager_get_figures (app->cameras, &nf);
  render_node (out, &nf);
  render_counters (out, nf.cameras);
  render_live (out, nf.cameras);
  rvi_node_figures_clear (&nf);
}
