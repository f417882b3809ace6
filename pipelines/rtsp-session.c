/* rtsp-session.c: the RTSP control exchange of the native recorder (see
 * rtsp-session.h).
 *
 * DESIGN. Every request goes through request(): a fresh CSeq, the session
 * header once there is one, then the answer is read, skipping anything
 * that is not a response. A 401 is answered once: the camera's challenge
 * picks digest when offered (GstRTSPConnection computes the response for
 * each later request), basic otherwise; a second 401 is an authentication
 * failure. GstRTSPConnection reads a message byte-exactly (headers line by
 * line, the body by Content-Length), so after the PLAY answer nothing of
 * the media has been consumed and the reader can take the socket over. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "rtsp-session.h"

#include <gst/sdp/sdp.h>
#include <stdio.h>
#include <string.h>

#define RVI_RTSP_TEARDOWN_TIMEOUT_US (200 * G_TIME_SPAN_MILLISECOND)
#define RVI_RTSP_DEFAULT_TIMEOUT_S 60

typedef struct {
  RviIngestFailure failure;
  char *message;
  gboolean transport_refused;
} RviOpenError;

static void
set_failure (RviOpenError *out, RviIngestFailure failure, char *message)
{
  out->failure = failure;
  g_free (out->message);
  out->message = message;
}

static char *
result_text (GstRTSPResult result)
{
  g_autofree char *text = gst_rtsp_strresult (result);
  char *lower = g_ascii_strdown (text, -1);
  gsize len = strlen (lower);

  if (len > 0 && lower[len - 1] == '.')
    lower[len - 1] = '\0';
  return lower;
}

static gboolean
setup_auth (RviRtspSession *session, GstRTSPMessage *response, const char *username,
            const char *password)
{
  GstRTSPAuthCredential **credentials =
    gst_rtsp_message_parse_auth_credentials (response, GST_RTSP_HDR_WWW_AUTHENTICATE);
  GstRTSPAuthCredential *digest = NULL;

  for (GstRTSPAuthCredential **c = credentials; c != NULL && *c != NULL; c++)
    if ((*c)->scheme == GST_RTSP_AUTH_DIGEST && digest == NULL)
      digest = *c;
  gst_rtsp_connection_clear_auth_params (session->connection);
  if (digest != NULL) {
    for (GstRTSPAuthParam **p = digest->params; p != NULL && *p != NULL; p++)
      gst_rtsp_connection_set_auth_param (session->connection, (*p)->name, (*p)->value);
    gst_rtsp_connection_set_auth (session->connection, GST_RTSP_AUTH_DIGEST, username, password);
    session->auth = GST_RTSP_AUTH_DIGEST;
  } else {
    /* basic was offered, or no usable challenge: basic is what the
     * camera most likely means */
    gst_rtsp_connection_set_auth (session->connection, GST_RTSP_AUTH_BASIC, username, password);
    session->auth = GST_RTSP_AUTH_BASIC;
  }
  gst_rtsp_auth_credentials_free (credentials);
  return TRUE;
}

static void
add_common_headers (RviRtspSession *session, GstRTSPMessage *message)
{
  g_autofree char *cseq = g_strdup_printf ("%u", ++session->cseq);

  gst_rtsp_message_add_header (message, GST_RTSP_HDR_CSEQ, cseq);
  gst_rtsp_message_add_header (message, GST_RTSP_HDR_USER_AGENT, "rvi");
  if (session->session_id != NULL)
    gst_rtsp_message_add_header (message, GST_RTSP_HDR_SESSION, session->session_id);
}

/* Sends @method for @uri (with @header/@value when not NULL) and reads the
 * answer into @response (initialized here; unset it after). Answers a 401
 * once with the credentials. FALSE with @out filled when the exchange
 * failed; a non-2xx answer other than 401 is returned for the caller. */
