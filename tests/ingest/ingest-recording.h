/* ingest-recording.h: what the ingest tests need around an RviIngest: its
 * callbacks written down in order on a private main context, waits with a
 * deadline, and ffprobe / sha256sum of the files it wrote. */
#pragma once

#include <glib.h>

#include "ingest.h"

G_BEGIN_DECLS

typedef struct {
  char *path;
  gint64 start_wall_us, end_wall_us, duration_us;
  guint64 bytes;
  char *sha256;
  guint fragments;
  gboolean first_key;
  gboolean camera_clock;
  gint64 clock_offset_us;
  char *codec, *codec_string;
  int width, height;
  gint64 closed_at_us;     /* test's wall clock when segment_closed ran */
} RviTestSegment;

typedef struct {
  GMainContext *context;
  RviIngest *ingest;
  GString *log;            /* "started opened opened closed ..." */
  GPtrArray *opened;       /* char * paths */
  GPtrArray *closed;       /* RviTestSegment * */
  gboolean started, stopped, failed;
  gint64 started_at_us;    /* test's wall clock at started */
  RviStreamInfo info;
  RviIngestFailure failure;
  char *message;
  gint64 failed_at_us;
  char *dir;               /* segment dir, removed by clear */
} RviTestRecording;

/* Makes a temporary segment dir and a private main context pushed as the
 * thread default; then starts the ingest with @settings (segment_dir and
 * camera_id filled in when NULL). Fails the test if start fails. */
void rvi_test_recording_start (RviTestRecording *r, RviIngestSettings *settings);

/* Iterates the context until *@flag is TRUE or @seconds pass; returns *@flag. */
gboolean rvi_test_recording_wait (RviTestRecording *r, const gboolean *flag, double seconds);

/* Iterates the context for @seconds. */
void rvi_test_recording_run (RviTestRecording *r, double seconds);

/* Frees the ingest, pops the context, removes the directory. */
void rvi_test_recording_clear (RviTestRecording *r);

/* ffprobe's format duration of @path in seconds, or -1. */
double rvi_test_ffprobe_duration (const char *path);

/* ffprobe's codec_name of the first video stream (transfer full). */
char *rvi_test_ffprobe_codec (const char *path);

/* sha256sum's hash of @path (transfer full). */
char *rvi_test_sha256sum (const char *path);

/* Removes @path and everything under it. */
void rvi_test_ingest_rmtree (const char *path);

/* Kills the process after @seconds so a hang fails the test. */
void rvi_test_ingest_watchdog (guint seconds);

G_END_DECLS
