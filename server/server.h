/* server.h: RviServer, one running rvi server (see server.c). */
#pragma once

#include <glib.h>

#include "app.h"
#include "config.h"

G_BEGIN_DECLS

typedef struct _RviServer RviServer;

/* Starts everything @config (transfer none, must outlive the server)
 * describes and listens. Returns (transfer full) the server, or NULL with
 * @error set and nothing left running. Needs a thread-default main context
 * that the caller iterates. */
RviServer *rvi_server_start (const RviConfig *config, GError **error);

/* The URL it listens on, e.g. "http://127.0.0.1:34567/" (transfer none). */
const char *rvi_server_get_url (RviServer *s);
const char *rvi_server_get_conninfo (RviServer *s);
RviApp *rvi_server_get_app (RviServer *s);
GArray *rvi_server_get_routes (RviServer *s);

/* Stops and frees @s; NULL is ignored. */
void rvi_server_stop (RviServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviServer, rvi_server_stop)

G_END_DECLS
