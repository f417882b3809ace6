/* live-webrtc.h: RviLiveWebrtc, one browser's WebRTC view of one camera.
 *
 * The camera's H.264 goes to the browser as it came from the camera, never
 * re-encoded:
 *
 *   RviLiveFeed -> appsrc (video/x-h264, avc, au, codec_data = avcC of the
 *   feed's parameter sets) ! rtph264pay (config-interval=-1,
 *   aggregate-mode=zero-latency, pt 96) ! webrtcbin (max-bundle, sendonly)
 *
 * Signalling. The server offers, the browser answers: the offer, then the
 * server's ICE candidates, come out through the callbacks; the answer and
 * the browser's candidates go in through set_answer and add_ice_candidate.
 * The offer is made once the first frame has been payloaded (webrtcbin then
 * knows the real caps), so a viewer of a camera without a picture yet gets
 * its offer when the camera's first key frame arrives. Later parameter-set
 * changes update the appsrc caps only: no renegotiation, the browser takes
 * the new sets from the stream (they precede every IDR).
 *
 * H.264 profile. The offer handed to the browser advertises constrained
 * baseline, profile-level-id=42e01f with level-asymmetry-allowed=1, whatever
 * the camera's real profile: Chromium receives only baseline and main
 * profiles (42001f 42e01f 4d001f f4001f) but decodes High fine. webrtcbin's
 * own local description keeps the real profile, and the browser's answer
 * (which says 42e01f) gets the real one back before webrtcbin sees it
 * (live-webrtc-sdp.h), so webrtcbin always deals with a consistent pair.
 *
 * DTLS role. The offer given to the browser also says a=setup:active
 * (webrtcbin's own says actpass, as RFC 5763 wants of an offerer), so the
 * browser answers passive and the server is the DTLS client: the browser
 * then has its SRTP keys before the server has its own, and the burst of
 * catch-up frames that leaves the moment the server's keys are set cannot
 * arrive before the browser can decrypt it (with the server as DTLS
 * server, a receiver still finishing its handshake lost that burst and
 * waited for the camera's next key frame). Chromium accepts it.
 *
 * Losses. NACKs are answered with RTX retransmissions (the transceiver's
 * do-nack). PLIs cannot be answered (nothing is encoded here): a browser
 * that lost a key frame waits for the camera's next one.
 *
 * Catch-up and latency. Subscribing to the feed yields the cached group of
 * pictures at once; those frames go into appsrc immediately
 * (do-timestamp), where they wait (webrtcbin holds its input until the
 * description is negotiated and DTLS is up) and then leave in one burst,
 * so the browser decodes up to the present as soon as it connects and then
 * follows at the camera's pace. No queue, no jitter buffer, zero-latency
 * RTP aggregation on this side. appsrc is bounded (4 MiB): over the bound
 * frames are dropped until the next key frame (counted in the stats). The
 * process's first offer waits for plugin loading and the DTLS certificate
 * unless rvi_live_webrtc_warm_up ran at start-up. libnice's UPnP port
 * mapping is turned off (a LAN server); no STUN or TURN server is set, so
 * the browser must reach one of the server's host addresses.
 *
 * H.265 cannot be sent (browsers' WebRTC lacks it): new() refuses a camera
 * known to be H.265 with RVI_ERROR_UNSUPPORTED_MEDIA; a camera whose codec
 * is not known yet fails later, through the state callback.
 *
 * Threads. Every callback runs on @context, the caller's main loop, even
 * though webrtcbin and the feed call in from their own threads; the
 * functions below are called on the thread running @context too. */
#pragma once

#include <glib.h>

#include "live-feed.h"

G_BEGIN_DECLS

typedef enum {
  RVI_LIVE_WEBRTC_CONNECTING, /* ICE and DTLS under way (or lost, and retrying) */
  RVI_LIVE_WEBRTC_CONNECTED,  /* the media path to the browser is up */
  RVI_LIVE_WEBRTC_FAILED,     /* final: ICE/DTLS failed, the pipeline stopped, or the codec
                               * cannot be sent; the detail says which */
  RVI_LIVE_WEBRTC_CLOSED,     /* final: the peer connection closed */
} RviLiveWebrtcState;

typedef struct {
  /* The server's offer, SDP text for the browser; once. */
  void (*offer) (const char *sdp, gpointer user_data);
  /* A server ICE candidate ("candidate:..."), for sdpMLineIndex @mline. */
  void (*ice_candidate) (guint mline, const char *candidate, gpointer user_data);
  /* Each change; @detail is a short lower-case reason, or NULL. */
  void (*state) (RviLiveWebrtcState state, const char *detail, gpointer user_data);
} RviLiveWebrtcCallbacks;

typedef struct {
  guint64 frames_sent;    /* pushed into the pipeline */
  guint64 frames_dropped; /* over the bound, or waiting for a key frame */
  guint64 bytes_sent;     /* of the frames sent */
} RviLiveWebrtcStats;

typedef struct _RviLiveWebrtc RviLiveWebrtc;

/* Does, on a thread of its own, what the process's first offer would
 * otherwise wait for: loading the SRTP, DTLS and ICE plugins (libsrtp
 * tests its ciphers) and generating the process's DTLS certificate (an RSA
 * key); 0.2 to 1 s of CPU, once per process. Returns at once. Call at
 * start-up, after gst_init; idempotent. */
void rvi_live_webrtc_warm_up (void);

/* Waits for the warm-up to finish (a process must not exit while it loads
 * plugins: it crashed at exit doing so). Idempotent; call before exit. */
void rvi_live_webrtc_warm_up_wait (void);

/* Starts a viewer of @feed (a reference is taken). @callbacks is copied;
 * any member may be NULL. @context NULL means the global default context.
 * NULL with @error: RVI_ERROR_UNSUPPORTED_MEDIA when the camera is H.265,
 * RVI_ERROR_FAILED when the GStreamer elements are missing. */
RviLiveWebrtc *rvi_live_webrtc_new (RviLiveFeed *feed, const RviLiveWebrtcCallbacks *callbacks,
                                    gpointer user_data, GMainContext *context, GError **error);

/* The browser's answer to the offer. FALSE with @error
 * (RVI_ERROR_INVALID_INPUT) when @sdp is not SDP, has no media, or no offer
 * is waiting for an answer. webrtcbin applies it asynchronously: a
 * description it rejects reports FAILED through the state callback. */
gboolean rvi_live_webrtc_set_answer (RviLiveWebrtc *webrtc, const char *sdp, GError **error);

/* One browser ICE candidate (the RTCIceCandidate's "candidate", an "a="
 * prefix allowed). mDNS host candidates (.local) and the empty
 * end-of-candidates are accepted and ignored. FALSE with @error
 * (RVI_ERROR_INVALID_INPUT) when @candidate is not a candidate. */
gboolean rvi_live_webrtc_add_ice_candidate (RviLiveWebrtc *webrtc, guint mline,
                                            const char *candidate, GError **error);

void rvi_live_webrtc_get_stats (RviLiveWebrtc *webrtc, RviLiveWebrtcStats *stats);

/* Unsubscribes from the feed and stops the pipeline (waiting for webrtcbin
 * to shut down, a few ms). No callback runs after it returns, even one
 * already queued on the context. */
void rvi_live_webrtc_free (RviLiveWebrtc *webrtc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviLiveWebrtc, rvi_live_webrtc_free)

G_END_DECLS
