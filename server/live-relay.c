/* live-relay.c: live video of a camera another node records, passed
 * through this node (live-relay.h). */
#define G_LOG_DOMAIN "rvi-live"
#include "live-relay.h"
#include "node-proxy.h"
#include "rvi-error.h"
#include "ws-outbox.h"
#include "ws-upgrade.h"

#define KEEPALIVE_S 20
#define FROM_BROWSER_MAX (64 * 1024)        /* as the holder allows */
#define FROM_HOLDER_MAX (32 * 1024 * 1024)  /* a key frame, a JPEG */
#define EARLY_MAX 256                        /* messages before the browser's 101 is out */
#define OUTBOX_MESSAGES 512
#define OUTBOX_BYTES (8u << 20)
#define SNDBUF (512 * 1024)
#define CLOSE_TOO_SLOW 4008

struct _RviLiveRelays {
  RviApp *app;
  GMainContext *context;
  RviWsUpgrades *upgrades;
  GPtrArray *connecting;    /* Connecting *: the holder's handshake in flight */
  GPtrArray *open;          /* Relay * */
  guint64 opened;
};

typedef struct {
  RviLiveRelays *owner;     /* NULL once the relays are freed */
  RviRequest *req;
  SoupMessage *out;
  GCancellable *cancel;
} Connecting;

typedef struct {
  RviLiveRelays *owner;
  SoupWebsocketConnection *up;     /* to the holder */
  SoupWebsocketConnection *down;   /* to the browser, once its 101 is out */
  RviWsOutbox *outbox;
  GPtrArray *early;                /* GBytes *, what came before down exists, */
  GArray *early_types;             /* and its types */
  char *node;
  GSource *removal;                /* the idle that frees it, once ended */
  gboolean ended;
} Relay;

