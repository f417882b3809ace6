/* api-decisions-query.h: what the decision routes (api-decisions.c) and
 * the decision search (api-decisions-search.c) share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The API's decision object, one per row; st.state is usable in WHERE. */
#define RVI_DECISION_QUERY \
  "SELECT d.id, d.lot_id, dc.number AS declaration_no, l.lot_no, d.category," \
  " to_jsonb (d.reasons) AS reasons, d.note, to_jsonb (d.cameras) AS cameras," \
  " rvi_time (d.window_start) AS from, rvi_time (d.window_end) AS to, d.inspection_id," \
  " u.username AS decided_by, rvi_time (d.decided_at) AS decided_at, d.supersedes_id," \
  " s.id AS superseded_by, st.state, c.needs_approval, au.username AS approved_by," \
  " rvi_time (a.at) AS approved_at, a.note AS approval_note" \
  " FROM decisions d" \
  " JOIN decision_categories c ON c.code = d.category" \
  " JOIN lots l ON l.id = d.lot_id" \
  " JOIN declarations dc ON dc.id = l.declaration_id" \
  " JOIN users u ON u.id = d.decided_by" \
  " LEFT JOIN decisions s ON s.supersedes_id = d.id" \
  " LEFT JOIN decision_approvals a ON a.decision_id = d.id" \
  " LEFT JOIN users au ON au.id = a.approved_by" \
  " CROSS JOIN LATERAL (SELECT CASE WHEN s.id IS NOT NULL THEN 'superseded'" \
  "   WHEN NOT c.needs_approval OR a.approved THEN 'effective'" \
  "   WHEN a.approved IS NULL THEN 'pending_approval' ELSE 'rejected' END AS state) st"

#define RVI_DECISION_TIME_HINT "an RFC 3339 time such as 2026-11-28T03:04:05.250Z"

/* TRUE when @s looks like a category or reason code (A-Z, 0-9, _). */
gboolean rvi_decision_is_code (const char *s);

/* (transfer full) a time from @value, or NULL with an error naming @name. */
GDateTime *rvi_decision_parse_time (const char *value, const char *name, GError **error);

G_END_DECLS
