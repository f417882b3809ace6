/* login-throttle.h: failed logins slow down per user name and per client
 * address (table login_failures, shared by every node).
 *
 * After login_free_attempts failures in a row for a user name (four times
 * as many for an address, which may be a whole office behind NAT), each
 * further attempt must wait 2^(failures - free) seconds after the last
 * failure, capped at login_max_delay; the count resets after an hour
 * without failures, and the user's count on a successful login. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* Returns how many seconds the attempt must still wait (0: go ahead), or
 * -1 with @error set when the check failed. */
int rvi_login_throttle_check (PGconn *conn, const char *username, const char *address,
                              int free_attempts, int max_delay_s, GError **error);

gboolean rvi_login_throttle_fail (PGconn *conn, const char *username, const char *address,
                                  GError **error);

gboolean rvi_login_throttle_succeed (PGconn *conn, const char *username, GError **error);

G_END_DECLS
