/* rtsp-capture.h: a real RTSP client that measures what it decodes.
 *
 * GStreamer: rtspsrc (TCP) ! decodebin ! videoconvert ! I420 appsink, with
 * the RTP encoding name read from rtspsrc's pads. Each decoded frame is
 * measured: its timestamp blocks (see timestamp-blocks.h) against the wall
 * clock at arrival, and the luma statistics of its scene region, which
 * leaves out the on-screen display bands (top 4.5/45, bottom 3/45). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
  gchar *encoding; /* RTP encoding-name, "H264" or "H265" */
  gint width, height;
  guint frames;
  GArray *pts;       /* GstClockTime of each frame */
  GArray *stamps;    /* gint64 ms of each frame, -1 when unreadable */
  GArray *lag_ms;    /* gint64: wall clock at arrival minus stamp, or G_MININT64 */
  GArray *mean_luma; /* gdouble, scene region (no OSD bands) */
  GArray *sharpness; /* gdouble, mean |horizontal luma step| in the scene region */
  guint8 *last_luma; /* scene region of the last frame, width x scene_rows */
  gint scene_rows;
} RviCapture;

/* Plays @url for @n_frames decoded frames (credentials optional), giving up
 * after @timeout_s. Returns FALSE with @error set on a client error (e.g.
 * GST_RESOURCE_ERROR_NOT_AUTHORIZED) or timeout. */
gboolean rvi_capture_run (RviCapture *capture, const gchar *url, const gchar *user,
                          const gchar *password, guint n_frames, guint timeout_s, GError **error);

void rvi_capture_clear (RviCapture *capture);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RviCapture, rvi_capture_clear)

G_END_DECLS
