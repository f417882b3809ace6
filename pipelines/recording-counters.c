/* recording-counters.c: one camera's recording totals (see
 * recording-counters.h). */
#include "recording-counters.h"

#include <stdatomic.h>

struct _RviRecordingCounters {
  atomic_uint_fast64_t frames;
  atomic_uint_fast64_t bytes_received;
  atomic_uint_fast64_t bytes_written;
  atomic_uint_fast64_t segments;
};

RviRecordingCounters *
rvi_recording_counters_new (void)
{
  return g_atomic_rc_box_new0 (RviRecordingCounters);
}

RviRecordingCounters *
rvi_recording_counters_ref (RviRecordingCounters *counters)
{
  return g_atomic_rc_box_acquire (counters);
}

void
rvi_recording_counters_unref (RviRecordingCounters *counters)
{
  g_atomic_rc_box_release (counters);
}

void
rvi_recording_counters_add_frame (RviRecordingCounters *counters, gsize bytes)
{
  if (counters == NULL)
    return;
  atomic_fetch_add_explicit (&counters->frames, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&counters->bytes_received, bytes, memory_order_relaxed);
}

void
rvi_recording_counters_add_written (RviRecordingCounters *counters, gsize bytes)
{
  if (counters != NULL)
    atomic_fetch_add_explicit (&counters->bytes_written, bytes, memory_order_relaxed);
}

void
rvi_recording_counters_add_segment (RviRecordingCounters *counters)
{
  if (counters != NULL)
    atomic_fetch_add_explicit (&counters->segments, 1, memory_order_relaxed);
}

void
rvi_recording_counters_read (RviRecordingCounters *counters, RviRecordingTotals *totals)
{
  totals->frames = atomic_load_explicit (&counters->frames, memory_order_relaxed);
  totals->bytes_received = atomic_load_explicit (&counters->bytes_received, memory_order_relaxed);
  totals->bytes_written = atomic_load_explicit (&counters->bytes_written, memory_order_relaxed);
  totals->segments = atomic_load_explicit (&counters->segments, memory_order_relaxed);
}
