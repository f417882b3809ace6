/* frame-extract.h: RviFrameExtractor, the recorded frame nearest a time,
 * decoded from a stored segment file (fragmented MP4, H.264 or H.265, with
 * or without B-frames) with libavformat + libavcodec, and turned into a
 * full-resolution JPEG.
 *
 * Times are offsets from the file's first frame (the first sample in
 * decode order, a key frame), whose wall-clock time is the segment's
 * start: wall = start + offset. A file still being written is read as far
 * as its last complete fragment; what lies beyond is not there yet.
 *
 * Slow, blocking file and CPU work: call it on a worker thread. Not
 * thread-safe: one thread uses an extractor at a time; it keeps its
 * decoder (and JPEG encoder) between calls, so one per worker thread. */
#pragma once

#include <glib.h>
#include <libavutil/frame.h>

G_BEGIN_DECLS

typedef struct _RviFrameExtractor RviFrameExtractor;

typedef struct {
  gint64 offset_us;     /* the frame's presentation time from the file's first frame */
  gint64 interval_us;   /* the frame interval around it (the stream's, when it shows one frame) */
  gboolean last;        /* no complete frame of the file is presented after it */
  gint64 end_us;        /* with @last: where the last complete frame ends (a frame interval
                         * after it when the file gives it no duration) */
  gboolean complete;    /* the whole file was read (no partial fragment at its end) */
  guint decoded;        /* frames decoded to find it, from the preceding key frame */
} RviExtractedFrame;

/* (transfer full) */
RviFrameExtractor *rvi_frame_extractor_new (void);
void rvi_frame_extractor_free (RviFrameExtractor *extractor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviFrameExtractor, rvi_frame_extractor_free)

/* Decodes, in the segment file @path, the frame whose presentation time is
 * nearest @target_us (an offset from the file's first frame; it may be
 * negative or past the end: then the first or last frame), the earlier of
 * two equally near. Seeks to the key frame at or before the target and
 * decodes forward. Returns the picture (transfer none: valid until the
 * next call or the free) and fills @info, or NULL with @error:
 * G_IO_ERROR_* when the file cannot be read, RVI_ERROR_NOT_FOUND when it
 * holds no complete frame yet, RVI_ERROR_INVALID_INPUT when it is not a
 * segment or does not decode. */
const AVFrame *rvi_frame_extractor_extract (RviFrameExtractor *extractor, const char *path,
                                            gint64 target_us, RviExtractedFrame *info,
                                            GError **error);

/* Encodes the picture of the last successful extract as a JPEG of its full
 * size (jpeg-encoder.h, quantizer scale 3). Sets @data and @size (transfer
 * none: valid until the next call) and the picture's @width and @height.
 * FALSE with @error when it cannot be encoded. */
gboolean rvi_frame_extractor_encode_jpeg (RviFrameExtractor *extractor, const guint8 **data,
                                          gsize *size, guint *width, guint *height,
                                          GError **error);

/* How many times the extractor opened a decoder: once per change of the
 * codec parameters from one file to the next. */
guint rvi_frame_extractor_get_decoder_opens (RviFrameExtractor *extractor);

G_END_DECLS
