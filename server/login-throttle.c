/* login-throttle.c: the login_failures table. */
#define G_LOG_DOMAIN "rvi-auth"
#include "login-throttle.h"
#include "db.h"

int
rvi_login_throttle_check (PGconn *conn, const char *username, const char *address,
                          int free_attempts, int max_delay_s, GError **error)
{
  g_autofree char *free_s = g_strdup_printf ("%d", free_attempts);
  g_autofree char *max_s = g_strdup_printf ("%d", max_delay_s);
  const char *params[] = { username, address ? address : "", free_s, max_s };
  /* an address (maybe a whole office behind NAT) gets four times the slack */
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT coalesce(max(ceil(extract(epoch FROM"
      "   (last_failure + make_interval(secs => least($4::int,"
      "     power(2, failures - free)::int)) - now())))), 0)::int"
      " FROM (SELECT *, CASE WHEN key LIKE 'u:%' THEN $3::int ELSE 4 * $3::int END AS free"
      "       FROM login_failures WHERE key IN ('u:' || lower($1), 'a:' || $2)) f"
      " WHERE failures >= free AND last_failure > now() - interval '1 hour'",
      4, params, error);

  if (!res)
    return -1;
  return MAX (0, (int) rvi_db_int64 (res, 0, 0));
}

gboolean
rvi_login_throttle_fail (PGconn *conn, const char *username, const char *address,
                         GError **error)
{
  const char *params[] = { username, address ? address : "" };
  return rvi_db_run (conn,
      "INSERT INTO login_failures AS f (key, failures, last_failure)"
      " VALUES ('u:' || lower($1), 1, now()), ('a:' || $2, 1, now())"
      " ON CONFLICT (key) DO UPDATE SET failures = CASE"
      "   WHEN f.last_failure < now() - interval '1 hour' THEN 1 ELSE f.failures + 1 END,"
      "   last_failure = now()", 2, params, error);
}

gboolean
rvi_login_throttle_succeed (PGconn *conn, const char *username, GError **error)
{
  const char *params[] = { username };
  return rvi_db_run (conn, "DELETE FROM login_failures WHERE key = 'u:' || lower($1)", 1, params,
                     error);
}
