/* live-session.c: one live video WebSocket; see live-session.h and
 * docs/live.md.
 *
 * DESIGN
 * The session says hello, then starts its transport as soon as the feed
 * has a picture (polled every WAIT_POLL_MS until then; the client is told
 * "waiting"). H.265 cannot play over WebRTC or MSE in browsers: such a
 * session is told so and closed with 4415, and the client asks for jpeg.
 *
 * WebRTC: an RviLiveWebrtc pushes the feed's frames into webrtcbin itself;
 * here only signalling passes (the offer and candidates out, the answer and
 * candidates in).
 *
 * MSE: the feed calls on the ingest thread; frames are queued in an inbox
 * (bounded in bytes) and drained on the main loop, where the muxer makes
 * one fragment per frame and the outbox (ws-outbox.c) sends it. A client
 * that falls behind (inbox or outbox full) is closed with 4008; it
 * reconnects and starts again at the latest key frame.
 *
 * JPEG: an RviLiveJpeg decodes key frames on its own thread and hands each
 * still here; a still that finds the outbox full is skipped (each still
 * stands alone). */
#define G_LOG_DOMAIN "rvi-live"
#include "live-session.h"
#include "live-fmp4.h"
#include "live-jpeg.h"
#include "live-webrtc.h"
#include "ws-outbox.h"

#include <json-glib/json-glib.h>

#define WAIT_POLL_MS 200
#define KEEPALIVE_S 20
#define INCOMING_MAX (64 * 1024)
#define OUTBOX_MESSAGES 512
#define OUTBOX_BYTES (8u << 20)
#define INBOX_BYTES (8u << 20)
#define SNDBUF (512 * 1024)
#define JPEG_MAX_WIDTH 640
#define JPEG_MAX_FPS 4

/* ---- the MSE inbox: ingest thread -> main loop ---- */

typedef struct {
  RviLiveFrame frame;        /* data referenced */
  RviVideoParams *params;    /* set when the parameter sets changed */
} InFrame;

typedef struct {
  gatomicrefcount ref;
  GMutex lock;
  GQueue frames;             /* InFrame * */
  gsize bytes;
  gboolean scheduled;
  gboolean overflow;
  guint last_serial;
  GMainContext *context;
  RviLiveSession *session;   /* main loop only; NULL once the session is gone */
} Inbox;

struct _RviLiveSession {
  RviLiveSessionClosed closed;
  gpointer user_data;
  GMainContext *context;
  SoupWebsocketConnection *ws;
  RviWsOutbox *outbox;
  RviWsIdentity who;
  RviLiveFeed *feed;
  RviLiveTransport transport;
  char id[37];
  gint64 from_us;
  gboolean closing;
  gushort close_code;        /* the code we closed with; 0 when the client closed */
  gboolean started;
  GSource *wait;
  RviLiveWebrtc *webrtc;
  RviLiveJpeg *jpeg;
  guint subscription;        /* mse */
  Inbox *inbox;              /* mse */
  RviLiveFmp4 *mux;          /* mse */
  RviVideoParams params;     /* mse: of the frames being muxed */
  GByteArray *out;           /* mse, reused */
  guint64 bytes_sent;
};

static void
in_frame_free (InFrame *f)
{
  g_bytes_unref (f->frame.data);
  if (f->params) {
    rvi_video_params_clear (f->params);
    g_free (f->params);
  }
  g_free (f);
}

static Inbox *
inbox_ref (Inbox *in)
{
  g_atomic_ref_count_inc (&in->ref);
  return in;
}

static void
inbox_unref (gpointer data)
{
  Inbox *in = data;

  if (!g_atomic_ref_count_dec (&in->ref))
    return;
  g_queue_clear_full (&in->frames, (GDestroyNotify) in_frame_free);
  g_main_context_unref (in->context);
  g_mutex_clear (&in->lock);
  g_free (in);
}

/* ---- sending ---- */

/* Queues @msg (transfer full). A message that finds the outbox full is
 * dropped when @droppable, else the client is closed as too slow. */
static void
send_bytes (RviLiveSession *s, SoupWebsocketDataType type, GBytes *msg, gboolean droppable)
{
  g_autoptr (GBytes) owned = msg;

  if (s->closing)
    return;
  if (rvi_ws_outbox_push (s->outbox, type, owned)) {
    s->bytes_sent += g_bytes_get_size (owned);
    return;
  }
  if (droppable)
    return;
  g_message ("live session %s (camera %s): the client does not keep up; closing", s->id,
             rvi_live_feed_get_camera_id (s->feed));
  rvi_live_session_close (s, RVI_LIVE_CLOSE_TOO_SLOW, "too slow; reconnect");
}

static void
send_json (RviLiveSession *s, JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  gsize len;
  char *text;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  send_bytes (s, SOUP_WEBSOCKET_DATA_TEXT, g_bytes_new_take (text, len), FALSE);
}

