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
 * worker like any request, then calls rvi_event_feed_accept(); ws-upgrade.c
 * answers 101 and hands the connection over: keepalive pings every 20 s,
 * at most 4 KiB from the client (it has nothing to say). "hello" goes
 * first. A role filter decides what a client sees (the kinds table below).
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
 * Credential changes are also passed to the watcher (the live video
 * sessions, live-sessions.c), which closes its clients the same way.
 *
 * Back-pressure. Each client's messages go through an RviWsOutbox
 * (ws-outbox.c): handed to libsoup only while the socket takes them, else
 * queued, at most CLIENT_QUEUE_MAX messages and CLIENT_QUEUE_BYTES; a
 * client beyond either, or whose socket stayed
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
#include "ws-outbox.h"

#include <json-glib/json-glib.h>
#include <string.h>

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
  RviWsUpgrades *upgrades; /* their 101 not yet written */
  RviEventFeedCredentialFunc watcher;
  gpointer watcher_data;
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
  RviWsOutbox *outbox;
  RviWsIdentity who;
  gboolean closing;
} Client;

static void
client_close (Client *c, gushort code, const char *reason)
{
  rvi_ws_outbox_clear (c->outbox);
  c->closing = TRUE;
  if (soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (c->ws, code, reason);
}

/* Closes @c because it does not keep up; it reconnects and refetches. */
static void
client_drop (Client *c, const char *why)
{
  g_message ("closing a live event client that fell behind (%s, %u messages waiting)", why,
             rvi_ws_outbox_get_length (c->outbox));
  c->feed->stats.dropped++;
  client_close (c, RVI_EVENT_FEED_CLOSE_TOO_SLOW, "too slow; reconnect and refetch");
}

static void
client_free (Client *c)
{
  rvi_ws_outbox_free (c->outbox);
  g_signal_handlers_disconnect_by_data (c->ws, c);
  g_object_unref (c->ws);
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

/* Queues @msg (a reference is taken) for @c, or drops @c when full. */
static void
client_push (Client *c, GBytes *msg)
{
  if (c->closing)
    return;
  if (!rvi_ws_outbox_push (c->outbox, SOUP_WEBSOCKET_DATA_TEXT, msg))
    client_drop (c, "queue full");
  else
    c->feed->stats.messages++;
}

static gboolean
client_may_see (const Client *c, gboolean for_operators)
{
  if (c->who.role & (RVI_ROLE_INSPECTOR | RVI_ROLE_AUDITOR | RVI_ROLE_ADMIN))
    return TRUE;
  return c->who.role == RVI_ROLE_OPERATOR && for_operators;
}

static void
client_new (RviEventFeed *feed, SoupWebsocketConnection *ws, GSocket *socket,
            const RviWsIdentity *who)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr (GBytes) msg = take_text (g_strdup_printf ("{\"kind\":\"hello\",\"seq\":%"
                                                       G_GUINT64_FORMAT "}", feed->seq));

  c->feed = feed;
  c->ws = ws;
  c->outbox = rvi_ws_outbox_new (ws, socket, feed->context, CLIENT_QUEUE_MAX, CLIENT_QUEUE_BYTES,
                                 CLIENT_SNDBUF);
  g_object_unref (socket);
  c->who = *who;
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_S);
  soup_websocket_connection_set_max_incoming_payload_size (ws, CLIENT_INCOMING_MAX);
  g_signal_connect (ws, "closed", G_CALLBACK (on_client_closed), c);
  g_signal_connect (ws, "error", G_CALLBACK (on_client_error), c);
  feed->clients = g_list_append (feed->clients, c);
  c->link = g_list_last (feed->clients);
  feed->stats.clients++;
  g_debug ("live event client connected as %s", rvi_role_to_string (c->who.role));
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
    if ((credential && g_ascii_strcasecmp (c->who.credential, credential) == 0)
        || (user_id && g_ascii_strcasecmp (c->who.user_id, user_id) == 0)) {
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
    if (!c->closing && c->who.check_after_us && now >= c->who.check_after_us) {
      feed->stats.session_closes++;
      client_close (c, RVI_EVENT_FEED_CLOSE_SESSION, "check the session and reconnect");
      continue;
    }
    if (!c->closing && rvi_ws_outbox_sweep (c->outbox) >= STALL_TICKS)
      client_drop (c, "socket stalled");
  }
  return G_SOURCE_CONTINUE;
}

/* ---- upgrades ----------------------------------------------------------- */

static void
on_upgraded (SoupWebsocketConnection *ws, GSocket *socket, const RviWsIdentity *who,
             gpointer data, gpointer user_data)
{
  client_new (user_data, ws, socket, who);
}

gboolean
rvi_event_feed_accept (RviEventFeed *feed, SoupServerMessage *msg, const RviWsIdentity *who,
                       GError **error)
{
  return rvi_ws_upgrades_accept (feed->upgrades, msg, who, NULL, NULL, error);
}

void
rvi_event_feed_set_credential_watcher (RviEventFeed *feed, RviEventFeedCredentialFunc func,
                                       gpointer user_data)
{
  feed->watcher = func;
  feed->watcher_data = user_data;
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
    if (feed->watcher)
      feed->watcher (id, NULL, feed->watcher_data);
    return;
  }
  if (ok && g_str_equal (kind, "user_changed") && rvi_is_uuid (id)) {
    close_for_credential (feed, NULL, id);
    if (feed->watcher)
      feed->watcher (NULL, id, feed->watcher_data);
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
  feed->upgrades = rvi_ws_upgrades_new (on_upgraded, feed);
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
  g_clear_pointer (&feed->upgrades, rvi_ws_upgrades_free);
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

  g_main_context_unref (feed->context);
  g_free (feed);
}
