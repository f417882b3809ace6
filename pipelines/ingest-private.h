/* ingest-private.h: the RviIngest structure shared by ingest.c (lifecycle,
 * bus, timers, callbacks), ingest-recorder.c (the recording branch) and
 * ingest-source.c / ingest-clock.c. Not for use outside pipelines/. */
#pragma once

#include <gst/gst.h>
#include <stdatomic.h>

#include "ingest.h"
#include "ingest-clock.h"
#include "ingest-source.h"

G_BEGIN_DECLS

#define RVI_INGEST_STATS_RING 6  /* one sample a second: fps and bitrate over 5 s */

typedef enum {
  RVI_INGEST_CONNECTING,  /* pipeline PLAYING, no frame yet */
  RVI_INGEST_STREAMING,   /* frames flow; started was reported */
  RVI_INGEST_FINISHING,   /* EOS sent after stop() or a failure; waiting for it */
  RVI_INGEST_DRAINING,    /* pipeline torn down; waiting for index jobs */
  RVI_INGEST_DONE,        /* stopped or failed was reported */
} RviIngestPhase;

/* What worker jobs and streaming-thread posts hold instead of the ingest:
 * ingest is cleared by rvi_ingest_free(), and only read on the main
 * context, so nothing reaches a freed ingest. (g_rc_box) */
typedef struct {
  RviIngest *ingest;
} RviIngestLink;

/* Frame counters, bumped by whichever thread sees the frames (a streaming
 * thread, or the native reader) and read by the main loop. Shared by
 * reference (g_atomic_rc_box) because the native reader may outlive the
 * ingest by a moment. */
typedef struct {
  atomic_uint_fast64_t frames;
  atomic_uint_fast64_t bytes;
  atomic_llong last_buffer_us; /* monotonic; 0 before the first frame */
  RviRecordingCounters *totals; /* the camera's, across ingests; may be NULL */
} RviIngestCounters;

/* Counters at zero that also bump @totals (may be NULL; a reference is held). */
RviIngestCounters *rvi_ingest_counters_new (RviRecordingCounters *totals);
RviIngestCounters *rvi_ingest_counters_ref (RviIngestCounters *counters);
void rvi_ingest_counters_unref (RviIngestCounters *counters);
/* One frame of @bytes arrived (any thread; allocates nothing). */
void rvi_ingest_counters_note (RviIngestCounters *counters, gsize bytes);

/* ingest-native.c: the native recording path (RTSP over TCP without
 * GStreamer elements). Main context only, except where noted. */
typedef struct _RviNativeCamera RviNativeCamera;

/* TRUE when @settings can be recorded natively: rtsp:// (not rtsps://) over
 * TCP or AUTO; RVI_INGEST_GSTREAMER in the environment turns it off. */
gboolean rvi_native_camera_supports (const RviIngestSettings *settings);
/* Starts connecting (transfer full); reports through rvi_ingest_native_*. */
RviNativeCamera *rvi_native_camera_start (RviIngest *ingest);

/* Streaming thread (the pipeline path's buffer probe): offers the frame
 * @buffer leaving @pad to the ingest's sampler (key frames) and live feed
 * (every frame), as far as it has them. */
void rvi_ingest_tap_frame (RviIngest *ingest, GstPad *pad, GstBuffer *buffer);
/* Frees what the tap kept (when the pipeline is gone). */
void rvi_ingest_tap_clear (RviIngest *ingest);
/* Ends the recording: the open file is finished, then rvi_ingest_native_ended. */
void rvi_native_camera_finish (RviNativeCamera *camera);
void rvi_native_camera_unref (RviNativeCamera *camera);
/* TRUE when the writer holds a backlog: the disk does not keep up (any thread). */
gboolean rvi_native_camera_backed_up (RviNativeCamera *camera);

struct _RviIngest {
  RviIngestSettings settings;  /* strings below are owned copies */
  RviIngestCallbacks callbacks;
  gpointer user_data;
  GMainContext *context;
  RviIngestLink *link;

