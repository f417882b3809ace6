/* event-feed.c: RviEventFeed, PostgreSQL notifications fanned out to
 * WebSocket clients.
 *
 * DESIGN
 * Triggers (sql/003) pg_notify('rvi_events', {"kind", "id", "lot_id"}) at
 * commit. Every node listens, so every node's clients see every change.
 *
 * The LISTEN connection is an RviEventListen (event-listen.c). It hands
 * the feed each notification's payload; the feed checks its shape against
 * the kinds table below and broadcasts it with the next seq. Notifications
 * sent while nobody listened are lost, so whenever LISTEN is
 * re-established (or first established while clients wait) the feed
 * broadcasts "resync" and clients refetch what they show.
 *
 * Clients. http-server.c authenticates the upgrade request on a database
 * worker like any request, then calls rvi_event_feed_accept(), which sets
 * the 101 answer. When libsoup has written it ("wrote-informational"), the
 * feed steals the connection and wraps it in a SoupWebsocketConnection of
 * its own: no extensions, keepalive pings every 20 s, at most 4 KiB from
 * the client (it has nothing to say). "hello" goes first. A role filter
 * decides what a client sees (the kinds table below).
 *
 * Credentials. A client keeps its user id and the SHA-256 of the token it
 * connected with. Triggers (sql/006) notify "credential_ended" when a
 * session is deleted (logout, password change, disable) or a token
 * revoked, and "user_changed" when a user's role, disabled flag or
 * deletion changes; the feed closes the matching clients with
 * RVI_EVENT_FEED_CLOSE_SESSION and forwards nothing. Sessions also end by
 * time, which no trigger sees: a client connected with a session is closed
 * the same way once session_idle has passed, and its reconnection is
 * checked like any request (an idle session is then refused; the feed
 * does not keep a session alive).
 *
 * Back-pressure. libsoup queues whatever it is given, without limit, and
 * does not say how much it holds. So the feed hands a message to libsoup
 * only while the client's socket is writable (the kernel takes it at once);
 * otherwise the message waits in the client's own queue, flushed by a
 * G_IO_OUT source. That queue holds at most CLIENT_QUEUE_MAX messages and
 * CLIENT_QUEUE_BYTES; a client beyond either, or whose socket stayed
 * unwritable for STALL_TICKS sweeps (SWEEP_S apart) while messages
 * waited, is closed with RVI_EVENT_FEED_CLOSE_TOO_SLOW and its queue freed.
 * It reconnects and refetches. The socket's send buffer is fixed at
 * CLIENT_SNDBUF (no autotuning to megabytes), so a client costs at most its
 * queue plus that buffer (about 1,000 events of slack in all; an event is
 * about 120 bytes).
 *
 * Shutdown: the LISTEN connection is closed; clients are closed with 1001
 * and given SHUTDOWN_WAIT_MS for their closing handshakes; then a
 * connection attempt in flight is waited for (bounded by the connect
 * timeout). */
#define G_LOG_DOMAIN "rvi-events"
#include "event-feed.h"
#include "event-listen.h"
#include "identifiers.h"
#include "rvi-error.h"
#include "secrets.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>

#define KEEPALIVE_S 20
#define SWEEP_S 5
#define STALL_TICKS 12      /* a minute of SWEEP_S */
#define CLIENT_QUEUE_MAX 256
#define CLIENT_QUEUE_BYTES (256 * 1024)
#define CLIENT_INCOMING_MAX 4096
#define CLIENT_SNDBUF (128 * 1024)
#define SHUTDOWN_WAIT_MS 2000

/* The kinds the triggers send, and whether operators see them: they move
 * wagons and look after cameras, they see no inspections or decisions. */
static const struct {
  const char *kind;
  gboolean operators;
} kinds[] = {
  { "lot", TRUE },
  { "lot_status", TRUE },
  { "wagon", TRUE },
  { "inspection", FALSE },
  { "inspection_signed", FALSE },
  { "mark", FALSE },
  { "decision", FALSE },
  { "decision_approval", FALSE },
  { "lab_result", FALSE },
  { "camera_alert", TRUE },
};

