/* fmp4-writer.h: building a fragmented MP4 segment from access units, for
 * the native recorder: ftyp + moov (one video track, timescale 90 kHz,
 * avc1/avcC or hvc1/hvcC, mvex/trex), then fragments of moof + mdat. The
 * writer produces bytes into a caller's GByteArray; the caller writes them
 * to the file, so this module does no I/O.
 *
 * Access units arrive in decode order with their presentation time (RTP
 * timestamps, 90 kHz, unwrapped to 64 bits). Decode times are derived:
 * with a reorder depth R (RviVideoParams.reorder) a frame is held until R
 * later frames arrived, its decode time is the smallest presentation time
 * not yet used, forced strictly increasing; composition offsets are signed
 * (trun version 1). Without B-frames (R = 0) decode time = presentation
 * time and nothing is held but the last frame (its duration needs the next
 * one's time).
 *
 * Fragments: a fragment is closed before a key frame and once it holds
 * fragment_ms of media; so every key frame starts a fragment.
 *
 * Memory: the pending fragment's payload is kept in one buffer that is
 * reused (no allocation per frame once it has grown). */
#pragma once

#include <glib.h>

#include "video-params.h"

G_BEGIN_DECLS

typedef struct {
  guint64 size;         /* moof + mdat bytes appended */
  gint64 start_us;      /* decode time of the first sample, from the file's first sample */
  gint64 duration_us;   /* sum of the sample durations */
  guint samples;
  gboolean key;         /* the first sample is a sync sample */
} RviFmp4FragmentInfo;

typedef struct _RviFmp4Writer RviFmp4Writer;

RviFmp4Writer *rvi_fmp4_writer_new (guint fragment_ms);
void rvi_fmp4_writer_free (RviFmp4Writer *writer);

/* Starts a file: appends ftyp + moov for @params to @out. A file in
 * progress must have been finished. FALSE with @error for unusable params. */
gboolean rvi_fmp4_writer_begin (RviFmp4Writer *writer, const RviVideoParams *params, GByteArray *out,
                                GError **error);

/* Adds one access unit: @data is NAL units, each with a 4-byte big-endian
 * length. The first access unit of a file must be a key frame. When this
 * completes a fragment, appends its moof + mdat to @out, fills @fragment
 * and returns TRUE; otherwise FALSE (and @out is untouched). */
gboolean rvi_fmp4_writer_push (RviFmp4Writer *writer, gint64 pts_90k, gboolean key,
                               const guint8 *data, gsize size, GByteArray *out,
                               RviFmp4FragmentInfo *fragment);

/* Ends the file: appends what is held as a last fragment (the last frame
 * lasts as long as the one before it). TRUE when a fragment was appended. */
gboolean rvi_fmp4_writer_finish (RviFmp4Writer *writer, GByteArray *out, RviFmp4FragmentInfo *fragment);

/* Like finish(), but the last frame lasts until @end_pts_90k (the first
 * frame of the next file, when the file is cut at a key frame), so
 * consecutive files of one stream meet exactly. When @end_pts_90k is not
 * after the last frame's decode time, as finish(). */
gboolean rvi_fmp4_writer_finish_at (RviFmp4Writer *writer, gint64 end_pts_90k, GByteArray *out,
                                    RviFmp4FragmentInfo *fragment);

/* Media time written to the current file so far, microseconds. */
gint64 rvi_fmp4_writer_duration_us (RviFmp4Writer *writer);

G_END_DECLS