  RviTransport transport;      /* the one being tried: TCP or UDP */
  RviNativeCamera *native;     /* the native path, or NULL for the pipeline */
  gboolean native_ended;       /* the native path reported its end */
  GstElement *pipeline;
  GstElement *tee;
  GstElement *queue;           /* the recorder's */
  GstElement *splitmux;
  RviIngestSource source;
  RviIngestClock clock;
  GSource *bus_watch;
  GSource *timer;
  GSource *finish_timeout;

  RviIngestPhase phase;
  gint64 connect_start_us;     /* monotonic */
  RviStreamInfo info;
  char *open_segment;          /* path of the file being written */
  guint segments_opened;
  guint pending_jobs;          /* index jobs not yet reported */
  GQueue waiting_jobs;         /* behind the one running: one at a time, in order */
  gboolean have_failure;
  RviIngestFailure failure;
  char *failure_message;

  RviIngestCounters *counters;
  /* written by the streaming thread (buffer probe), read by the main loop */
  atomic_int first_posted;
  atomic_llong first_running_time; /* of the first file's first frame; -1 before */
  atomic_int seen_key;         /* frames before the first key frame are dropped */
  /* the streaming thread's, for the frame sampler (ingest-tap.c) */
  GstCaps *sample_caps;        /* the caps sample_params were read from */
  RviVideoParams sample_params;
  gboolean sample_params_ok;

  /* main loop only */
  struct {
    gint64 at_us;
    guint64 frames, bytes;
  } ring[RVI_INGEST_STATS_RING];
  guint ring_len;
  guint ring_next;
};

/* ingest.c: ends the ingest because of @failure (main context). The open
 * segment is closed first; then callbacks->failed. A no-op when it is
 * already ending. */
void rvi_ingest_fail (RviIngest *ingest, RviIngestFailure failure, const char *message);

/* ingest.c: an index job finished (main context). */
void rvi_ingest_job_done (RviIngest *ingest);

/* ingest-watch.c: the timer callback (stall check, stats); @user_data is
 * the ingest. */
gboolean rvi_ingest_watch_tick (gpointer user_data);

/* ingest-recorder.c: adds queue ! splitmuxsink after ingest->tee. */
gboolean rvi_ingest_recorder_build (RviIngest *ingest, GError **error);

/* ingest-recorder.c: handles splitmuxsink-fragment-opened/-closed; FALSE
 * for other messages. */
gboolean rvi_ingest_recorder_handle_message (RviIngest *ingest, GstMessage *message);

/* ingest-recorder.c: after a teardown that did not finalize the open
 * segment, repairs and reports it like a closed one (worker thread). */
void rvi_ingest_recorder_salvage (RviIngest *ingest);

/* ingest-recorder.c: call before @pipeline (built with the recorder)
 * leaves PLAYING, from any thread: stops buffers entering splitmuxsink and,
 * if one already did, waits (at most 2 s) until its first file is open, so
 * the state change cannot deadlock with it (see ingest-recorder.c). */
void rvi_ingest_recorder_settle (GstElement *pipeline);

/* ingest.c: the native path's reports (main context). */
void rvi_ingest_native_started (RviIngest *ingest, const RviStreamInfo *info);
void rvi_ingest_native_opened (RviIngest *ingest, const char *path);
void rvi_ingest_native_failed (RviIngest *ingest, RviIngestFailure failure, const char *message,
                               gboolean transport_refused);
void rvi_ingest_native_ended (RviIngest *ingest);

/* ingest-recorder.c: a segment file was closed (main context): queues its
 * fsync, index and hash job; @repair for a file cut short; the camera clock
 * offset goes into the segment's report. */
void rvi_ingest_recorder_queue (RviIngest *ingest, const char *path, gboolean repair,
                                gboolean have_offset, gint64 offset_us);

/* ingest-recorder.c: drops index jobs not yet started (rvi_ingest_free). */
void rvi_ingest_recorder_clear (RviIngest *ingest);

/* ingest-recorder.c: TRUE when the recorder's queue is (nearly) full,
 * i.e. the disk does not keep up. */
gboolean rvi_ingest_recorder_backed_up (RviIngest *ingest);

G_END_DECLS
