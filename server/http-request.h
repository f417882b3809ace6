/* http-request.h: RviRequest, one HTTP request on its way through rvi.
 *
 * The main loop copies what handlers need out of the SoupServerMessage
 * (method, path, query, credentials, body), so a database worker can run
 * the handler without touching libsoup. A handler fills status and
 * response (or fails with a GError); the main loop writes the answer. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "app.h"
#include "audit-log.h"
#include "roles.h"

G_BEGIN_DECLS

typedef struct _RviRoute RviRoute;

typedef struct {
  RviApp *app;
  SoupServerMessage *msg;        /* main thread only */
  const RviRoute *route;
  char *method;
  char *path;
  char *path_id;                 /* the {id} segment, when the route has one */
  GHashTable *query;             /* decoded query parameters, never NULL */
  char *session_token;           /* from the session cookie */
  char *bearer_token;            /* from Authorization: Bearer */
  char *csrf_header;             /* X-CSRF-Token */
  char *idempotency_key;
  char *address;                 /* client address */
  char *user_agent;
  char *range;                   /* the Range header, for byte-range answers */
  char *forwarded_by;            /* X-Rvi-Forwarded-By: the node that passed it on */
  char *forward_node;            /* set by a database step: the node that holds what */
  char *forward_url;             /* is asked for, and its URL (node-proxy.h) */
  GBytes *body;
  JsonObject *json;              /* the validated body, if the route has a shape */

  RviUser *user;                 /* the authenticated user, NULL on public routes */
  char *session_csrf;            /* the session's CSRF token (cookie auth only) */

  guint status;                  /* answer: status, JSON body, extra headers */
  JsonNode *response;
  char *text_body;               /* a non-JSON answer (e.g. /metrics), with text_type */
  const char *text_type;
  GBytes *bytes_body;            /* a binary answer (e.g. a JPEG), with text_type */
  GInputStream *stream_body;     /* an answer passed on as it is read (http-stream.h), */
  goffset stream_length;         /* with text_type, its length (-1: unknown) */
  GObject *stream_keep;          /* and what must live as long (may be NULL) */
  GPtrArray *headers;            /* name, value, name, value, ... */
  GError *error;
  gint64 started_us;             /* monotonic */
  gboolean client_gone;
  gboolean deferred;             /* a main handler will finish it later */
  gpointer handler_data;         /* a handler's state between its db and main steps */
  GDestroyNotify handler_data_free;
} RviRequest;

void rvi_request_free (RviRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviRequest, rvi_request_free)

/* Sets the answer to @status with @body (transfer full; may be NULL). */
void rvi_request_reply (RviRequest *req, guint status, JsonNode *body);
void rvi_request_add_header (RviRequest *req, const char *name, const char *value);
/* A query parameter (transfer none) or NULL. */
const char *rvi_request_query (RviRequest *req, const char *name);

/* Appends an audit event on @conn with the request's user and address as
 * the actor (or @actor_name when no user is logged in yet). */
gboolean rvi_request_audit (RviRequest *req, PGconn *conn, const char *actor_name,
                            const char *action, const char *target_type,
                            const char *target_id, JsonNode *detail, GError **error);

/* For a main handler that answers later (e.g. after probing a camera):
 * mark the request deferred, keep it, set the answer and then call
 * rvi_request_finish() on the main loop, exactly once. */
void rvi_request_defer (RviRequest *req);
void rvi_request_finish (RviRequest *req);

G_END_DECLS
