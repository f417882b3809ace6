-- 010: the stills of marks (docs/recording.md#stills-of-marks). Every mark
-- made on a camera keeps, as evidence, the recorded frame at its time: the
-- full-resolution JPEG that GET /api/cameras/{id}/frame.jpg answers for
-- the mark's time, made in the background by the node that holds the
-- recording (server/mark-stills.c) and stored as DATA-DIR/stills/<mark
-- id>.jpg on that node.
--
-- mark_still_queue: the marks still waiting for one. A trigger queues
-- every new mark that names a camera; the maker takes a mark out in the
-- transaction that writes its mark_stills row, and in between notes when
-- to look again (not_before) and why it could not yet.
--
-- mark_stills: one row per mark, written once: 'recorded' (the frame's
-- exact time, the file, its size and SHA-256) or 'not_recorded' with the
-- cause (a gap, a time never recorded, a file that does not decode).
-- Append-only, like the marks: a still is evidence.

CREATE TABLE mark_stills (
  mark_id     uuid PRIMARY KEY REFERENCES marks (id),
  camera_id   uuid NOT NULL REFERENCES cameras (id),
  node        text NOT NULL,
  state       text NOT NULL CHECK (state IN ('recorded', 'not_recorded')),
  frame_at    timestamptz,             -- the frame's wall-clock time (µs)
  path        text UNIQUE,             -- relative to the node's data directory
  bytes       bigint,
  sha256      text,
  width       integer,
  height      integer,
  cause       text CHECK (length(cause) <= 1000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT mark_stills_recorded_complete CHECK (state <> 'recorded' OR (
    frame_at IS NOT NULL AND path IS NOT NULL AND bytes > 0 AND sha256 ~ '^[0-9a-f]{64}$'
    AND width > 0 AND height > 0 AND cause IS NULL)),
  CONSTRAINT mark_stills_not_recorded_cause CHECK (state <> 'not_recorded' OR (
    cause IS NOT NULL AND path IS NULL AND sha256 IS NULL))
);
CREATE TRIGGER mark_stills_append_only BEFORE UPDATE OR DELETE ON mark_stills
  FOR EACH ROW EXECUTE FUNCTION rvi_reject_change('mark stills are append-only');
CREATE TRIGGER mark_stills_no_truncate BEFORE TRUNCATE ON mark_stills
  FOR EACH STATEMENT EXECUTE FUNCTION rvi_reject_change('mark stills are append-only');

CREATE TABLE mark_still_queue (
  mark_id     uuid PRIMARY KEY REFERENCES marks (id),
  not_before  timestamptz NOT NULL DEFAULT now(),
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text
);
CREATE INDEX mark_still_queue_due ON mark_still_queue (not_before);

CREATE FUNCTION rvi_mark_still_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO mark_still_queue (mark_id) VALUES (NEW.id);
  RETURN NULL;
END
$$;
CREATE TRIGGER marks_still_enqueue AFTER INSERT ON marks
  FOR EACH ROW WHEN (NEW.camera_id IS NOT NULL) EXECUTE FUNCTION rvi_mark_still_enqueue();

-- Marks made before this migration get theirs too, while their recording
-- is kept.
INSERT INTO mark_still_queue (mark_id) SELECT id FROM marks WHERE camera_id IS NOT NULL;

-- Live updates: a still stored (or found not recorded) changes the mark as
-- the API shows it, so it is announced as {"kind": "mark", "id": MARK,
-- "lot_id": LOT}: clients refetch the mark.
CREATE FUNCTION rvi_notify_mark_still() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rvi_events', json_build_object('kind', 'mark', 'id', NEW.mark_id,
    'lot_id', (SELECT lot_id FROM marks WHERE id = NEW.mark_id))::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER mark_stills_notify AFTER INSERT ON mark_stills
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_mark_still();

-- Times with microseconds (a frame's time is not millisecond-aligned).
CREATE FUNCTION rvi_time_us(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- A mark's still as API answers show it: {state, frame_at, sha256, url,
-- cause}; state 'pending' while it is not made yet; NULL for a mark that
-- names no camera.
CREATE FUNCTION rvi_mark_still_json(p_mark uuid, p_camera uuid) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p_camera IS NULL THEN NULL ELSE coalesce(
    (SELECT json_build_object('state', s.state, 'frame_at', rvi_time_us(s.frame_at),
       'sha256', s.sha256,
       'url', CASE WHEN s.state = 'recorded' THEN '/api/marks/' || s.mark_id || '/still.jpg' END,
       'cause', s.cause)
     FROM mark_stills s WHERE s.mark_id = p_mark),
    json_build_object('state', 'pending', 'frame_at', NULL, 'sha256', NULL, 'url', NULL,
                      'cause', NULL)) END
$$;
