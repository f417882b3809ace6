/* webrtc-abi.h: the few types of gstreamer-webrtc-1.0 that live-webrtc.c
 * touches, mirrored here because the library's development headers are not
 * installed (they come only with libgstreamer-plugins-bad1.0-dev, 724 MB of
 * packages for one struct and some enum values).
 *
 * Everything else goes through webrtcbin's GObject surface: properties read
 * as ints with g_object_get, action signals emitted by name, GstPromise and
 * GstSDPMessage (gstreamer-sdp-1.0, installed). What is mirrored:
 *
 *  - GstWebRTCSessionDescription, a boxed { GstWebRTCSDPType type;
 *    GstSDPMessage *sdp; } allocated with g_new0 and freed with
 *    gst_sdp_message_free + g_free. Its layout and the enum values are
 *    public API, unchanged since 1.14 (GStreamer keeps ABI within 1.x), so a
 *    copy of them is as stable as the library itself. Its GType is looked up
 *    by name; it exists once webrtcbin has been loaded (the plugin links the
 *    library, which registers it), and is used to check a promise reply
 *    really holds one before reading it.
 *  - the values of GstWebRTCPeerConnectionState, GstWebRTCICEConnectionState
 *    and GstWebRTCRTPTransceiverDirection (enum properties, read and written
 *    as ints; `gst-inspect-1.0 webrtcbin` lists them). */
#pragma once

#include <glib-object.h>
#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

typedef enum {
  RVI_WEBRTC_SDP_TYPE_OFFER = 1,
  RVI_WEBRTC_SDP_TYPE_PRANSWER = 2,
  RVI_WEBRTC_SDP_TYPE_ANSWER = 3,
  RVI_WEBRTC_SDP_TYPE_ROLLBACK = 4,
} RviWebrtcSdpType;

typedef struct {
  RviWebrtcSdpType type;
  GstSDPMessage *sdp;
} RviWebrtcSessionDescription;

/* GstWebRTCPeerConnectionState ("connection-state") */
enum {
  RVI_WEBRTC_PC_NEW = 0,
  RVI_WEBRTC_PC_CONNECTING = 1,
  RVI_WEBRTC_PC_CONNECTED = 2,
  RVI_WEBRTC_PC_DISCONNECTED = 3,
  RVI_WEBRTC_PC_FAILED = 4,
  RVI_WEBRTC_PC_CLOSED = 5,
};

/* GstWebRTCICEConnectionState ("ice-connection-state") */
enum {
  RVI_WEBRTC_ICE_NEW = 0,
  RVI_WEBRTC_ICE_CHECKING = 1,
  RVI_WEBRTC_ICE_CONNECTED = 2,
  RVI_WEBRTC_ICE_COMPLETED = 3,
  RVI_WEBRTC_ICE_FAILED = 4,
  RVI_WEBRTC_ICE_DISCONNECTED = 5,
  RVI_WEBRTC_ICE_CLOSED = 6,
};

/* GstWebRTCRTPTransceiverDirection (a transceiver's "direction") */
enum {
  RVI_WEBRTC_DIRECTION_SENDONLY = 2,
};

/* The GType of GstWebRTCSessionDescription; 0 until webrtcbin is loaded. */
static inline GType
rvi_webrtc_session_description_get_type (void)
{
  return g_type_from_name ("GstWebRTCSessionDescription");
}

/* (transfer full) a description taking @sdp, as
 * gst_webrtc_session_description_new would make it. */
static inline RviWebrtcSessionDescription *
rvi_webrtc_session_description_new (RviWebrtcSdpType type, GstSDPMessage *sdp)
{
  RviWebrtcSessionDescription *desc = g_new0 (RviWebrtcSessionDescription, 1);

  desc->type = type;
  desc->sdp = sdp;
  return desc;
}

/* As gst_webrtc_session_description_free. */
static inline void
rvi_webrtc_session_description_free (RviWebrtcSessionDescription *desc)
{
  if (!desc)
    return;
  gst_sdp_message_free (desc->sdp);
  g_free (desc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviWebrtcSessionDescription, rvi_webrtc_session_description_free)

G_END_DECLS
