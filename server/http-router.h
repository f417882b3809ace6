/* http-router.h: RviRoute, one entry of the route table, and matching.
 *
 * A route declares its method, path pattern, the roles that may use it, the
 * shape of its body and its handler. Patterns are literal segments plus at
 * most one "{id}" segment, which matches only a UUID. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "http-request.h"
#include "json-shape.h"

G_BEGIN_DECLS

/* Runs on a database worker after authentication, permission, CSRF and
 * body checks passed. Sets the answer with rvi_request_reply() or returns
 * FALSE with @error set. */
typedef gboolean (*RviDbHandler) (RviRequest *req, PGconn *conn, GError **error);

/* Runs on the main loop (after the database step, if there is one). Sets
 * the answer or req->error. */
typedef void (*RviMainHandler) (RviRequest *req);

struct _RviRoute {
  const char *method;
  const char *pattern;
  guint roles;                 /* RviRole bits; RVI_ROLES_PUBLIC = no auth */
  const RviJsonShape *shape;   /* NULL: the route takes no body */
  RviDbHandler db;
  RviMainHandler main;
};

typedef enum {
  RVI_ROUTE_MATCHED,
  RVI_ROUTE_NO_PATH,
  RVI_ROUTE_NO_METHOD,         /* the path exists with other methods */
} RviRouteMatch;

/* Finds the route for @method and @path in @routes. On RVI_ROUTE_MATCHED
 * sets @route and @id (transfer full, NULL without {id}); on
 * RVI_ROUTE_NO_METHOD sets @allow (transfer full) to the methods the path
 * accepts, e.g. "GET, POST". */
RviRouteMatch rvi_router_match (GArray *routes, const char *method, const char *path,
                                const RviRoute **route, char **id, char **allow);


G_END_DECLS