struct _RviEventFeed {
  GMainContext *context;
  RviEventListen *listener;
  GSource *sweep;          /* finds clients stuck behind an unwritable socket */
  GList *clients;          /* Client *, in order of arrival */
  GPtrArray *upgrades;     /* Upgrade *, their 101 not yet written */
  guint64 seq;             /* the last seq given */
  RviEventFeedStats stats; /* but listening, events, connects: listener's */
};

static void
drop_source (GSource **source)
{
  if (*source) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

/* (transfer full) @text (taken) as bytes. */
static GBytes *
take_text (char *text)
{
  gsize len = strlen (text);
  return g_bytes_new_take (text, len);
}

/* ---- clients ------------------------------------------------------------ */

typedef struct {
  RviEventFeed *feed;
  GList *link;             /* in feed->clients */
  SoupWebsocketConnection *ws;
  GSocket *socket;
  RviRole role;
  char user_id[37];
  char credential[65];     /* hex SHA-256 of the token */
  gint64 check_after_us;   /* real time; 0 = never */
  GQueue queue;            /* GBytes *, not yet handed to libsoup */
  gsize queued_bytes;
  GSource *writable;       /* G_IO_OUT while the queue is not empty */
  guint stalled;           /* sweeps that found the queue stuck */
  gboolean closing;
} Client;

static void client_flush (Client *c);

static void
client_clear_queue (Client *c)
{
  g_queue_clear_full (&c->queue, (GDestroyNotify) g_bytes_unref);
  c->queued_bytes = 0;
  drop_source (&c->writable);
}

static void
client_close (Client *c, gushort code, const char *reason)
{
  client_clear_queue (c);
  c->closing = TRUE;
  if (soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (c->ws, code, reason);
}

/* Closes @c because it does not keep up; it reconnects and refetches. */
static void
client_drop (Client *c, const char *why)
{
  g_message ("closing a live event client that fell behind (%s, %u messages waiting)", why,
             c->queue.length);
  c->feed->stats.dropped++;
  client_close (c, RVI_EVENT_FEED_CLOSE_TOO_SLOW, "too slow; reconnect and refetch");
}

static void
client_free (Client *c)
{
  client_clear_queue (c);
  g_signal_handlers_disconnect_by_data (c->ws, c);
  g_object_unref (c->ws);
  g_object_unref (c->socket);
  g_free (c);
}

static void
on_client_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  Client *c = user_data;
  RviEventFeed *feed = c->feed;

  g_debug ("live event client closed (code %u)", soup_websocket_connection_get_close_code (ws));
  feed->clients = g_list_delete_link (feed->clients, c->link);
  feed->stats.clients--;
  client_free (c);
}

static void
on_client_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  g_debug ("live event client: %s", error->message);
}

static gboolean
on_client_writable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Client *c = user_data;

  g_clear_pointer (&c->writable, g_source_unref);  /* removed by returning */
  if (condition & (G_IO_ERR | G_IO_HUP))
    client_clear_queue (c);                        /* libsoup sees the end itself */
  else
    client_flush (c);
  return G_SOURCE_REMOVE;
}

/* Hands queued messages to libsoup while the socket takes them at once. */
static void
client_flush (Client *c)
{
  if (soup_websocket_connection_get_state (c->ws) != SOUP_WEBSOCKET_STATE_OPEN) {
    client_clear_queue (c);
    return;
  }
  while (!g_queue_is_empty (&c->queue)
         && (g_socket_condition_check (c->socket, G_IO_OUT) & G_IO_OUT)) {
    g_autoptr (GBytes) msg = g_queue_pop_head (&c->queue);

    c->queued_bytes -= g_bytes_get_size (msg);
    soup_websocket_connection_send_message (c->ws, SOUP_WEBSOCKET_DATA_TEXT, msg);
    c->feed->stats.messages++;
  }
  if (g_queue_is_empty (&c->queue)) {
    c->stalled = 0;
  } else if (!c->writable) {
    c->writable = g_socket_create_source (c->socket, G_IO_OUT, NULL);
    g_source_set_callback (c->writable, G_SOURCE_FUNC (on_client_writable), c, NULL);
    g_source_attach (c->writable, c->feed->context);
  }
}

