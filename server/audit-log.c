/* audit-log.c: appending to and verifying the audit hash chains.
 *
 * DESIGN
 * The log is a small number of hash chains (sql/005_audit_chains.sql).
 * Each thread that appends gets its own chain, handed out round-robin on
 * its first append, so the pool's workers never wait for each other's
 * commits (a chain's lock is held until commit to keep it in commit
 * order; with one chain every audited request queued behind the previous
 * one's fsync). rvi_audit_append() calls the SQL function, which takes the
 * chain's transaction lock, reads the chain's last hash, and inserts the
 * row with hash = SHA-256(content) where content is every field as
 * "LEN:VALUE;" (or "-;" for NULL) followed by the previous hash in hex.
 * Verification reads all rows in seq order, keeps each chain's last hash,
 * and rebuilds the same content here in C with GChecksum, so a tampered
 * row, a tampered SQL function, a removed middle row or a row moved to
 * another chain is caught. (Cutting rows off the end of a chain cannot be
 * seen from the chains alone; exports carry each chain's last hash.) */
#define G_LOG_DOMAIN "rvi-audit"
#include "audit-log.h"
#include "db.h"
#include "rvi-error.h"

#define BATCH "2000"
/* Chains handed to writer threads: 1..CHAINS (0 holds the rows written
 * before chains existed, and those of callers of the SQL function without
 * a chain). More chains than pool workers, so two workers rarely share. */
#define CHAINS 32

static gint next_chain;
static GPrivate thread_chain;  /* GINT_TO_POINTER (chain), 0 = not yet given */

static int
current_thread_chain (void)
{
  int chain = GPOINTER_TO_INT (g_private_get (&thread_chain));

  if (chain == 0) {
    chain = 1 + (g_atomic_int_add (&next_chain, 1) % CHAINS);
    g_private_set (&thread_chain, GINT_TO_POINTER (chain));
  }
  return chain;
}
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

gboolean
rvi_audit_append (PGconn *conn, const RviAuditEntry *e, GError **error)
{
  char chain[16];
  const char *params[] = { chain, e->actor_id, e->actor_name ? e->actor_name : "system",
                           e->action, e->target_type, e->target_id,
                           e->detail_json ? e->detail_json : "{}", e->address };

  g_snprintf (chain, sizeof chain, "%d", current_thread_chain ());
  return rvi_db_run (conn, "SELECT rvi_audit_append($1::integer, $2::uuid, $3, $4, $5, $6,"
                     " $7::jsonb, $8)", 8, params, error);
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
       C_HASH, C_ID, C_CHAIN };

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
  /* chain number (text) -> that chain's last hash */
  g_autoptr (GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *after = g_strdup ("0");

  memset (result, 0, sizeof *result);
  for (;;) {
    const char *params[] = { after };
    g_autoptr (PGresult) res = rvi_db_exec (conn,
        "SELECT seq, ((extract(epoch FROM at) * 1000000)::bigint)::text, actor_id::text,"
        " actor_name, action, target_type, target_id, detail::text, address,"
        " encode(prev_hash, 'hex'), encode(hash, 'hex'), id::text, chain::text"
        " FROM audit_events WHERE seq > $1::bigint ORDER BY seq LIMIT " BATCH,
        1, params, error);
    int n;

    if (!res)
      return FALSE;
    n = PQntuples (res);
    for (int i = 0; i < n; i++) {
      const char *chain = PQgetvalue (res, i, C_CHAIN);
      const char *prev = g_hash_table_lookup (last, chain);
      char *why = check_row (res, i, prev ? prev : ZERO_HASH);

      result->events++;
      if (why) {
        result->broken_seq = rvi_db_int64 (res, i, C_SEQ);
        result->broken_id = rvi_db_dup (res, i, C_ID);
        result->reason = why;
        return TRUE;
      }
      g_hash_table_replace (last, g_strdup (chain), g_strdup (PQgetvalue (res, i, C_HASH)));
    }
    if (n == 0) {
      result->chains = g_hash_table_size (last);
      return TRUE;
    }
    g_free (after);
    after = g_strdup (PQgetvalue (res, n - 1, C_SEQ));
  }
}
