-- 014: the viewing log stays fast as the audit log grows. The auditor
-- console lists who watched a lot's cameras live or replayed them
-- (GET /api/viewing-log); each live session's start is paired with its
-- end by session id. Without these indexes that pairing searched every
-- `live_session_ended` row of the camera, once per listed session (1.3 s
-- for 200 entries over 2 million audit events); with them 27 ms, and
-- 0.2 ms for a camera nobody watched.
CREATE INDEX audit_events_views ON audit_events (target_id, seq)
  WHERE action IN ('live_session_started', 'replay_viewed');
CREATE INDEX audit_events_live_end ON audit_events (target_id, (detail->>'session'))
  WHERE action = 'live_session_ended';
