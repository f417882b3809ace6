-- 004: the current decision's state is named as the HTTP contract names it:
-- 'effective' (no approval needed, or approved), 'pending_approval',
-- 'rejected'. Same columns as in 003, so CREATE OR REPLACE suffices.
CREATE OR REPLACE VIEW lot_current_decision AS
  SELECT DISTINCT ON (d.lot_id)
         d.lot_id, d.id AS decision_id, d.category, d.reasons, d.decided_by, d.decided_at,
         d.supersedes_id, c.needs_approval, a.approved_by, a.at AS approval_at,
         CASE WHEN NOT c.needs_approval OR a.approved THEN 'effective'
              WHEN a.approved IS NULL THEN 'pending_approval'
              ELSE 'rejected' END AS state
    FROM decisions d
    JOIN decision_categories c ON c.code = d.category
    LEFT JOIN decision_approvals a ON a.decision_id = d.id
   WHERE NOT EXISTS (SELECT 1 FROM decisions s WHERE s.supersedes_id = d.id)
   ORDER BY d.lot_id, d.decided_at DESC, d.id DESC;