static gboolean
request (RviRtspSession *session, GstRTSPMethod method, const char *uri, GstRTSPHeaderField header,
         const char *value, GstRTSPMessage *response, const char *username, const char *password,
         gint64 timeout_us, RviOpenError *out)
{
  gboolean authenticated = FALSE;

  for (;;) {
    GstRTSPMessage req = { 0 };
    GstRTSPResult result;

    gst_rtsp_message_init_request (&req, method, uri);
    add_common_headers (session, &req);
    if (header != GST_RTSP_HDR_INVALID)
      gst_rtsp_message_add_header (&req, header, value);
    result = gst_rtsp_connection_send_usec (session->connection, &req, timeout_us);
    gst_rtsp_message_unset (&req);
    if (result != GST_RTSP_OK) {
      g_autofree char *text = result_text (result);

      set_failure (out, RVI_INGEST_FAILURE_UNREACHABLE,
                   g_strdup_printf ("cannot connect to the camera (%s)", text));
      return FALSE;
    }
    for (;;) {
      gst_rtsp_message_init (response);
      result = gst_rtsp_connection_receive_usec (session->connection, response, timeout_us);
      if (result != GST_RTSP_OK) {
        g_autofree char *text = result_text (result);

        gst_rtsp_message_unset (response);
        if (result == GST_RTSP_ETIMEOUT)
          set_failure (out, RVI_INGEST_FAILURE_TIMEOUT,
                       g_strdup_printf ("the camera did not answer %s in time",
                                        gst_rtsp_method_as_text (method)));
        else
          set_failure (out, RVI_INGEST_FAILURE_UNREACHABLE,
                       g_strdup_printf ("cannot connect to the camera (%s)", text));
        return FALSE;
      }
      if (response->type == GST_RTSP_MESSAGE_RESPONSE)
        break;
      gst_rtsp_message_unset (response);
    }
    if (response->type_data.response.code != GST_RTSP_STS_UNAUTHORIZED)
      return TRUE;
    if (authenticated || username == NULL || password == NULL) {
      gst_rtsp_message_unset (response);
      set_failure (out, RVI_INGEST_FAILURE_AUTH, g_strdup ("authentication failed (401)"));
      return FALSE;
    }
    authenticated = setup_auth (session, response, username, password);
    gst_rtsp_message_unset (response);
  }
}

static gboolean
check_status (GstRTSPMessage *response, GstRTSPMethod method, RviOpenError *out)
{
  GstRTSPStatusCode code = response->type_data.response.code;

  if (code >= 200 && code < 300)
    return TRUE;
  if (code == GST_RTSP_STS_NOT_FOUND)
    set_failure (out, RVI_INGEST_FAILURE_UNREACHABLE, g_strdup ("stream not found (404)"));
  else
    set_failure (out, RVI_INGEST_FAILURE_OTHER,
                 g_strdup_printf ("the camera answered %s with %d", gst_rtsp_method_as_text (method),
                                  code));
  return FALSE;
}

static char *
resolve_control (const char *base, const char *control)
{
  if (control == NULL || strcmp (control, "*") == 0)
    return g_strdup (base);
  if (strstr (control, "://") != NULL)
    return g_strdup (control);
  if (g_str_has_suffix (base, "/"))
    return g_strconcat (base, control, NULL);
  return g_strconcat (base, "/", control, NULL);
}

static RviCodec
codec_of (const char *encoding)
{
  if (g_ascii_strcasecmp (encoding, "H264") == 0)
    return RVI_CODEC_H264;
  if (g_ascii_strcasecmp (encoding, "H265") == 0)
    return RVI_CODEC_H265;
  return RVI_CODEC_NONE;
}

/* Reads the first H.264/H.265 video track of @sdp into @session; returns
 * its control URL (transfer full) or NULL with @out filled. */
static char *
choose_track (RviRtspSession *session, const GstSDPMessage *sdp, RviOpenError *out)
{
  gboolean video = FALSE;

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    const char *rtpmap;

    if (g_strcmp0 (gst_sdp_media_get_media (media), "video") != 0 ||
        gst_sdp_media_formats_len (media) == 0)
      continue;
    video = TRUE;
    for (guint k = 0; (rtpmap = gst_sdp_media_get_attribute_val_n (media, "rtpmap", k)) != NULL; k++) {
      guint pt, rate = 90000;
      char encoding[32] = "";
      const char *fmtp;

      if (sscanf (rtpmap, "%u %31[^/]/%u", &pt, encoding, &rate) < 2 || pt > 127)
        continue;
      if (codec_of (encoding) == RVI_CODEC_NONE)
        continue;
      session->codec = codec_of (encoding);
      session->payload_type = pt;
      session->clock_rate = rate;
      for (guint f = 0; (fmtp = gst_sdp_media_get_attribute_val_n (media, "fmtp", f)) != NULL; f++) {
        char *end = NULL;

        if (g_ascii_strtoull (fmtp, &end, 10) == pt && end != NULL && end != fmtp) {
          session->fmtp = g_strdup (g_strchug (end));
          break;
        }
      }
      return resolve_control (session->base, gst_sdp_media_get_attribute_val (media, "control"));
    }
  }
  if (video)
    set_failure (out, RVI_INGEST_FAILURE_UNSUPPORTED,
                 g_strdup ("unsupported video codec (only h264 and h265 are recorded)"));
  else
    set_failure (out, RVI_INGEST_FAILURE_NO_VIDEO, g_strdup ("the stream has no video track"));
  return NULL;
}

