/* recording-counters.h: RviRecordingCounters, one camera's running totals
 * of what its recording received and wrote, across its connections: every
 * RviIngest started for the camera bumps the same counters, so they only
 * ever grow while the process runs (they feed /metrics counters).
 *
 * Bumped by whichever thread does the work (the native reader, a
 * GStreamer streaming thread, the segment writer thread, the main context
 * when a segment is indexed) with relaxed atomics: nothing is allocated or
 * locked per frame. Shared by reference (g_atomic_rc_box), since a reader
 * or writer thread may hold it a moment after its ingest was freed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RviRecordingCounters RviRecordingCounters;

typedef struct {
  guint64 frames;          /* frames (access units) received */
  guint64 bytes_received;  /* bytes of those frames (video payload) */
  guint64 bytes_written;   /* bytes handed to segment files */
  guint64 segments;        /* segment files closed, fsynced and indexed */
} RviRecordingTotals;

/* (transfer full) counters at zero. */
RviRecordingCounters *rvi_recording_counters_new (void);
/* (transfer full) another reference. */
RviRecordingCounters *rvi_recording_counters_ref (RviRecordingCounters *counters);
void rvi_recording_counters_unref (RviRecordingCounters *counters);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviRecordingCounters, rvi_recording_counters_unref)

/* Any thread; allocate nothing. NULL @counters is ignored. */
void rvi_recording_counters_add_frame (RviRecordingCounters *counters, gsize bytes);
void rvi_recording_counters_add_written (RviRecordingCounters *counters, gsize bytes);
void rvi_recording_counters_add_segment (RviRecordingCounters *counters);

/* Reads all four (any thread); each is exact, together they are not one
 * instant. */
void rvi_recording_counters_read (RviRecordingCounters *counters, RviRecordingTotals *totals);

G_END_DECLS
