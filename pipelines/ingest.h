/* ingest.h: RviIngest, the media pipeline of one camera.
 *
 *   rtspsrc -> depay -> parse -> tee -> queue -> splitmuxsink (fragmented MP4)
 *                                   \-> (live view attaches here later)
 *   (a buffer probe before the tee offers key frames to the frame sampler)
 *
 * RTSP over TCP takes the native path instead (ingest-native.c), which
 * offers its key frames to the frame sampler too.
 *
 * The media plane knows nothing of SQL or HTTP: it reports what happens
 * through callbacks that always run on the main context that started the
 * ingest (never on a streaming thread). The control plane (server/) turns
 * them into camera states, segment rows and gap rows. */
#pragma once

#include <glib.h>

#include "frame-sampler.h"
#include "live-feed.h"
#include "recording-counters.h"

G_BEGIN_DECLS

typedef enum {
  RVI_TRANSPORT_AUTO,   /* TCP first; fall back to UDP when the camera refuses interleaving */
  RVI_TRANSPORT_TCP,
  RVI_TRANSPORT_UDP,
} RviTransport;

typedef enum {
  RVI_INGEST_FAILURE_UNREACHABLE,   /* no route, connection refused, DNS, TLS */
  RVI_INGEST_FAILURE_AUTH,          /* 401 after sending credentials */
  RVI_INGEST_FAILURE_TIMEOUT,       /* no data for stall_timeout_ms (even without an ERROR) */
  RVI_INGEST_FAILURE_STREAM_ENDED,  /* EOS or the server closed the session */
  RVI_INGEST_FAILURE_NO_VIDEO,      /* the session has no video track */
  RVI_INGEST_FAILURE_UNSUPPORTED,   /* a video codec other than H.264/H.265 */
  RVI_INGEST_FAILURE_DISK,          /* a segment could not be written */
  RVI_INGEST_FAILURE_OTHER,
} RviIngestFailure;

/* "unreachable", "auth_failed", "timeout", ... as used in gap rows (transfer none). */
const char *rvi_ingest_failure_to_string (RviIngestFailure failure);

typedef struct {
  char *codec;          /* "h264" or "h265" */
  char *codec_string;   /* RFC 6381, e.g. "avc1.64001f", "hvc1.1.6.L93.B0" */
  int width;
  int height;
  double fps;           /* 0 when unknown */
  RviTransport transport;  /* the one that worked (TCP or UDP) */
} RviStreamInfo;

void rvi_stream_info_clear (RviStreamInfo *info);

/* One fragment (moof + mdat) of a segment file. */
typedef struct {
  guint64 offset;       /* byte offset of the moof box */
  guint64 size;         /* moof + mdat bytes */
  gint64 start_us;      /* media time from the segment's first sample */
  gint64 duration_us;
  gboolean key;         /* starts with a key frame */
} RviFragment;

typedef struct {
  char *path;
  gint64 start_wall_us;   /* wall clock (UTC, us since epoch) of the first frame, anchored on receipt */
  gint64 end_wall_us;     /* start_wall_us + duration_us */
  gint64 duration_us;     /* media duration */
  guint64 bytes;
  char *sha256;           /* hex, of the file as closed */
  gint64 clock_offset_us; /* camera clock (RTCP sender reports) minus receipt clock; 0 if none */
  gboolean camera_clock;  /* TRUE when clock_offset_us comes from RTCP sender reports */
  guint64 init_size;      /* bytes of ftyp + moov (the init segment) */
  GArray *fragments;      /* RviFragment */
  RviStreamInfo info;
} RviSegmentInfo;

void rvi_segment_info_free (RviSegmentInfo *segment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviSegmentInfo, rvi_segment_info_free)

typedef struct {
  const char *camera_id;     /* in every log line and in file names */
  const char *url;           /* rtsp:// or rtsps://, without credentials */
  const char *username;      /* NULL: no authentication */
  const char *password;
  RviTransport transport;
  const char *segment_dir;   /* files go to SEGMENT_DIR/YYYY-MM-DD/<start>.mp4 (UTC date) */
  guint segment_seconds;     /* target segment length (cut at the next key frame) */
  guint first_segment_seconds; /* length of the first segment, to stagger rotation across cameras */
  guint fragment_ms;         /* fMP4 fragment length */
  guint stall_timeout_ms;    /* no buffer this long counts as a failure */
  guint connect_timeout_ms;
  RviFrameSampler *sampler;  /* NULL: no sampling; else key frames are offered to it
                              * (a reference is held while the ingest may offer) */
  RviLiveFeed *live;         /* NULL: no live view; else every access unit is published
                              * to it (native path; a reference is held) */
  RviRecordingCounters *counters; /* NULL: none; else the camera's totals, bumped with what
                                   * this ingest receives and writes (a reference is held) */
} RviIngestSettings;

typedef struct {
  /* The stream is flowing; @info describes it. */
  void (*started) (gpointer user_data, const RviStreamInfo *info);
  /* A segment file was opened; its first frame arrived at @start_wall_us. */
  void (*segment_opened) (gpointer user_data, const char *path, gint64 start_wall_us);
  /* A segment file is complete, fsynced and hashed (hashing runs on a
   * worker thread, not the main loop). @segment is transfer none. */
  void (*segment_closed) (gpointer user_data, const RviSegmentInfo *segment);
  /* The ingest stopped because of @failure; the current segment, if any,
   * was closed (segment_closed came first). The ingest stays stopped; the
   * caller decides when to start a new one. */
  void (*failed) (gpointer user_data, RviIngestFailure failure, const char *message);
  /* rvi_ingest_stop() finished: the last segment is closed. */
  void (*stopped) (gpointer user_data);
} RviIngestCallbacks;

typedef struct {
  guint64 frames;
  guint64 bytes;
  gint64 last_frame_wall_us;
  double fps;             /* over the last few seconds */
  double bitrate_bps;
} RviIngestStats;

typedef struct _RviIngest RviIngest;

/* Builds and starts the pipeline (transfer full). Settings are copied.
 * Returns NULL with @error only for a programming or environment error
 * (missing element); connection failures arrive through callbacks. */
RviIngest *rvi_ingest_start (const RviIngestSettings *settings, const RviIngestCallbacks *callbacks,
                             gpointer user_data, GError **error);

/* Asks the ingest to stop: the current segment is finished (EOS), then
 * callbacks->stopped runs. Safe to call more than once. */
void rvi_ingest_stop (RviIngest *ingest);

/* Counters for health pages and metrics (main loop). */
void rvi_ingest_get_stats (RviIngest *ingest, RviIngestStats *stats);

/* Frees a stopped (or failed) ingest. Freeing a running one stops it hard:
 * the open segment is left as it is on disk, to be repaired like after a crash.
 * Freed just after its first frame, it first waits (milliseconds, at most
 * 2 s) for the recorder to finish opening its first file (ingest-recorder.c). */
void rvi_ingest_free (RviIngest *ingest);

G_END_DECLS
