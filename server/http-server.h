/* http-server.h: RviHttpServer, rvi's HTTP front (libsoup 3). */
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include "app.h"
#include "http-router.h"

G_BEGIN_DECLS

typedef struct _RviHttpServer RviHttpServer;

/* Returns (transfer full) a server answering @routes (see routes.h) with
 * @app's services; it listens after rvi_http_server_listen(). With
 * @certificate (transfer none; with its private key) it speaks HTTPS only,
 * and every answer carries Strict-Transport-Security. */
RviHttpServer *rvi_http_server_new (RviApp *app, GArray *routes, GTlsCertificate *certificate);

/* Listens on @host (an IP address) and @port (0 picks one); sets @url
 * (transfer full) to the address it listens on (https:// with TLS). */
gboolean rvi_http_server_listen (RviHttpServer *self, const char *host, guint16 port, char **url,
                                 GError **error);

/* (transfer none) the route table. */
GArray *rvi_http_server_get_routes (RviHttpServer *self);

void rvi_http_server_free (RviHttpServer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviHttpServer, rvi_http_server_free)

G_END_DECLS
