/* audit-log.h: the append-only, hash-chained audit log (table audit_events,
 * sql/001_foundation.sql, in chains since sql/005_audit_chains.sql). */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct {
  const char *actor_id;     /* user id, NULL for the system or an unknown user */
  const char *actor_name;   /* user name, or "system", "cli", the attempted name */
  const char *action;       /* e.g. "login", "login_failed", "user_created" */
  const char *target_type;  /* e.g. "user"; may be NULL */
  const char *target_id;    /* may be NULL */
  const char *detail_json;  /* a JSON object as text, NULL for {} */
  const char *address;      /* client address, may be NULL */
} RviAuditEntry;

/* Appends @entry on @conn, inside the caller's transaction if one is open,
 * so the event commits or rolls back with the change it describes. The
 * event goes into the calling thread's chain. */
gboolean rvi_audit_append (PGconn *conn, const RviAuditEntry *entry, GError **error);

typedef struct {
  guint64 events;       /* rows checked */
  guint chains;         /* chains found (set when the whole log verified) */
  gint64 broken_seq;    /* first row that does not verify, 0 when intact */
  char *broken_id;      /* its id */
  char *reason;         /* why it does not verify */
} RviAuditVerifyResult;

void rvi_audit_verify_result_clear (RviAuditVerifyResult *result);

/* Recomputes the chain outside the database (the hash is built here, not
 * by the SQL function that wrote it). Returns FALSE only when the check
 * could not run; an intact or broken chain is reported in @result. */
gboolean rvi_audit_verify (PGconn *conn, RviAuditVerifyResult *result, GError **error);

G_END_DECLS