static void
read_session_header (RviRtspSession *session, GstRTSPMessage *response)
{
  char *value = NULL;
  g_auto (GStrv) parts = NULL;

  if (gst_rtsp_message_get_header (response, GST_RTSP_HDR_SESSION, &value, 0) != GST_RTSP_OK)
    return;
  parts = g_strsplit (value, ";", -1);
  g_free (session->session_id);
  session->session_id = g_strdup (g_strstrip (parts[0]));
  for (guint i = 1; parts[i] != NULL; i++) {
    const char *p = g_strstrip (parts[i]);

    if (g_ascii_strncasecmp (p, "timeout=", 8) == 0) {
      guint64 t = g_ascii_strtoull (p + 8, NULL, 10);

      if (t >= 5 && t <= 3600)
        session->timeout_s = (guint) t;
    }
  }
}

static gboolean
describe (RviRtspSession *session, const char *username, const char *password, gint64 timeout_us,
          char **control, RviOpenError *out)
{
  GstRTSPMessage response = { 0 };
  GstSDPMessage *sdp = NULL;
  guint8 *body = NULL;
  guint size = 0;
  char *value = NULL;

  if (!request (session, GST_RTSP_DESCRIBE, session->url, GST_RTSP_HDR_ACCEPT, "application/sdp",
                &response, username, password, timeout_us, out))
    return FALSE;
  if (!check_status (&response, GST_RTSP_DESCRIBE, out)) {
    gst_rtsp_message_unset (&response);
    return FALSE;
  }
  if (gst_rtsp_message_get_header (&response, GST_RTSP_HDR_CONTENT_BASE, &value, 0) == GST_RTSP_OK ||
      gst_rtsp_message_get_header (&response, GST_RTSP_HDR_CONTENT_LOCATION, &value, 0) == GST_RTSP_OK)
    session->base = g_strdup (value);
  else
    session->base = g_strdup (session->url);
  gst_rtsp_message_get_body (&response, &body, &size);
  gst_sdp_message_new (&sdp);
  if (body == NULL || gst_sdp_message_parse_buffer (body, size, sdp) != GST_SDP_OK) {
    set_failure (out, RVI_INGEST_FAILURE_OTHER, g_strdup ("the camera sent no usable description"));
  } else {
    *control = choose_track (session, sdp, out);
  }
  gst_sdp_message_free (sdp);
  gst_rtsp_message_unset (&response);
  return *control != NULL;
}

static RviRtspOpenResult
setup (RviRtspSession *session, const char *control, const char *username, const char *password,
       gint64 timeout_us, RviOpenError *out)
{
  GstRTSPMessage response = { 0 };
  GstRTSPTransport *transport = NULL;
  char *value = NULL;
  gboolean ok = FALSE;

  if (!request (session, GST_RTSP_SETUP, control, GST_RTSP_HDR_TRANSPORT,
                "RTP/AVP/TCP;unicast;interleaved=0-1", &response, username, password, timeout_us, out))
    return RVI_RTSP_OPEN_FAILED;
  if (response.type_data.response.code == GST_RTSP_STS_UNSUPPORTED_TRANSPORT) {
    gst_rtsp_message_unset (&response);
    return RVI_RTSP_OPEN_TRANSPORT_REFUSED;
  }
  if (!check_status (&response, GST_RTSP_SETUP, out)) {
    gst_rtsp_message_unset (&response);
    return RVI_RTSP_OPEN_FAILED;
  }
  read_session_header (session, &response);
  gst_rtsp_transport_new (&transport);
  if (gst_rtsp_message_get_header (&response, GST_RTSP_HDR_TRANSPORT, &value, 0) == GST_RTSP_OK &&
      gst_rtsp_transport_parse (value, transport) == GST_RTSP_OK &&
      transport->lower_transport == GST_RTSP_LOWER_TRANS_TCP) {
    session->rtp_channel = transport->interleaved.min >= 0 ? (guint) transport->interleaved.min : 0;
    session->rtcp_channel = transport->interleaved.max >= 0 ? (guint) transport->interleaved.max : 1;
    ok = session->rtp_channel < 256 && session->rtcp_channel < 256;
  }
  gst_rtsp_transport_free (transport);
  gst_rtsp_message_unset (&response);
  if (!ok)
    return RVI_RTSP_OPEN_TRANSPORT_REFUSED;
  if (session->session_id == NULL) {
    set_failure (out, RVI_INGEST_FAILURE_OTHER, g_strdup ("the camera sent no session"));
    return RVI_RTSP_OPEN_FAILED;
  }
  return RVI_RTSP_OPEN_OK;
}

