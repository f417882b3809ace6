/* live-fmp4.h: RviLiveFmp4, one MSE viewer's muxer: a camera's live frames
 * (live-feed.h) to fragmented MP4 for a browser's Media Source Extensions
 * SourceBuffer. An init segment (ftyp + moov, as fmp4-init.h writes it)
 * comes first and again whenever the parameter sets change; then every
 * frame becomes one moof + mdat of one sample, appended at once: nothing is
 * held back waiting for the next frame.
 *
 * Timeline (90 kHz). Decode times are continuous: each frame starts where
 * the previous one ended, so the SourceBuffer never holds a gap (a gap
 * stalls playback for good). A frame's duration is not known when it is
 * sent, so it is predicted (the stream's frame interval: from the pts of
 * consecutive frames once two agree, else RviVideoParams.fps, else 1/25 s)
 * and the next frame corrects the error: it lasts longer when its pts came
 * later than predicted (a lost frame, a camera hiccup), shorter (by at most
 * half) when earlier. The media time thus tracks the camera's clock (media
 * time = pts - an origin) to within a frame, and a player that chases the
 * live edge (buffered end minus current time) sees its real latency. A
 * jump of more than RVI_LIVE_FMP4_MAX_CATCHUP_MS forward, or of more than
 * a second back (a camera restart), is not absorbed but re-anchors the
 * origin (counted in resyncs): one frame never lasts longer than that. A
 * new init segment re-anchors too; decode times still continue, so a
 * client may append it to the same SourceBuffer (changeType) or start a
 * new one.
 *
 * Without B-frames (RviVideoParams.reorder 0) presentation = decode time.
 * With reorder R > 0 the origin is R frames earlier, each sample's
 * composition offset (signed, trun version 1) puts it at its own pts, and
 * the decode clock is corrected only when it leaves a band of R + 2 frames
 * around the stream's latest pts (the decode-order pattern of B-frames
 * stays inside it). Limitation: a stream with B-frames whose SPS does not
 * declare its reordering (reorder 0) is presented in decode order.
 *
 * The catch-up frames a viewer gets on subscribing carry their own (older)
 * times, so the buffer starts a group of pictures behind the live edge: a
 * client wanting the lowest latency seeks near the buffered end.
 *
 * Not thread-safe: one thread pushes (the feed's callback). No I/O; no
 * allocation per frame beyond the caller's growing @out. */
#pragma once

#include <glib.h>

#include "live-feed.h"
#include "video-params.h"

G_BEGIN_DECLS

#define RVI_LIVE_FMP4_MAX_CATCHUP_MS 5000

typedef struct _RviLiveFmp4 RviLiveFmp4;

typedef struct {
  guint64 fragments;     /* moof + mdat written, one per frame */
  guint inits;           /* init segments written */
  guint resyncs;         /* re-anchors after a jump of the camera's clock */
  gint64 end_ticks;      /* decode time where the next frame starts (90 kHz, from 0) */
} RviLiveFmp4Stats;

/* (transfer full) a muxer waiting for its first key frame. */
RviLiveFmp4 *rvi_live_fmp4_new (void);
void rvi_live_fmp4_free (RviLiveFmp4 *mux);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviLiveFmp4, rvi_live_fmp4_free)

/* Appends @frame to @out: first an init segment for @params when this is
 * the first frame or @frame->params_serial changed (*@init_out TRUE: the
 * client (re)initialises its SourceBuffer with what follows), then the
 * frame's moof + mdat. A non-key frame while no init segment could be
 * written yet appends nothing and returns TRUE. FALSE with @error
 * (RVI_ERROR_INVALID_INPUT), @out as it was and *@init_out FALSE, when
 * @params cannot be described in MP4 or the frame is malformed; the next
 * key frame tries again. @init_out may be NULL. */
gboolean rvi_live_fmp4_push (RviLiveFmp4 *mux, const RviLiveFrame *frame,
                             const RviVideoParams *params, GByteArray *out, gboolean *init_out,
                             GError **error);

/* The MediaSource type of the last init segment written, e.g.
 * `video/mp4; codecs="avc1.64001f"` (transfer none: valid until the next
 * push), or NULL before the first. */
const char *rvi_live_fmp4_get_mime (RviLiveFmp4 *mux);

/* The MediaSource type for @params (transfer full). */
char *rvi_live_fmp4_mime_for (const RviVideoParams *params);

void rvi_live_fmp4_get_stats (RviLiveFmp4 *mux, RviLiveFmp4Stats *stats);

G_END_DECLS
