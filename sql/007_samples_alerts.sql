-- 007: key-frame samples and camera tamper alerts (issue 5).
--
-- frame_samples: one row per JPEG still the sampler wrote, with the
-- measures the alerts are judged from. The file lives under the node's
-- data directory (path is relative to it, like segments.path); retention
-- deletes old rows with their files.
CREATE TABLE frame_samples (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  camera_id       uuid NOT NULL REFERENCES cameras (id),
  node            text NOT NULL,
  at              timestamptz NOT NULL,
  path            text NOT NULL UNIQUE,
  sha256          text NOT NULL,
  bytes           bigint NOT NULL,
  width           integer NOT NULL,
  height          integer NOT NULL,
  luma            real NOT NULL,
  contrast        real NOT NULL,
  sharpness       real NOT NULL,
  difference      real,          -- from the camera's previous sample; NULL for its first
  similarity      real           -- to the learnt reference view; NULL before one exists
);
CREATE INDEX frame_samples_camera_at ON frame_samples (camera_id, at);

-- camera_alerts: an alert lasts from started_at to ended_at (NULL while it
-- stands); at most one open alert per camera and kind.
CREATE TABLE camera_alerts (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  camera_id       uuid NOT NULL REFERENCES cameras (id),
  node            text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('covered', 'defocused', 'moved', 'frozen')),
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz,
  start_value     double precision,
  end_value       double precision,
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX camera_alerts_open ON camera_alerts (camera_id, kind) WHERE ended_at IS NULL;
CREATE INDEX camera_alerts_camera_time ON camera_alerts (camera_id, started_at);

-- Live updates: {"kind": "camera_alert", "id": CAMERA_ID, "lot_id": null}
-- whenever an alert of the camera is raised or cleared.
CREATE FUNCTION rvi_notify_camera_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rvi_events', json_build_object('kind', 'camera_alert', 'id', NEW.camera_id,
                                                    'lot_id', NULL)::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER camera_alerts_notify AFTER INSERT OR UPDATE OF ended_at ON camera_alerts
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_camera_alert();
