/* webrtc-peer.h: the browser's side of a WebRTC live view, in process, for
 * test-live-webrtc.c.
 *
 * RviTestPeer is a receiving webrtcbin that decodes what it gets
 * (rtph264depay ! h264parse ! avdec_h264) and records when each picture
 * came out of the decoder, and at what width. RviTestSession wires an
 * RviLiveWebrtc to a peer (or to nobody) on a private main context: it
 * answers the offer and trades ICE candidates as the browser and the
 * WebSocket would, and records what the viewer reported. */
#pragma once

#include <glib.h>

#include "live-webrtc.h"

G_BEGIN_DECLS

typedef struct _RviTestPeer RviTestPeer;

typedef struct {
  GMainContext *context;
  RviLiveWebrtc *viewer;
  RviTestPeer *peer;   /* NULL: nobody answers */
  gint64 started_us;   /* monotonic time the viewer was made */
  gint64 connected_us; /* when it first reported CONNECTED; 0 before */
  char *offer, *answer;
  GArray *states;   /* RviLiveWebrtcState, each reported */
  char *failed;     /* the detail of FAILED, once reported */
  guint candidates; /* ICE candidates from the viewer */
  guint late;       /* callbacks after the viewer was freed: a bug */
  gboolean stopped;
} RviTestSession;

typedef gboolean (*RviTestSessionDone) (RviTestSession *s);

RviTestSession *rvi_test_session_new (gboolean with_peer);

/* Makes the viewer of @feed (failing the test when new() fails). */
void rvi_test_session_start (RviTestSession *s, RviLiveFeed *feed);

/* Runs the context, handing the peer's candidates to the viewer, until
 * @done (may be NULL) says so or @timeout_us passed; FALSE on timeout. */
gboolean rvi_test_session_run (RviTestSession *s, RviTestSessionDone done, gint64 timeout_us);

/* Frees the viewer; the session stays readable. */
void rvi_test_session_stop (RviTestSession *s);
void rvi_test_session_free (RviTestSession *s);

/* Pictures decoded so far; @times (optional) gets a copy of their
 * monotonic times (gint64). */
guint rvi_test_peer_decoded (RviTestPeer *peer, GArray **times);
guint rvi_test_peer_frames_of_width (RviTestPeer *peer, int width);

G_END_DECLS
