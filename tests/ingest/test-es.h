/* test-es.h: H.264 and H.265 elementary streams for the tests of
 * video-params and fmp4-writer, encoded in process by GStreamer
 * (videotestsrc ! x264enc / x265enc ! h264parse / h265parse ! appsink):
 * 90 frames of 320x240@15, a key frame every 30, as access units of
 * length-prefixed NAL units in decode order. */
#pragma once

#include <glib.h>

#include "video-params.h"

G_BEGIN_DECLS

/* What an RTP time of the first frame might be (unwrapped to 64 bits). */
#define RVI_TEST_ES_PTS_BASE (G_GINT64_CONSTANT (0x100000000) + 12345)

typedef struct {
  gint64 pts;          /* 90 kHz, from RVI_TEST_ES_PTS_BASE */
  gboolean key;
  GBytes *data;        /* NAL units with 4-byte lengths */
} RviTestFrame;

typedef struct {
  RviCodec codec;
  gboolean bframes;
  GBytes *vps, *sps, *pps;  /* from the caps' codec_data (avcC / hvcC) */
  char *mime_codec;         /* gst_codec_utils_caps_get_mime_codec () */
  GArray *frames;           /* RviTestFrame, decode order */
} RviTestStream;

/* Encodes a stream; with @bframes, 2 B-frames. Fails the test on error. */
RviTestStream *rvi_test_stream_encode (RviCodec codec, gboolean bframes);
/* The same for H.264 without B-frames at @width x @height, with x264's
 * @profile ("high", "main", "constrained-baseline"...). */
RviTestStream *rvi_test_stream_encode_h264 (const char *profile, int width, int height);
void rvi_test_stream_free (RviTestStream *stream);

G_END_DECLS
