/* live-webrtc-sdp.h: the SDP and ICE text rewrites of the WebRTC viewer
 * (live-webrtc.h).
 *
 * H.264 profile. Chromium's WebRTC receiver lists only the profiles
 * 42001f, 42e01f, 4d001f and f4001f (no High), and refuses an offer whose
 * profile-level-id matches none, while cameras mostly send High. Its
 * decoder decodes High whatever the SDP said, and the parameter sets travel
 * in band (rtph264pay config-interval=-1), so the offer given to the
 * browser says constrained baseline (42e01f, level-asymmetry-allowed=1, no
 * sprop-parameter-sets) and the answer coming back is given the camera's
 * real profile again before webrtcbin sees it: webrtcbin only ever sees
 * descriptions consistent with the caps it is really sending.
 *
 * DTLS role. The offer given to the browser says a=setup:active, so that
 * the server is the DTLS client (why: live-webrtc.h).
 *
 * ICE. The browser hides its host addresses behind mDNS names
 * (xxxx.local) that libnice cannot resolve; such candidates are recognised
 * here and dropped by the caller (the browser's peer-reflexive candidates,
 * learned from its connectivity checks, connect anyway). */
#pragma once

#include <glib.h>
#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* What the browser is told every H.264 stream is. */
#define RVI_LIVE_WEBRTC_BROWSER_PROFILE "42e01f"

/* Sets profile-level-id=@profile_level_id and level-asymmetry-allowed=1 in
 * the fmtp of every H.264 payload type of every video media of @sdp (adding
 * packetization-mode=1 when absent, an fmtp line when there is none), and
 * removes sprop-parameter-sets. @previous (optional) gets the first
 * profile-level-id replaced (transfer full; NULL when there was none).
 * Returns the number of payload types rewritten. */
guint rvi_live_webrtc_sdp_set_h264_profile (GstSDPMessage *sdp, const char *profile_level_id,
                                            char **previous);

/* Sets every media's a=setup to @setup; returns how many there were. */
guint rvi_live_webrtc_sdp_set_setup (GstSDPMessage *sdp, const char *setup);

/* Checks one ICE candidate from the browser, as the "candidate" of an
 * RTCIceCandidate ("candidate:F C udp P ADDRESS PORT typ T ...", an "a="
 * prefix allowed). Returns the candidate without the prefix (pointing into
 * @candidate), or NULL with @error (RVI_ERROR_INVALID_INPUT) when it is not
 * one. @mdns is set when the address is an mDNS name (".local"). An empty
 * candidate (end of candidates) returns "" with @mdns FALSE. */
const char *rvi_live_webrtc_sdp_check_candidate (const char *candidate, gboolean *mdns,
                                                 GError **error);

G_END_DECLS