static gboolean
simple (RviRtspSession *session, GstRTSPMethod method, GstRTSPHeaderField header, const char *value,
        const char *username, const char *password, gint64 timeout_us, RviOpenError *out,
        gboolean *get_parameter)
{
  GstRTSPMessage response = { 0 };
  char *pub = NULL;
  gboolean ok;

  if (!request (session, method, session->base != NULL ? session->base : session->url, header, value,
                &response, username, password, timeout_us, out))
    return FALSE;
  ok = check_status (&response, method, out);
  if (ok && get_parameter != NULL)
    for (guint i = 0; gst_rtsp_message_get_header (&response, GST_RTSP_HDR_PUBLIC, &pub, i) == GST_RTSP_OK; i++)
      if (strstr (pub, "GET_PARAMETER") != NULL)
        *get_parameter = TRUE;
  gst_rtsp_message_unset (&response);
  return ok;
}

RviRtspOpenResult
rvi_rtsp_session_open (RviRtspSession *session, const char *url, const char *username,
                       const char *password, guint timeout_ms, RviIngestFailure *failure,
                       char **message)
{
  GstRTSPUrl *parsed = NULL;
  gint64 timeout_us = (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  RviOpenError out = { RVI_INGEST_FAILURE_OTHER, NULL, FALSE };
  RviRtspOpenResult result = RVI_RTSP_OPEN_FAILED;
  g_autofree char *control = NULL;
  GstRTSPResult res;

  memset (session, 0, sizeof *session);
  session->fd = -1;
  session->timeout_s = RVI_RTSP_DEFAULT_TIMEOUT_S;
  session->url = g_strdup (url);
  if (gst_rtsp_url_parse (url, &parsed) != GST_RTSP_OK) {
    set_failure (&out, RVI_INGEST_FAILURE_OTHER, g_strdup ("the camera url is malformed"));
    goto done;
  }
  gst_rtsp_connection_create (parsed, &session->connection);
  gst_rtsp_url_free (parsed);
  res = gst_rtsp_connection_connect_usec (session->connection, timeout_us);
  if (res != GST_RTSP_OK) {
    g_autofree char *text = result_text (res);

    set_failure (&out, RVI_INGEST_FAILURE_UNREACHABLE, g_strdup_printf ("cannot connect to the camera (%s)", text));
    goto done;
  }
  if (!simple (session, GST_RTSP_OPTIONS, GST_RTSP_HDR_INVALID, NULL, username, password, timeout_us,
               &out, &session->get_parameter) ||
      !describe (session, username, password, timeout_us, &control, &out))
    goto done;
  result = setup (session, control, username, password, timeout_us, &out);
  if (result != RVI_RTSP_OPEN_OK)
    goto done;
  if (!simple (session, GST_RTSP_PLAY, GST_RTSP_HDR_RANGE, "npt=0.000-", username, password,
               timeout_us, &out, NULL)) {
    result = RVI_RTSP_OPEN_FAILED;
    goto done;
  }
  session->fd = g_socket_get_fd (gst_rtsp_connection_get_read_socket (session->connection));

done:
  if (result != RVI_RTSP_OPEN_OK) {
    *failure = out.failure;
    *message = g_steal_pointer (&out.message);
    if (*message == NULL)
      *message = g_strdup ("the camera refused interleaved tcp (461)");
    rvi_rtsp_session_clear (session);
  }
  g_free (out.message);
  return result;
}

gboolean
rvi_rtsp_session_keepalive (RviRtspSession *session)
{
  GstRTSPMessage req = { 0 };
  GstRTSPResult result;

  gst_rtsp_message_init_request (&req, session->get_parameter ? GST_RTSP_GET_PARAMETER : GST_RTSP_OPTIONS,
                                 session->base);
  add_common_headers (session, &req);
  result = gst_rtsp_connection_send_usec (session->connection, &req, G_TIME_SPAN_SECOND);
  gst_rtsp_message_unset (&req);
  return result == GST_RTSP_OK;
}

void
rvi_rtsp_session_clear (RviRtspSession *session)
{
  if (session->connection != NULL) {
    if (session->session_id != NULL && session->base != NULL) {
      GstRTSPMessage req = { 0 };

      gst_rtsp_message_init_request (&req, GST_RTSP_TEARDOWN, session->base);
      add_common_headers (session, &req);
      gst_rtsp_connection_send_usec (session->connection, &req, RVI_RTSP_TEARDOWN_TIMEOUT_US);
      gst_rtsp_message_unset (&req);
    }
    gst_rtsp_connection_close (session->connection);
    gst_rtsp_connection_free (session->connection);
  }
  g_free (session->url);
  g_free (session->base);
  g_free (session->session_id);
  g_free (session->fmtp);
  memset (session, 0, sizeof *session);
  session->fd = -1;
}
