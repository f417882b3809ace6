/* api-audit.h: GET /api/audit, the audit log for auditors. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

gboolean rvi_api_audit_list (RviRequest *req, PGconn *conn, GError **error);

/* Parses an RFC 3339 query value into the canonical text PostgreSQL reads,
 * (transfer full), or NULL with RVI_ERROR_INVALID_INPUT naming @name. */
char *rvi_query_time (const char *value, const char *name, GError **error);

G_END_DECLS
