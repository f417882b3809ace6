/* frame-sampler.h: RviFrameSampler, key-frame samples of every camera.
 *
 * Ingest offers each camera's key frames; the sampler takes one when the
 * camera's interval has passed, decodes it alone (non-key frames never
 * reach a decoder), measures it (frame-metrics.h), compares it with the
 * camera's previous sample, writes a JPEG still and hands a sample to its
 * owner. One worker thread for all cameras; the queue between ingest and
 * the worker is bounded in jobs and bytes, and a key frame offered while
 * it is full is not taken (counted as dropped). */
#pragma once

#include <glib.h>

#include "frame-metrics.h"
#include "video-params.h"

G_BEGIN_DECLS

typedef struct {
  char camera_id[37];
  gint64 at_us;             /* wall clock of the frame (us since the epoch, UTC) */
  char *path;               /* the JPEG, absolute */
  char sha256[65];          /* of the JPEG, hex (sha256-hex.h) */
  guint64 bytes;
  guint width, height;      /* of the JPEG */
  guint source_width, source_height;
  RviFrameMetrics metrics;
  double difference;        /* vs the camera's previous sample, 0..255; -1 for its first */
  RviFrameView *view;       /* this sample's view, for comparisons downstream */
} RviFrameSample;

void rvi_frame_sample_free (RviFrameSample *sample);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviFrameSample, rvi_frame_sample_free)

typedef struct {
  const char *media_dir;    /* stills go to MEDIA_DIR/<camera>/samples/YYYY-MM-DD/<time>.jpg */
  gint64 interval_us;       /* at most one sample per camera this often */
  guint max_width;          /* JPEG width at most this */
  guint quality;            /* MJPEG quantizer scale, 2 (best) .. 31 */
  guint queue_max;          /* key frames waiting at most */
  gsize queue_bytes_max;
} RviFrameSamplerConfig;

/* Called on the sampler's thread with every sample written (transfer full:
 * the callee frees it) or, for a key frame that could not be sampled, with
 * NULL sample and the camera id and error. */
typedef void (*RviFrameSamplerFunc) (RviFrameSample *sample, const char *camera_id,
                                     const GError *error, gpointer user_data);

typedef struct _RviFrameSampler RviFrameSampler;

/* (transfer full) a running sampler; @config is copied. */
RviFrameSampler *rvi_frame_sampler_new (const RviFrameSamplerConfig *config,
                                        RviFrameSamplerFunc func, gpointer user_data);

/* Stops the worker (key frames still queued are dropped; the one being
 * sampled is finished): no callback runs after it returns and offers are
 * refused. Idempotent. */
void rvi_frame_sampler_stop (RviFrameSampler *sampler);

/* Ingest holds a reference while it may offer (any thread). The last
 * unref stops the sampler if needed and frees it. */
RviFrameSampler *rvi_frame_sampler_ref (RviFrameSampler *sampler);
void rvi_frame_sampler_unref (RviFrameSampler *sampler);

/* Stop and unref: for the owner. NULL is ignored. */
void rvi_frame_sampler_free (RviFrameSampler *sampler);

/* Any thread. Offers the key frame @au (4-byte-length NAL units) of
 * @camera_id, decodable with @params, captured at @at_us. Copies it when
 * the camera is due and the queue has room; returns TRUE when taken. */
gboolean rvi_frame_sampler_offer (RviFrameSampler *sampler, const char *camera_id,
                                  const RviVideoParams *params, const guint8 *au, gsize size,
                                  gint64 at_us);

/* Any thread. Forgets @camera_id's decoder and previous sample (the camera
 * was removed, or its stream restarts with another codec). */
void rvi_frame_sampler_forget (RviFrameSampler *sampler, const char *camera_id);

/* Where the sampler's CPU time goes, for /metrics and the benchmark. */
typedef enum {
  RVI_FRAME_SAMPLER_DECODE,   /* the key frame, libavcodec */
  RVI_FRAME_SAMPLER_MEASURE,  /* frame-metrics.h */
  RVI_FRAME_SAMPLER_JPEG,     /* scale and encode */
  RVI_FRAME_SAMPLER_WRITE,    /* SHA-256, write, fdatasync, rename */
  RVI_FRAME_SAMPLER_STAGES
} RviFrameSamplerStage;

/* "decode", "measure", "jpeg", "write" (transfer none). */
const char *rvi_frame_sampler_stage_name (RviFrameSamplerStage stage);

typedef struct {
  guint64 offered;          /* key frames offered while the camera was due */
  guint64 taken;
  guint64 dropped;          /* not taken: the queue was full */
  guint64 written;          /* samples handed on */
  guint64 failed;           /* taken but not sampled (decode or write error) */
  guint64 cpu_us;           /* the worker thread's time decoding, measuring, encoding */
  guint64 stage_cpu_us[RVI_FRAME_SAMPLER_STAGES]; /* of it, by stage */
} RviFrameSamplerStats;

void rvi_frame_sampler_get_stats (RviFrameSampler *sampler, RviFrameSamplerStats *stats);

G_END_DECLS