/* Queues @msg (a reference is taken) for @c, or drops @c when full. */
static void
client_push (Client *c, GBytes *msg)
{
  gsize size = g_bytes_get_size (msg);

  if (c->closing)
    return;
  if (c->queue.length >= CLIENT_QUEUE_MAX || c->queued_bytes + size > CLIENT_QUEUE_BYTES) {
    client_drop (c, "queue full");
    return;
  }
  g_queue_push_tail (&c->queue, g_bytes_ref (msg));
  c->queued_bytes += size;
  client_flush (c);
}

static gboolean
client_may_see (const Client *c, gboolean for_operators)
{
  if (c->role & (RVI_ROLE_INSPECTOR | RVI_ROLE_AUDITOR | RVI_ROLE_ADMIN))
    return TRUE;
  return c->role == RVI_ROLE_OPERATOR && for_operators;
}

/* Who a connection is, kept from the upgrade until the client exists. */
typedef struct {
  RviRole role;
  char user_id[37];
  char credential[65];
  gint64 check_after_us;
} Identity;

static void
identity_set (Identity *id, const RviEventFeedIdentity *who)
{
  g_autofree char *hash = rvi_token_hash_param (who->token);   /* "\\x" + hex */

  id->role = who->role;
  g_strlcpy (id->user_id, who->user_id, sizeof id->user_id);
  g_strlcpy (id->credential, hash + 2, sizeof id->credential);
  id->check_after_us = who->check_after_us;
}

static void
client_new (RviEventFeed *feed, SoupWebsocketConnection *ws, GSocket *socket, const Identity *who)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) msg = take_text (g_strdup_printf ("{\"kind\":\"hello\",\"seq\":%"
                                                       G_GUINT64_FORMAT "}", feed->seq));

  c->feed = feed;
  c->ws = ws;
  c->socket = socket;
  c->role = who->role;
  memcpy (c->user_id, who->user_id, sizeof c->user_id);
  memcpy (c->credential, who->credential, sizeof c->credential);
  c->check_after_us = who->check_after_us;
  g_queue_init (&c->queue);
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, CLIENT_SNDBUF, &error))
    g_debug ("cannot size the send buffer: %s", error->message);
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_S);
  soup_websocket_connection_set_max_incoming_payload_size (ws, CLIENT_INCOMING_MAX);
  g_signal_connect (ws, "closed", G_CALLBACK (on_client_closed), c);
  g_signal_connect (ws, "error", G_CALLBACK (on_client_error), c);
  feed->clients = g_list_append (feed->clients, c);
  c->link = g_list_last (feed->clients);
  feed->stats.clients++;
  g_debug ("live event client connected as %s", rvi_role_to_string (c->role));
  client_push (c, msg);
}

/* Sends @msg to every client allowed to see it. */
static void
broadcast (RviEventFeed *feed, GBytes *msg, gboolean for_operators)
{
  for (GList *l = feed->clients, *next; l; l = next) {
    Client *c = l->data;
    next = l->next;
    if (client_may_see (c, for_operators))
      client_push (c, msg);
  }
}

/* Closes the clients whose credential (@credential, hex) or user
 * (@user_id) is the one named; either may be NULL. */
static void
close_for_credential (RviEventFeed *feed, const char *credential, const char *user_id)
{
  for (GList *l = feed->clients, *next; l; l = next) {
    Client *c = l->data;
    next = l->next;
    if (c->closing)
      continue;
    if ((credential && g_ascii_strcasecmp (c->credential, credential) == 0)
        || (user_id && g_ascii_strcasecmp (c->user_id, user_id) == 0)) {
      g_debug ("closing a live event client: its session or user changed");
      feed->stats.session_closes++;
      client_close (c, RVI_EVENT_FEED_CLOSE_SESSION, "session ended or changed");
    }
  }
}

/* Every SWEEP_S: a client whose queue stayed stuck for STALL_TICKS
 * sweeps is dropped, even when no new message arrives to overflow it; a
 * client due for a session check is closed for it. */
static gboolean
on_sweep (gpointer user_data)
{
  RviEventFeed *feed = user_data;
  gint64 now = g_get_real_time ();

  for (GList *l = feed->clients, *next; l; l = next) {
    Client *c = l->data;
    next = l->next;
    if (!c->closing && c->check_after_us && now >= c->check_after_us) {
      feed->stats.session_closes++;
      client_close (c, RVI_EVENT_FEED_CLOSE_SESSION, "check the session and reconnect");
      continue;
    }
    if (c->closing || g_queue_is_empty (&c->queue))
      c->stalled = 0;
    else if (++c->stalled >= STALL_TICKS)
      client_drop (c, "socket stalled");
  }
  return G_SOURCE_CONTINUE;
}

