/* segment-sink.h: the writer thread of the native cameras: segment files
 * are created, appended to and closed there, in the order each camera
 * asked, so a slow or stuck disk blocks that thread, never the reader or
 * the main loop.
 *
 * DESIGN. A camera's sink gets operations (open with the init segment,
 * append a fragment, close, end) as byte arrays it no longer touches; one
 * thread runs them for all cameras. Each fragment is written with a single
 * write() (moof and mdat together), so a crash leaves at most one partial
 * fragment at the end of a file, which the index repair cuts off. The sink
 * does not fsync: the index job that follows a close does (ingest-recorder.c),
 * off this thread. A write error (disk full, I/O error) is reported once;
 * the rest of that file is dropped and its close says it needs repair.
 *
 * The backlog (bytes handed over, not yet written) lets the camera stop
 * reading its socket when the disk does not keep up. */
#pragma once

#include <glib.h>

#include "recording-counters.h"

G_BEGIN_DECLS

typedef struct {
  /* all on the writer thread */
  void (*opened) (gpointer data, const char *path);
  void (*closed) (gpointer data, const char *path, gboolean needs_repair);
  void (*failed) (gpointer data, const char *message);
  void (*ended) (gpointer data);
} RviSegmentSinkFuncs;

typedef struct _RviSegmentSink RviSegmentSink;

/* @data is released with @destroy after the ended callback (transfer full).
 * Bytes written go to @counters too (may be NULL; a reference is held). */
RviSegmentSink *rvi_segment_sink_new (const char *camera_id, RviRecordingCounters *counters,
                                      const RviSegmentSinkFuncs *funcs, gpointer data,
                                      GDestroyNotify destroy);
RviSegmentSink *rvi_segment_sink_ref (RviSegmentSink *sink);
void rvi_segment_sink_unref (RviSegmentSink *sink);

/* Queue operations (one producer thread at a time); byte arrays are
 * transfer full. open() makes the directories; a file that exists is an error. */
void rvi_segment_sink_open (RviSegmentSink *sink, const char *path, GByteArray *init);
void rvi_segment_sink_append (RviSegmentSink *sink, GByteArray *bytes);
void rvi_segment_sink_close (RviSegmentSink *sink);
/* The last operation: closes an open file, then the ended callback. */
void rvi_segment_sink_end (RviSegmentSink *sink);

/* Bytes queued and not yet written (any thread). */
guint64 rvi_segment_sink_backlog (RviSegmentSink *sink);

G_END_DECLS