static JsonBuilder *
message (const char *type)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  return b;
}

static void
finish_message (RviLiveSession *s, JsonBuilder *b)
{
  json_builder_end_object (b);
  send_json (s, b);
  g_object_unref (b);
}

static void
send_hello (RviLiveSession *s)
{
  RviLiveFeedState st;
  JsonBuilder *b = message ("hello");

  rvi_live_feed_get_state (s->feed, &st);
  json_builder_set_member_name (b, "camera");
  json_builder_add_string_value (b, rvi_live_feed_get_camera_id (s->feed));
  json_builder_set_member_name (b, "transport");
  json_builder_add_string_value (b, rvi_live_transport_to_string (s->transport));
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, s->id);
  json_builder_set_member_name (b, "codec");
  if (st.have_video)
    json_builder_add_string_value (b, st.codec == RVI_CODEC_H265 ? "h265" : "h264");
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, st.width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, st.height);
  json_builder_set_member_name (b, "bframes");
  json_builder_add_boolean_value (b, st.reorder > 0);
  finish_message (s, b);
}

static void
send_error_and_close (RviLiveSession *s, gushort code, const char *text)
{
  JsonBuilder *b = message ("error");

  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, text);
  json_builder_set_member_name (b, "code");
  json_builder_add_int_value (b, code);
  finish_message (s, b);
  rvi_live_session_close (s, code, text);
}

/* ---- WebRTC ---- */

static void
on_webrtc_offer (const char *sdp, gpointer user_data)
{
  RviLiveSession *s = user_data;
  JsonBuilder *b = message ("offer");

  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp);
  finish_message (s, b);
}

static void
on_webrtc_candidate (guint mline, const char *candidate, gpointer user_data)
{
  RviLiveSession *s = user_data;
  JsonBuilder *b = message ("ice");

  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, candidate);
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, mline);
  finish_message (s, b);
}

static void
on_webrtc_state (RviLiveWebrtcState state, const char *detail, gpointer user_data)
{
  RviLiveSession *s = user_data;

  if (state == RVI_LIVE_WEBRTC_FAILED)
    send_error_and_close (s, SOUP_WEBSOCKET_CLOSE_NORMAL,
                          detail ? detail : "the WebRTC connection failed");
}

static const RviLiveWebrtcCallbacks webrtc_callbacks = {
  on_webrtc_offer, on_webrtc_candidate, on_webrtc_state
};

/* ---- MSE ---- */

static void
drain_inbox (RviLiveSession *s)
{
  Inbox *in = s->inbox;
  GQueue frames = G_QUEUE_INIT;
  gboolean overflow;

  g_mutex_lock (&in->lock);
  frames = in->frames;
  g_queue_init (&in->frames);
  in->bytes = 0;
  in->scheduled = FALSE;
  overflow = in->overflow;
  g_mutex_unlock (&in->lock);
  for (InFrame *f; !s->closing && !overflow && (f = g_queue_pop_head (&frames));) {
    g_autoptr (GError) error = NULL;
    gboolean init = FALSE;

    if (f->params) {
      rvi_video_params_clear (&s->params);
      s->params = *f->params;      /* takes its references */
      g_clear_pointer (&f->params, g_free);
    }
    g_byte_array_set_size (s->out, 0);
    if (!rvi_live_fmp4_push (s->mux, &f->frame, &s->params, s->out, &init, &error)) {
      g_message ("live session %s (camera %s): frame not sent: %s", s->id,
                 rvi_live_feed_get_camera_id (s->feed), error->message);
    } else {
      if (init) {
        JsonBuilder *b = message ("mse");

        json_builder_set_member_name (b, "mime");
        json_builder_add_string_value (b, rvi_live_fmp4_get_mime (s->mux));
        finish_message (s, b);
      }
      if (s->out->len > 0)
        send_bytes (s, SOUP_WEBSOCKET_DATA_BINARY, g_bytes_new (s->out->data, s->out->len),
                    FALSE);
    }
    in_frame_free (f);
  }
  g_queue_clear_full (&frames, (GDestroyNotify) in_frame_free);
  if (overflow && !s->closing) {
    g_message ("live session %s (camera %s): frames pile up; closing", s->id,
               rvi_live_feed_get_camera_id (s->feed));
    rvi_live_session_close (s, RVI_LIVE_CLOSE_TOO_SLOW, "too slow; reconnect");
  }
}

static gboolean
on_inbox (gpointer data)
{
  Inbox *in = data;

  if (in->session)
    drain_inbox (in->session);
  return G_SOURCE_REMOVE;
}