/* ---- upgrades ----------------------------------------------------------- */

typedef struct {
  RviEventFeed *feed;
  SoupServerMessage *msg;
  Identity who;
} Upgrade;

static void
upgrade_free (gpointer data)
{
  Upgrade *up = data;

  g_signal_handlers_disconnect_by_data (up->msg, up);
  g_object_unref (up->msg);
  g_free (up);
}

/* The 101 is on the wire: the connection is ours now. */
static void
on_upgrade_written (SoupServerMessage *msg, gpointer user_data)
{
  Upgrade *up = user_data;
  RviEventFeed *feed = up->feed;
  Identity who = up->who;
  const char *origin = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "Origin");
  GSocket *socket = g_object_ref (soup_server_message_get_socket (msg));
  g_autoptr (GIOStream) stream = soup_server_message_steal_connection (msg);
  SoupWebsocketConnection *ws = soup_websocket_connection_new (
      stream, soup_server_message_get_uri (msg), SOUP_WEBSOCKET_CONNECTION_SERVER, origin, NULL,
      NULL);

  g_ptr_array_remove (feed->upgrades, up);   /* frees up */
  client_new (feed, ws, socket, &who);
}

static void
on_upgrade_finished (SoupServerMessage *msg, gpointer user_data)
{
  Upgrade *up = user_data;
  g_ptr_array_remove (up->feed->upgrades, up);
}

gboolean
rvi_event_feed_check (SoupServerMessage *msg, gboolean check_origin, GError **error)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (h, "Origin");
  const char *host = soup_message_headers_get_one (h, "Host");
  g_autoptr (GError) local = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autofree char *authority = NULL;

  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &local)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "expected a WebSocket handshake");
    return FALSE;
  }
  if (!check_origin || !origin)
    return TRUE;
  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  if (uri && g_uri_get_host (uri)) {
    const char *name = g_uri_get_host (uri);
    g_autofree char *bare = strchr (name, ':') ? g_strdup_printf ("[%s]", name) : g_strdup (name);
    authority = g_uri_get_port (uri) > 0 ? g_strdup_printf ("%s:%d", bare, g_uri_get_port (uri))
                                         : g_steal_pointer (&bare);
  }
  if (!authority || !host || g_ascii_strcasecmp (authority, host) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FORBIDDEN, "WebSocket from another origin refused");
    return FALSE;
  }
  return TRUE;
}

gboolean
rvi_event_feed_accept (RviEventFeed *feed, SoupServerMessage *msg,
                       const RviEventFeedIdentity *who, GError **error)
{
  Upgrade *up;

  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "expected a WebSocket handshake");
    return FALSE;
  }
  up = g_new0 (Upgrade, 1);
  up->feed = feed;
  up->msg = g_object_ref (msg);
  identity_set (&up->who, who);
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgrade_written), up);
  g_signal_connect (msg, "finished", G_CALLBACK (on_upgrade_finished), up);
  g_ptr_array_add (feed->upgrades, up);
  return TRUE;
}

/* ---- notifications ------------------------------------------------------ */

/* The string member @name of @o; sets @ok to FALSE unless it is a string
 * (or null, when @nullable). */
static const char *
member_string (JsonObject *o, const char *name, gboolean nullable, gboolean *ok)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node && nullable && JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING) {
    *ok = FALSE;
    return NULL;
  }
  return json_node_get_string (node);
}

