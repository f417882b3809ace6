/* rtsp-session.h: the RTSP control exchange of the native recorder:
 * OPTIONS, DESCRIBE (basic or digest authentication), SETUP of the video
 * track with RTP interleaved on the RTSP connection (TCP), PLAY; then
 * keep-alives and TEARDOWN. Built on GStreamer's RTSP library
 * (GstRTSPConnection for messages and authentication, GstSDPMessage for
 * the session description); the media itself is read from the socket by
 * rtp-reader.c, not through GstRTSPConnection.
 *
 * THREADS. rvi_rtsp_session_open() blocks (bounded by its timeout): call it
 * on a worker thread. After it, the session belongs to one thread at a
 * time (the reader thread), which sends keep-alives and the TEARDOWN. */
#pragma once

#include <gst/rtsp/rtsp.h>

#include "ingest.h"
#include "video-params.h"

G_BEGIN_DECLS

typedef struct {
  GstRTSPConnection *connection;
  char *url;              /* the request URL, without credentials */
  char *base;             /* aggregate control URL (PLAY, keep-alive, TEARDOWN) */
  char *session_id;
  guint timeout_s;        /* the camera's session timeout (keep-alive at half of it) */
  gboolean get_parameter; /* the camera offers GET_PARAMETER for keep-alives */
  GstRTSPAuthMethod auth; /* what the camera's challenge led to; NONE without one */
  guint cseq;
  RviCodec codec;
  char *fmtp;             /* the video track's fmtp parameters (sprop-*), or NULL */
  guint payload_type;
  guint clock_rate;
  guint rtp_channel;      /* interleaved channel numbers */
  guint rtcp_channel;
  int fd;                 /* the connection's socket, non-blocking */
} RviRtspSession;

typedef enum {
  RVI_RTSP_OPEN_OK,
  RVI_RTSP_OPEN_FAILED,             /* @failure and @message say why */
  RVI_RTSP_OPEN_TRANSPORT_REFUSED,  /* SETUP answered 461: the camera will not interleave */
} RviRtspOpenResult;

/* Connects to @url (rtsp:// only) and brings the video track to PLAY over
 * TCP. Credentials go into Authorization headers only (basic, or digest
 * when the camera offers it), never into the URL or a message. On
 * RVI_RTSP_OPEN_FAILED fills @failure and @message (transfer full, short,
 * lower case, free of credentials); @session is then cleared. */
RviRtspOpenResult rvi_rtsp_session_open (RviRtspSession *session, const char *url,
                                         const char *username, const char *password,
                                         guint timeout_ms, RviIngestFailure *failure,
                                         char **message);

/* Sends a keep-alive request (GET_PARAMETER, or OPTIONS) without waiting
 * for the answer, which arrives among the interleaved data. FALSE when the
 * connection is broken. */
gboolean rvi_rtsp_session_keepalive (RviRtspSession *session);

/* Sends TEARDOWN (best effort, short timeout), closes the connection and
 * frees everything. Safe on a cleared session. */
void rvi_rtsp_session_clear (RviRtspSession *session);

G_END_DECLS
