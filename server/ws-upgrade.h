/* ws-upgrade.h: taking over a WebSocket upgrade request (GET /api/events,
 * GET /api/cameras/{id}/live).
 *
 * http-server.c checks the handshake and, for a cookie, the Origin on the
 * main loop (rvi_ws_upgrade_check), authenticates the user on a database
 * worker like any request, and its main step calls rvi_ws_upgrades_accept,
 * which sets the 101 answer. When libsoup has written it
 * ("wrote-informational"), the connection is stolen and wrapped in a
 * SoupWebsocketConnection (no extensions), handed to the owner's callback.
 * An RviWsUpgrades holds the upgrades whose 101 is not written yet, so its
 * owner can drop them at shutdown. Main loop only. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "roles.h"

G_BEGIN_DECLS

/* Who a WebSocket client is, as its upgrade request authenticated it. */
typedef struct {
  RviRole role;
  char user_id[37];
  char user_name[64];
  char credential[65];       /* hex SHA-256 of the session cookie's or bearer token */
  gint64 check_after_us;     /* g_get_real_time () after which the client is
                              * closed for a session check; 0 = never */
  char address[64];          /* the client's address, may be empty */
} RviWsIdentity;

/* Fills @id; @token is hashed, not kept. */
void rvi_ws_identity_set (RviWsIdentity *id, RviRole role, const char *user_id,
                          const char *user_name, const char *token, gint64 check_after_us,
                          const char *address);

/* Checks that @msg is a WebSocket handshake. With @check_origin (cookie
 * authentication), an Origin header must name the host of the Host
 * header, and be https:// when the request came over TLS. FALSE with
 * @error RVI_ERROR_INVALID_INPUT (not a handshake) or RVI_ERROR_FORBIDDEN
 * (another origin). */
gboolean rvi_ws_upgrade_check (SoupServerMessage *msg, gboolean check_origin, GError **error);

/* The 101 is on the wire: @ws (transfer full), its @socket (transfer
 * full) and @data (transfer full: the accept's) are the owner's. */
typedef void (*RviWsUpgradedFunc) (SoupWebsocketConnection *ws, GSocket *socket,
                                   const RviWsIdentity *who, gpointer data, gpointer user_data);

typedef struct _RviWsUpgrades RviWsUpgrades;

RviWsUpgrades *rvi_ws_upgrades_new (RviWsUpgradedFunc func, gpointer user_data);

/* Answers @msg (paused, checked, authenticated as @who) with 101; once
 * written the owner's function gets the connection, a copy of @who and
 * @data. An upgrade that never completes frees @data with @destroy. FALSE
 * with @error (and @data untouched) when the handshake is refused. */
gboolean rvi_ws_upgrades_accept (RviWsUpgrades *ups, SoupServerMessage *msg,
                                 const RviWsIdentity *who, gpointer data, GDestroyNotify destroy,
                                 GError **error);

/* Drops the upgrades not written yet and frees @ups. NULL is ignored. */
void rvi_ws_upgrades_free (RviWsUpgrades *ups);

G_END_DECLS
