/* ingest-clock.h: from pipeline running time to wall-clock time, and the
 * camera's own clock from RTCP sender reports. Private to pipelines/.
 *
 * All functions are safe on streaming threads: they read the element's
 * clock and base time (both locked by GStreamer) and the atomics below. */
#pragma once

#include <gst/gst.h>
#include <stdatomic.h>

G_BEGIN_DECLS

/* Wall clock (UTC, us since the epoch) of the instant whose running time
 * in @element's pipeline is @running_time. -1 when @element has no clock
 * yet (not PLAYING). */
gint64 rvi_ingest_clock_wall_us (GstElement *element, GstClockTime running_time);

typedef struct {
  GstCaps *ntp_caps;           /* timestamp/x-ntp (owned) */
  atomic_llong offset_us;      /* camera NTP minus receipt wall clock */
  atomic_int have_offset;
} RviIngestClock;

void rvi_ingest_clock_init (RviIngestClock *clock);
void rvi_ingest_clock_clear (RviIngestClock *clock);

/* Streaming thread, for a buffer leaving @pad (of an element in a
 * PLAYING pipeline): when it is a key frame carrying the camera's NTP time,
 * updates the offset. Allocates nothing. */
void rvi_ingest_clock_note_buffer (RviIngestClock *clock, GstPad *pad, GstBuffer *buffer);

/* The current offset; FALSE (and 0) when no sender report was seen. */
gboolean rvi_ingest_clock_get_offset (RviIngestClock *clock, gint64 *offset_us);

G_END_DECLS
