/* sessions.h: browser sessions and bearer API tokens (tables sessions and
 * api_tokens). Only SHA-256 hashes of tokens are stored. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "roles.h"

G_BEGIN_DECLS

/* Creates a session for @user_id. Returns TRUE and sets @token and @csrf
 * (transfer full) on success. */
gboolean rvi_sessions_create (PGconn *conn, const char *user_id, int ttl_s, const char *address,
                              const char *user_agent, char **token, char **csrf,
                              GError **error);

/* Looks up a live session (not expired, not idle longer than @idle_s, its
 * user enabled) and refreshes its idle timer. Returns (transfer full) the
 * user and sets @csrf, or NULL: with @error RVI_ERROR_UNAUTHENTICATED when
 * the session is unknown or expired, another code when the lookup failed. */
RviUser *rvi_sessions_lookup (PGconn *conn, const char *token, int idle_s, char **csrf,
                              GError **error);

gboolean rvi_sessions_delete (PGconn *conn, const char *token, GError **error);

/* Ends every session of @user_id (after a password change, disable or delete). */
gboolean rvi_sessions_delete_for_user (PGconn *conn, const char *user_id, GError **error);

/* Creates an API token for @user_id; returns (transfer full) the token,
 * which is shown once and never stored in clear. */
char *rvi_api_tokens_create (PGconn *conn, const char *user_id, const char *label,
                             GError **error);

/* Like rvi_api_tokens_create, for a token that stops working after
 * @lifetime_s seconds (0: never); @id (may be NULL) gets its row id for
 * rvi_api_tokens_revoke(). */
char *rvi_api_tokens_create_expiring (PGconn *conn, const char *user_id, const char *label,
                                      guint lifetime_s, char **id, GError **error);
gboolean rvi_api_tokens_revoke (PGconn *conn, const char *token_id, GError **error);

/* Like rvi_sessions_lookup for a bearer token. */
RviUser *rvi_api_tokens_lookup (PGconn *conn, const char *token, GError **error);

gboolean rvi_api_tokens_revoke_for_user (PGconn *conn, const char *user_id, GError **error);

G_END_DECLS
