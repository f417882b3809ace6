/* audit-log.c: appending to and verifying the audit hash chain.
 *
 * DESIGN
 * rvi_audit_append() calls the SQL function rvi_audit_append(), which takes
 * a transaction lock, reads the last hash, and inserts the row with
 * hash = SHA-256(content) where content is every field as "LEN:VALUE;" (or
 * "-;" for NULL) followed by the previous hash in hex. Verification reads
 * the rows in order and rebuilds the same content here in C with GChecksum,
 * so a tampered row, a tampered SQL function or a removed middle row is
 * caught. (Cutting rows off the end of a chain cannot be seen from the
 * chain alone; exports carry the last hash to pin it.) */
#define G_LOG_DOMAIN "rvi-audit"
#include "audit-log.h"
#include "db.h"
#include "rvi-error.h"

#define BATCH "2000"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

gboolean
rvi_audit_append (PGconn *conn, const RviAuditEntry *e, GError **error)
{
  const char *params[] = { e->actor_id, e->actor_name ? e->actor_name : "system", e->action,
                           e->target_type, e->target_id, e->detail_json ? e->detail_json : "{}",
                           e->address };

  return rvi_db_run (conn, "SELECT rvi_audit_append($1::uuid, $2, $3, $4, $5, $6::jsonb, $7)",
                     7, params, error);
}

void
rvi_audit_verify_result_clear (RviAuditVerifyResult *result)
{
  g_free (result->broken_id);
  g_free (result->reason);
  memset (result, 0, sizeof *result);
}

static void
add_field (GChecksum *sum, const char *value)
{
  if (!value) {
    g_checksum_update (sum, (const guchar *) "-;", 2);
  } else {
    g_autofree char *len = g_strdup_printf ("%zu:", strlen (value));
    g_checksum_update (sum, (const guchar *) len, -1);
    g_checksum_update (sum, (const guchar *) value, -1);
    g_checksum_update (sum, (const guchar *) ";", 1);
  }
}

enum { C_SEQ, C_AT, C_ACTOR_ID, C_ACTOR, C_ACTION, C_TTYPE, C_TID, C_DETAIL, C_ADDR, C_PREV,
       C_HASH, C_ID };

/* Checks one row; returns NULL when it verifies, else (transfer full) why not. */
static char *
check_row (const PGresult *res, int row, const char *expected_prev)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *prev = PQgetvalue (res, row, C_PREV);

  for (int col = C_SEQ; col <= C_PREV; col++)
    add_field (sum, PQgetisnull (res, row, col) ? NULL : PQgetvalue (res, row, col));
  if (!g_str_equal (prev, expected_prev))
    return g_strdup_printf ("prev_hash %s does not match the previous event's hash %s", prev,
                            expected_prev);
  if (!g_str_equal (g_checksum_get_string (sum), PQgetvalue (res, row, C_HASH)))
    return g_strdup_printf ("stored hash %s does not match its content (%s)",
                            PQgetvalue (res, row, C_HASH), g_checksum_get_string (sum));
  return NULL;
}

gboolean
rvi_audit_verify (PGconn *conn, RviAuditVerifyResult *result, GError **error)
{
  g_autofree char *prev = g_strdup (ZERO_HASH);
  g_autofree char *after = g_strdup ("0");

  memset (result, 0, sizeof *result);
  for (;;) {
    const char *params[] = { after };
    g_autoptr (PGresult) res = rvi_db_exec (conn,
        "SELECT seq, ((extract(epoch FROM at) * 1000000)::bigint)::text, actor_id::text,"
        " actor_name, action, target_type, target_id, detail::text, address,"
        " encode(prev_hash, 'hex'), encode(hash, 'hex'), id::text"
        " FROM audit_events WHERE seq > $1::bigint ORDER BY seq LIMIT " BATCH,
        1, params, error);
    int n;

    if (!res)
      return FALSE;
    n = PQntuples (res);
    for (int i = 0; i < n; i++) {
      char *why = check_row (res, i, prev);
      result->events++;
      if (why) {
        result->broken_seq = rvi_db_int64 (res, i, C_SEQ);
        result->broken_id = rvi_db_dup (res, i, C_ID);
        result->reason = why;
        return TRUE;
      }
      g_free (prev);
      prev = g_strdup (PQgetvalue (res, i, C_HASH));
    }
    if (n == 0)
      return TRUE;
    g_free (after);
    after = g_strdup (PQgetvalue (res, n - 1, C_SEQ));
  }
}
