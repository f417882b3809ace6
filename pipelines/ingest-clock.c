/* ingest-clock.c: wall-clock anchoring of the recorded frames (see
 * ingest-clock.h).
 *
 * DESIGN. The pipeline runs on GStreamer's system clock (monotonic). A
 * frame's running time R is the instant base_time + R on that clock, and
 * rtspsrc's jitter buffer stamps each frame with the running time at which
 * its packets arrived (skew-smoothed), so R is "when we received it". To
 * turn it into UTC we take a (monotonic, realtime) pair now, back to back,
 * and subtract the elapsed monotonic time:
 *
 *   wall(R) = realtime_now - (clock_now - (base_time + R))
 *
 * Taking a fresh pair at every conversion (instead of one pair at start)
 * follows NTP slewing of the realtime clock, and conversions happen within
 * a GOP of the frame, so a step of the realtime clock moves at most the
 * segments opened after it. The wall time of a segment is its first
 * frame's wall(R); its end is start + media duration, so consecutive
 * segments of one run meet within the jitter of R (a frame or less).
 *
 * Camera clock. With RTCP sender reports, rtpbin attaches to each buffer a
 * GstReferenceTimestampMeta (timestamp/x-ntp): the camera's NTP time of the
 * frame's capture. offset = camera NTP - wall(R) for the same frame, taken
 * on key frames only (cheap, often enough); the latest value is kept. It
 * includes the network and jitter-buffer delay, a fraction of a second on
 * a healthy link; a wrong camera clock shows up as seconds or more. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "ingest-clock.h"

#define RVI_NTP_UNIX_OFFSET_S G_GINT64_CONSTANT (2208988800)

gint64
rvi_ingest_clock_wall_us (GstElement *element, GstClockTime running_time)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (element);
  GstClockTime base, now;
  gint64 real;

  if (clock == NULL || !GST_CLOCK_TIME_IS_VALID (running_time))
    return -1;
  base = gst_element_get_base_time (element);
  now = gst_clock_get_time (clock);
  real = g_get_real_time ();
  return real - GST_CLOCK_DIFF (base + running_time, now) / 1000;
}

void
rvi_ingest_clock_init (RviIngestClock *clock)
{
  clock->ntp_caps = gst_caps_new_empty_simple ("timestamp/x-ntp");
  atomic_store (&clock->offset_us, 0);
  atomic_store (&clock->have_offset, 0);
}

void
rvi_ingest_clock_clear (RviIngestClock *clock)
{
  gst_clear_caps (&clock->ntp_caps);
}

void
rvi_ingest_clock_note_buffer (RviIngestClock *clock, GstPad *pad, GstBuffer *buffer)
{
  GstReferenceTimestampMeta *meta;
  GstEvent *event;
  const GstSegment *segment;
  GstClockTime running;
  GstElement *element;
  gint64 wall, ntp_us;

  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT) ||
      !GST_BUFFER_PTS_IS_VALID (buffer))
    return;
  meta = gst_buffer_get_reference_timestamp_meta (buffer, clock->ntp_caps);
  if (meta == NULL)
    return;
  event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (event == NULL)
    return;
  gst_event_parse_segment (event, &segment);
  running = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  gst_event_unref (event);
  element = GST_PAD_PARENT (pad);
  wall = element != NULL ? rvi_ingest_clock_wall_us (element, running) : -1;
  if (wall < 0)
    return;
  ntp_us = (gint64) (meta->timestamp / 1000) - RVI_NTP_UNIX_OFFSET_S * G_USEC_PER_SEC;
  atomic_store (&clock->offset_us, ntp_us - wall);
  atomic_store (&clock->have_offset, 1);
}

gboolean
rvi_ingest_clock_get_offset (RviIngestClock *clock, gint64 *offset_us)
{
  gboolean have = atomic_load (&clock->have_offset) != 0;

  *offset_us = have ? (gint64) atomic_load (&clock->offset_us) : 0;
  return have;
}
