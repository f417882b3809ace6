-- 009: replay (docs/replay.md). A segment being served to a player carries a
-- read lease: retention leaves it alone until the lease runs out. The lease
-- lives on the segment row so that retention's claim (status -> 'deleting')
-- and a reader's lease serialize on the same row lock: whichever comes
-- second sees the other's change.
ALTER TABLE segments ADD COLUMN read_lease_until timestamptz;

-- The viewing log and an export's audit.json select events by their target.
CREATE INDEX audit_events_target ON audit_events (target_id, seq);