/* Checks one notification's payload and broadcasts it with the next seq. */
static void
handle_notification (RviEventFeed *feed, const char *payload)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  const char *kind, *id, *lot_id;
  gboolean ok = TRUE;
  gsize k;
  g_autoptr (GBytes) msg = NULL;

  if (!json_parser_load_from_data (parser, payload, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_debug ("ignoring a notification that is not a JSON object");
    return;
  }
  o = json_node_get_object (json_parser_get_root (parser));
  kind = member_string (o, "kind", FALSE, &ok);
  id = member_string (o, "id", FALSE, &ok);
  if (ok && g_str_equal (kind, "credential_ended") && strlen (id) == 64) {
    close_for_credential (feed, id, NULL);
    return;
  }
  if (ok && g_str_equal (kind, "user_changed") && rvi_is_uuid (id)) {
    close_for_credential (feed, NULL, id);
    return;
  }
  lot_id = member_string (o, "lot_id", TRUE, &ok);
  for (k = 0; ok && k < G_N_ELEMENTS (kinds); k++)
    if (g_str_equal (kinds[k].kind, kind))
      break;
  if (!ok || k == G_N_ELEMENTS (kinds) || !rvi_is_uuid (id) || (lot_id && !rvi_is_uuid (lot_id))) {
    g_debug ("ignoring a notification of unknown shape");
    return;
  }
  /* the values are checked UUIDs and a known kind: nothing to escape */
  msg = take_text (g_strdup_printf ("{\"seq\":%" G_GUINT64_FORMAT ",\"kind\":\"%s\",\"id\":\"%s\","
                                    "\"lot_id\":%s%s%s}", ++feed->seq, kinds[k].kind, id,
                                    lot_id ? "\"" : "", lot_id ? lot_id : "null",
                                    lot_id ? "\"" : ""));
  broadcast (feed, msg, kinds[k].operators);
}

static void
broadcast_resync (RviEventFeed *feed)
{
  g_autoptr (GBytes) msg = take_text (g_strdup_printf ("{\"seq\":%" G_GUINT64_FORMAT
                                                       ",\"kind\":\"resync\"}", ++feed->seq));

  broadcast (feed, msg, TRUE);
}

static void
on_notification (const char *payload, gpointer user_data)
{
  handle_notification (user_data, payload);
}

static void
on_listen_connected (gboolean reconnected, gpointer user_data)
{
  RviEventFeed *feed = user_data;

  if (reconnected)
    g_message ("live events: listening again; clients refetch");
  if (reconnected || feed->clients)
    broadcast_resync (feed);
}

/* ---- the feed ----------------------------------------------------------- */

RviEventFeed *
rvi_event_feed_new (const char *conninfo, int connect_timeout_s)
{
  RviEventFeed *feed = g_new0 (RviEventFeed, 1);

  feed->context = g_main_context_ref_thread_default ();
  feed->upgrades = g_ptr_array_new_with_free_func (upgrade_free);
  feed->sweep = g_timeout_source_new_seconds (SWEEP_S);
  g_source_set_callback (feed->sweep, on_sweep, feed, NULL);
  g_source_attach (feed->sweep, feed->context);
  feed->listener = rvi_event_listen_new (conninfo, connect_timeout_s, on_notification,
                                         on_listen_connected, feed);
  return feed;
}

void
rvi_event_feed_get_stats (RviEventFeed *feed, RviEventFeedStats *stats)
{
  RviEventListenStats ls;

  rvi_event_listen_get_stats (feed->listener, &ls);
  *stats = feed->stats;
  stats->listening = ls.listening;
  stats->events = ls.events;
  stats->connects = ls.connects;
}

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
rvi_event_feed_free (RviEventFeed *feed)
{
  gboolean expired = FALSE;
  GSource *timeout;

  if (!feed)
    return;
  g_ptr_array_set_size (feed->upgrades, 0);
  drop_source (&feed->sweep);
  rvi_event_listen_stop (feed->listener);

  for (GList *l = feed->clients; l; l = l->next)
    client_close (l->data, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
  timeout = g_timeout_source_new (SHUTDOWN_WAIT_MS);
  g_source_set_callback (timeout, on_shutdown_timeout, &expired, NULL);
  g_source_attach (timeout, feed->context);
  while (feed->clients && !expired)
    g_main_context_iteration (feed->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  if (feed->clients)
    g_message ("%u live event client(s) did not finish closing", g_list_length (feed->clients));
  g_list_free_full (g_steal_pointer (&feed->clients), (GDestroyNotify) client_free);

  rvi_event_listen_free (feed->listener);   /* waits for an attempt in flight */

  g_ptr_array_unref (feed->upgrades);
  g_main_context_unref (feed->context);
  g_free (feed);
}