/* Ingest thread (or this one, for the cached frames), feed lock held. */
static void
on_mse_frame (const RviLiveFrame *frame, const RviVideoParams *params, gboolean catch_up,
              gpointer user_data)
{
  Inbox *in = user_data;
  gsize size = g_bytes_get_size (frame->data);
  InFrame *f;

  g_mutex_lock (&in->lock);
  if (in->overflow || in->bytes + size > INBOX_BYTES) {
    in->overflow = TRUE;
  } else {
    f = g_new0 (InFrame, 1);
    f->frame = *frame;
    f->frame.data = g_bytes_ref (frame->data);
    if (frame->params_serial != in->last_serial) {
      f->params = g_new0 (RviVideoParams, 1);
      rvi_video_params_copy (f->params, params);
      in->last_serial = frame->params_serial;
    }
    g_queue_push_tail (&in->frames, f);
    in->bytes += size;
  }
  if (!in->scheduled) {
    /* a source, not g_main_context_invoke: that would drain right here when
     * this thread owns the context (the cached frames), under our lock */
    GSource *idle = g_idle_source_new ();

    in->scheduled = TRUE;
    g_source_set_priority (idle, G_PRIORITY_DEFAULT);
    g_source_set_callback (idle, on_inbox, inbox_ref (in), inbox_unref);
    g_source_attach (idle, in->context);
    g_source_unref (idle);
  }
  g_mutex_unlock (&in->lock);
}

/* ---- JPEG ---- */

static void
on_jpeg (GBytes *jpeg, gint64 at_us, gpointer user_data)
{
  RviLiveSession *s = user_data;
  JsonBuilder *b;

  if (s->closing || rvi_ws_outbox_get_bytes (s->outbox) + g_bytes_get_size (jpeg) > OUTBOX_BYTES)
    return;   /* skipped: the next still replaces it */
  b = message ("jpeg");
  json_builder_set_member_name (b, "at");
  json_builder_add_int_value (b, at_us / 1000);
  finish_message (s, b);
  send_bytes (s, SOUP_WEBSOCKET_DATA_BINARY, g_bytes_ref (jpeg), TRUE);
}

/* ---- start ---- */

static gboolean
start_transport (RviLiveSession *s)
{
  g_autoptr (GError) error = NULL;
  RviLiveFeedState st;

  rvi_live_feed_get_state (s->feed, &st);
  if (!st.have_video)
    return FALSE;
  s->started = TRUE;
  send_hello (s);
  if (st.codec == RVI_CODEC_H265 && s->transport != RVI_LIVE_JPEG) {
    send_error_and_close (s, RVI_LIVE_CLOSE_CODEC,
                          "H.265 does not play in browsers; use the jpeg transport");
    return TRUE;
  }
  switch (s->transport) {
    case RVI_LIVE_WEBRTC:
      s->webrtc = rvi_live_webrtc_new (s->feed, &webrtc_callbacks, s, s->context, &error);
      break;
    case RVI_LIVE_MSE:
      s->mux = rvi_live_fmp4_new ();
      s->out = g_byte_array_new ();
      s->inbox = g_new0 (Inbox, 1);
      g_atomic_ref_count_init (&s->inbox->ref);
      g_mutex_init (&s->inbox->lock);
      g_queue_init (&s->inbox->frames);
      s->inbox->context = g_main_context_ref (s->context);
      s->inbox->session = s;
      s->subscription = rvi_live_feed_subscribe (s->feed, on_mse_frame, inbox_ref (s->inbox),
                                                 inbox_unref);
      break;
    case RVI_LIVE_JPEG:
      s->jpeg = rvi_live_jpeg_new (s->feed, JPEG_MAX_WIDTH, JPEG_MAX_FPS, on_jpeg, s, s->context);
      break;
    default:
      g_assert_not_reached ();
  }
  if (error)
    send_error_and_close (s, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, error->message);
  return TRUE;
}

static gboolean
on_wait (gpointer user_data)
{
  RviLiveSession *s = user_data;

  if (s->closing || start_transport (s)) {
    g_clear_pointer (&s->wait, g_source_unref);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* ---- incoming ---- */

static void
handle_text (RviLiveSession *s, const char *text, gsize len)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o;
  const char *type, *sdp, *candidate;

  if (!json_parser_load_from_data (parser, text, (gssize) len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    rvi_live_session_close (s, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "expected a JSON object");
    return;
  }
  o = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_string_member_with_default (o, "type", "");
  if (!s->webrtc) {
    /* before the offer, or another transport: nothing to say yet */
    if (s->transport == RVI_LIVE_WEBRTC && (g_str_equal (type, "answer") || g_str_equal (type, "ice")))
      return;
    rvi_live_session_close (s, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "unexpected message");
    return;
  }
  if (g_str_equal (type, "answer") && (sdp = json_object_get_string_member_with_default (o, "sdp", NULL))) {
    if (!rvi_live_webrtc_set_answer (s->webrtc, sdp, &error))
      send_error_and_close (s, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, error->message);
  } else if (g_str_equal (type, "ice")
             && (candidate = json_object_get_string_member_with_default (o, "candidate", NULL))) {
    gint64 mline = json_object_get_int_member_with_default (o, "sdpMLineIndex", 0);

    if (*candidate && !rvi_live_webrtc_add_ice_candidate (s->webrtc, (guint) CLAMP (mline, 0, 15),
                                                          candidate, &error))
      g_debug ("live session %s: candidate ignored: %s", s->id, error->message);
  } else {
    rvi_live_session_close (s, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "unexpected message");
  }
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer user_data)
{
  RviLiveSession *s = user_data;
  gsize len;
  const char *text = g_bytes_get_data (msg, &len);

  if (s->closing)
    return;
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    rvi_live_session_close (s, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "text messages only");
    return;
  }
  handle_text (s, text, len);
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  RviLiveSession *s = user_data;

  s->closing = TRUE;
  s->closed (s, s->user_data);
}

static void
on_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  g_debug ("live session: %s", error->message);
}

