/* ws-upgrade.c: see ws-upgrade.h. */
#define G_LOG_DOMAIN "rvi-http"
#include "ws-upgrade.h"
#include "rvi-error.h"
#include "secrets.h"

void
rvi_ws_identity_set (RviWsIdentity *id, RviRole role, const char *user_id, const char *user_name,
                     const char *token, gint64 check_after_us, const char *address)
{
  g_autofree char *hash = rvi_token_hash_param (token);   /* "\\x" + hex */

  memset (id, 0, sizeof *id);
  id->role = role;
  g_strlcpy (id->user_id, user_id, sizeof id->user_id);
  g_strlcpy (id->user_name, user_name ? user_name : "", sizeof id->user_name);
  g_strlcpy (id->credential, hash + 2, sizeof id->credential);
  id->check_after_us = check_after_us;
  g_strlcpy (id->address, address ? address : "", sizeof id->address);
}

gboolean
rvi_ws_upgrade_check (SoupServerMessage *msg, gboolean check_origin, GError **error)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (h, "Origin");
  const char *host = soup_message_headers_get_one (h, "Host");
  g_autoptr (GError) local = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autofree char *authority = NULL;
  gboolean over_tls = g_str_equal (g_uri_get_scheme (soup_server_message_get_uri (msg)), "https");

  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &local)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "expected a WebSocket handshake");
    return FALSE;
  }
  if (!check_origin || !origin)
    return TRUE;
  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  /* Over HTTPS, a page loaded over plain HTTP is another origin. Over
   * HTTP, an https:// page may be ours behind a proxy that ends TLS. */
  if (uri && g_uri_get_host (uri)
      && (!over_tls || g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)) {
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

struct _RviWsUpgrades {
  RviWsUpgradedFunc func;
  gpointer user_data;
  GPtrArray *pending;      /* Upgrade *, their 101 not yet written */
};

typedef struct {
  RviWsUpgrades *ups;
  SoupServerMessage *msg;
  RviWsIdentity who;
  gpointer data;
  GDestroyNotify destroy;
} Upgrade;

static void
upgrade_free (gpointer data)
{
  Upgrade *up = data;

  g_signal_handlers_disconnect_by_data (up->msg, up);
  g_object_unref (up->msg);
  if (up->data && up->destroy)
    up->destroy (up->data);
  g_free (up);
}

static void
on_upgrade_written (SoupServerMessage *msg, gpointer user_data)
{
  Upgrade *up = user_data;
  RviWsUpgrades *ups = up->ups;
  RviWsIdentity who = up->who;
  gpointer data = g_steal_pointer (&up->data);
  const char *origin = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "Origin");
  GSocket *socket = g_object_ref (soup_server_message_get_socket (msg));
  g_autoptr (GIOStream) stream = soup_server_message_steal_connection (msg);
  SoupWebsocketConnection *ws = soup_websocket_connection_new (
      stream, soup_server_message_get_uri (msg), SOUP_WEBSOCKET_CONNECTION_SERVER, origin, NULL,
      NULL);

  g_ptr_array_remove (ups->pending, up);   /* frees up */
  ups->func (ws, socket, &who, data, ups->user_data);
}

static void
on_upgrade_finished (SoupServerMessage *msg, gpointer user_data)
{
  Upgrade *up = user_data;
  g_ptr_array_remove (up->ups->pending, up);
}

RviWsUpgrades *
rvi_ws_upgrades_new (RviWsUpgradedFunc func, gpointer user_data)
{
  RviWsUpgrades *ups = g_new0 (RviWsUpgrades, 1);

  ups->func = func;
  ups->user_data = user_data;
  ups->pending = g_ptr_array_new_with_free_func (upgrade_free);
  return ups;
}

gboolean
rvi_ws_upgrades_accept (RviWsUpgrades *ups, SoupServerMessage *msg, const RviWsIdentity *who,
                        gpointer data, GDestroyNotify destroy, GError **error)
{
  Upgrade *up;

  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "expected a WebSocket handshake");
    return FALSE;
  }
  up = g_new0 (Upgrade, 1);
  up->ups = ups;
  up->msg = g_object_ref (msg);
  up->who = *who;
  up->data = data;
  up->destroy = destroy;
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgrade_written), up);
  g_signal_connect (msg, "finished", G_CALLBACK (on_upgrade_finished), up);
  g_ptr_array_add (ups->pending, up);
  return TRUE;
}

void
rvi_ws_upgrades_free (RviWsUpgrades *ups)
{
  if (!ups)
    return;
  g_ptr_array_unref (ups->pending);
  g_free (ups);
}
