/* api-decisions.h: sorting decisions on a lot, four-eyes approval, and the
 * auditor's search. A decision is never changed: a correction supersedes it.
 *
 * A decision object: {id, lot_id, declaration_no, lot_no, category,
 * reasons[], note, cameras[], from, to, inspection_id, decided_by (user
 * name), decided_at, supersedes_id, superseded_by, state (effective |
 * pending_approval | rejected | superseded), needs_approval, approved_by,
 * approved_at, approval_note}. */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_decisions_create_shape;
extern const RviJsonShape rvi_api_decisions_approve_shape;

gboolean rvi_api_decisions_create (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_decisions_approve (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_decisions_list (RviRequest *req, PGconn *conn, GError **error);
/* GET /api/decisions/{id}: {decision} as the items of the list, or 404. */
gboolean rvi_api_decisions_get (RviRequest *req, PGconn *conn, GError **error);

/* The decisions of lot @lot_id, newest first, as the API's decision
 * objects (the items of GET /api/decisions). Returns (transfer full) a JSON
 * array, or NULL with @error set. */
JsonNode *rvi_api_decisions_of_lot (PGconn *conn, const char *lot_id, GError **error);

G_END_DECLS