static void
relay_free (gpointer data)
{
  Relay *r = data;

  if (r->removal) {
    g_source_destroy (r->removal);
    g_source_unref (r->removal);
  }
  if (r->up) {
    g_signal_handlers_disconnect_by_data (r->up, r);
    if (soup_websocket_connection_get_state (r->up) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (r->up, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    g_object_unref (r->up);
  }
  g_clear_pointer (&r->outbox, rvi_ws_outbox_free);
  if (r->down) {
    g_signal_handlers_disconnect_by_data (r->down, r);
    if (soup_websocket_connection_get_state (r->down) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (r->down, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "going away");
    g_object_unref (r->down);
  }
  g_ptr_array_unref (r->early);
  g_array_unref (r->early_types);
  g_free (r->node);
  g_free (r);
}

static gboolean
remove_relay (gpointer data)
{
  Relay *r = data;

  g_clear_pointer (&r->removal, g_source_unref);
  g_ptr_array_remove_fast (r->owner->open, r);   /* frees it */
  return G_SOURCE_REMOVE;
}

/* Ends @r: closes both sides with @code, frees it from an idle (a
 * connection may be the one emitting). */
static void
relay_end (Relay *r, gushort code, const char *reason)
{
  if (r->ended)
    return;
  r->ended = TRUE;
  if (code == 0 || code == SOUP_WEBSOCKET_CLOSE_NO_STATUS || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL
      || code == SOUP_WEBSOCKET_CLOSE_TLS_HANDSHAKE)
    code = SOUP_WEBSOCKET_CLOSE_SERVER_ERROR;
  if (r->outbox)
    rvi_ws_outbox_clear (r->outbox);
  if (r->down && soup_websocket_connection_get_state (r->down) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (r->down, code, reason);
  if (soup_websocket_connection_get_state (r->up) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (r->up, code < 4000 ? code : SOUP_WEBSOCKET_CLOSE_NORMAL,
                                     NULL);
  if (!r->down)
    return;   /* still pending in the upgrades: freed with it */
  r->removal = g_idle_source_new ();
  g_source_set_callback (r->removal, remove_relay, r, NULL);
  g_source_attach (r->removal, r->owner->context);
}

static void
to_browser (Relay *r, SoupWebsocketDataType type, GBytes *msg)
{
  if (r->ended)
    return;
  if (!r->down) {
    if (r->early->len >= EARLY_MAX) {
      relay_end (r, CLOSE_TOO_SLOW, "too slow; reconnect");
      return;
    }
    g_ptr_array_add (r->early, g_bytes_ref (msg));
    g_array_append_val (r->early_types, type);
    return;
  }
  if (!rvi_ws_outbox_push (r->outbox, type, msg)) {
    g_message ("live relay from node %s: the client does not keep up; closing", r->node);
    relay_end (r, CLOSE_TOO_SLOW, "too slow; reconnect");
  }
}

static void
on_up_message (SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer data)
{
  to_browser (data, (SoupWebsocketDataType) type, msg);
}

static void
on_up_closed (SoupWebsocketConnection *ws, gpointer data)
{
  Relay *r = data;
  gushort code = soup_websocket_connection_get_close_code (ws);

  relay_end (r, code, code ? soup_websocket_connection_get_close_data (ws)
                           : "the recording node went away");
}

static void
on_down_message (SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer data)
{
  Relay *r = data;

  if (soup_websocket_connection_get_state (r->up) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_message (r->up, (SoupWebsocketDataType) type, msg);
}

static void
on_down_closed (SoupWebsocketConnection *ws, gpointer data)
{
  Relay *r = data;

  relay_end (r, soup_websocket_connection_get_close_code (ws), NULL);
}

/* The browser's 101 is out: what came early goes first. */
static void
on_upgraded (SoupWebsocketConnection *ws, GSocket *socket, const RviWsIdentity *who,
             gpointer data, gpointer user_data)
{
  Relay *r = data;
  RviLiveRelays *owner = user_data;

  r->down = ws;
  r->outbox = rvi_ws_outbox_new (ws, socket, owner->context, OUTBOX_MESSAGES, OUTBOX_BYTES,
                                 SNDBUF);
  g_object_unref (socket);
  g_ptr_array_add (owner->open, r);
  owner->opened++;
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_S);
  soup_websocket_connection_set_max_incoming_payload_size (ws, FROM_BROWSER_MAX);
  g_signal_connect (ws, "message", G_CALLBACK (on_down_message), r);
  g_signal_connect (ws, "closed", G_CALLBACK (on_down_closed), r);
  if (r->ended) {   /* the holder closed meanwhile */
    r->ended = FALSE;
    relay_end (r, soup_websocket_connection_get_close_code (r->up), "the recording node closed");
    return;
  }
  for (guint i = 0; i < r->early->len && !r->ended; i++)
    to_browser (r, g_array_index (r->early_types, SoupWebsocketDataType, i),
                r->early->pdata[i]);
  g_ptr_array_set_size (r->early, 0);
}

static void
connecting_free (Connecting *c)
{
  g_clear_object (&c->out);
  g_clear_object (&c->cancel);
  g_free (c);
}

/* The holder's refusal, as this node's answer. */
static GError *
refusal (guint status, const char *node)
{
  switch (status) {
    case SOUP_STATUS_BAD_REQUEST:
      return g_error_new (RVI_ERROR, RVI_ERROR_INVALID_INPUT, "node %s refused the request", node);
    case SOUP_STATUS_UNAUTHORIZED:
      return g_error_new (RVI_ERROR, RVI_ERROR_UNAUTHENTICATED, "log in first");
    case SOUP_STATUS_FORBIDDEN:
      return g_error_new (RVI_ERROR, RVI_ERROR_FORBIDDEN, "your role may not do this");
    case SOUP_STATUS_NOT_FOUND:
      return g_error_new (RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera on node %s", node);
    default:
      return g_error_new (RVI_ERROR, RVI_ERROR_NODE_UNAVAILABLE, "node %s records the camera"
                          " and %s", node, status ? "refused its live view" : "did not answer");
  }
}

static void
connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Connecting *c = data;
  RviRequest *req = c->req;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *up = soup_session_websocket_connect_finish (SOUP_SESSION (source),
                                                                       result, &error);
  RviWsIdentity who;
  Relay *r;

  if (!c->owner) {   /* shut down meanwhile */
    g_clear_object (&up);
    rvi_request_free (req);
    connecting_free (c);
    return;
  }
  g_ptr_array_remove_fast (c->owner->connecting, c);
  if (!up) {
    guint status = soup_message_get_status (c->out);

    if (status == 0 || status >= 500)
      g_warning ("live view of camera %s: node %s: %s", req->path_id, req->forward_node,
                 error->message);
    req->error = refusal (status, req->forward_node);
    rvi_request_finish (req);
    connecting_free (c);
    return;
  }
  r = g_new0 (Relay, 1);
  r->owner = c->owner;
  r->up = up;
  r->node = g_strdup (req->forward_node);
  r->early = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  r->early_types = g_array_new (FALSE, FALSE, sizeof (SoupWebsocketDataType));
  soup_websocket_connection_set_max_incoming_payload_size (up, FROM_HOLDER_MAX);
  soup_websocket_connection_set_keepalive_interval (up, KEEPALIVE_S);
  g_signal_connect (up, "message", G_CALLBACK (on_up_message), r);
  g_signal_connect (up, "closed", G_CALLBACK (on_up_closed), r);
  rvi_ws_identity_set (&who, req->user->role, req->user->id, req->user->username,
                       req->bearer_token ? req->bearer_token : req->session_token, 0,
                       req->address);
  if (req->client_gone
      || !rvi_ws_upgrades_accept (c->owner->upgrades, req->msg, &who, r, relay_free,
                                  &req->error))
    relay_free (r);
  else
    req->status = SOUP_STATUS_SWITCHING_PROTOCOLS;
  rvi_request_finish (req);
  connecting_free (c);
}

/* scheme://host:port of @url, the origin the holder expects. */
static char *
origin_of (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (!uri)
    return NULL;
  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), "", NULL, NULL);
}

void
rvi_live_relay_start (RviLiveRelays *relays, RviRequest *req)
{
  g_autofree char *origin = origin_of (req->forward_url);
  Connecting *c;

  rvi_request_defer (req);
  if (!relays) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_BUSY, "the server is shutting down");
    rvi_request_finish (req);
    return;
  }
  c = g_new0 (Connecting, 1);
  c->owner = relays;
  c->req = req;
  c->cancel = g_cancellable_new ();
  if (!(c->out = rvi_node_forward_message (req))) {
    req->error = g_error_new (RVI_ERROR, RVI_ERROR_NODE_UNAVAILABLE,
                              "node %s records the camera and has an unusable address",
                              req->forward_node);
    rvi_request_finish (req);
    connecting_free (c);
    return;
  }
  g_ptr_array_add (relays->connecting, c);
  soup_session_websocket_connect_async (rvi_node_http_client (req->app), c->out, origin, NULL,
                                        G_PRIORITY_DEFAULT, c->cancel, connected, c);
}

RviLiveRelays *
rvi_live_relays_new (RviApp *app)
{
  RviLiveRelays *relays = g_new0 (RviLiveRelays, 1);

  relays->app = app;
  relays->context = g_main_context_ref_thread_default ();
  relays->upgrades = rvi_ws_upgrades_new (on_upgraded, relays);
  relays->connecting = g_ptr_array_new ();
  relays->open = g_ptr_array_new_with_free_func (relay_free);
  return relays;
}

void
rvi_live_relays_free (RviLiveRelays *relays)
{
  if (!relays)
    return;
  for (guint i = 0; i < relays->connecting->len; i++) {   /* their callbacks free them */
    Connecting *c = relays->connecting->pdata[i];

    c->owner = NULL;
    g_cancellable_cancel (c->cancel);
  }
  g_ptr_array_unref (relays->connecting);
  rvi_ws_upgrades_free (relays->upgrades);
  g_ptr_array_unref (relays->open);   /* closes them: going away */
  g_main_context_unref (relays->context);
  g_free (relays);
}

guint
rvi_live_relays_get_open (RviLiveRelays *relays)
{
  return relays ? relays->open->len : 0;
}

guint64
rvi_live_relays_get_opened (RviLiveRelays *relays)
{
  return relays ? relays->opened : 0;
}