RviLiveSession *
rvi_live_session_new (SoupWebsocketConnection *ws, GSocket *socket, const RviWsIdentity *who,
                      RviLiveFeed *feed, RviLiveTransport transport, GMainContext *context,
                      RviLiveSessionClosed closed, gpointer user_data)
{
  RviLiveSession *s = g_new0 (RviLiveSession, 1);
  g_autofree char *id = g_uuid_string_random ();

  s->closed = closed;
  s->user_data = user_data;
  s->context = g_main_context_ref (context);
  s->ws = ws;
  s->outbox = rvi_ws_outbox_new (ws, socket, context, OUTBOX_MESSAGES, OUTBOX_BYTES, SNDBUF);
  g_object_unref (socket);
  s->who = *who;
  s->feed = rvi_live_feed_ref (feed);
  s->transport = transport;
  g_strlcpy (s->id, id, sizeof s->id);
  s->from_us = g_get_real_time ();
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_S);
  soup_websocket_connection_set_max_incoming_payload_size (ws, INCOMING_MAX);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), s);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), s);
  g_signal_connect (ws, "error", G_CALLBACK (on_error), s);
  if (!start_transport (s)) {
    JsonBuilder *b;

    send_hello (s);
    b = message ("waiting");
    finish_message (s, b);
    s->wait = g_timeout_source_new (WAIT_POLL_MS);
    g_source_set_callback (s->wait, on_wait, s, NULL);
    g_source_attach (s->wait, context);
  }
  return s;
}

void
rvi_live_session_close (RviLiveSession *s, gushort code, const char *reason)
{
  if (s->closing)
    return;
  s->closing = TRUE;
  s->close_code = code;
  if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (s->ws, code, reason);
}

void
rvi_live_session_free (RviLiveSession *s)
{
  if (!s)
    return;
  if (s->wait) {
    g_source_destroy (s->wait);
    g_source_unref (s->wait);
  }
  if (s->subscription)
    rvi_live_feed_unsubscribe (s->feed, s->subscription);
  if (s->inbox) {
    s->inbox->session = NULL;
    inbox_unref (s->inbox);
  }
  g_clear_pointer (&s->webrtc, rvi_live_webrtc_free);
  g_clear_pointer (&s->jpeg, rvi_live_jpeg_free);
  g_clear_pointer (&s->mux, rvi_live_fmp4_free);
  rvi_video_params_clear (&s->params);
  if (s->out)
    g_byte_array_unref (s->out);
  rvi_ws_outbox_free (s->outbox);
  g_signal_handlers_disconnect_by_data (s->ws, s);
  if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (s->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "going away");
  g_object_unref (s->ws);
  rvi_live_feed_unref (s->feed);
  g_main_context_unref (s->context);
  g_free (s);
}

const RviWsIdentity *
rvi_live_session_get_identity (RviLiveSession *s)
{
  return &s->who;
}

const char *
rvi_live_session_get_id (RviLiveSession *s)
{
  return s->id;
}

RviLiveFeed *
rvi_live_session_get_feed (RviLiveSession *s)
{
  return s->feed;
}

RviLiveTransport
rvi_live_session_get_transport (RviLiveSession *s)
{
  return s->transport;
}

gint64
rvi_live_session_get_from_us (RviLiveSession *s)
{
  return s->from_us;
}

gboolean
rvi_live_session_is_closing (RviLiveSession *s)
{
  return s->closing;
}

guint64
rvi_live_session_get_bytes_sent (RviLiveSession *s)
{
  return s->bytes_sent;
}

gushort
rvi_live_session_get_close_code (RviLiveSession *s)
{
  return s->close_code;
}

guint
rvi_live_session_sweep (RviLiveSession *s)
{
  return rvi_ws_outbox_sweep (s->outbox);
}
