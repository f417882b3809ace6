-- 008: evidence exports (docs/evidence.md). An export is requested for a
-- lot (the cameras and windows of its inspections) or for one camera and a
-- time range; it runs in the background on the node that took the request
-- and ends as a signed package in that node's DATA-DIR/exports.
CREATE TABLE exports (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  requested_by      uuid REFERENCES users (id),
  requested_by_name text NOT NULL,
  lot_id            uuid REFERENCES lots (id),
  camera_id         uuid REFERENCES cameras (id),
  start_at          timestamptz,
  end_at            timestamptz,
  reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  recipient         text NOT NULL DEFAULT '' CHECK (length(recipient) <= 200),
  node              text NOT NULL,
  status            text NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'done', 'failed')),
  progress          real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  phase             text NOT NULL DEFAULT '',
  error             text,
  package_bytes     bigint,
  package_sha256    text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz,
  CHECK ((lot_id IS NULL) <> (camera_id IS NULL)),
  CHECK (camera_id IS NULL OR end_at > start_at)
);
CREATE INDEX exports_created ON exports (created_at DESC);
CREATE INDEX exports_pending ON exports (node, created_at) WHERE status IN ('queued', 'running');

-- What each export takes: per camera, the time ranges (a lot's inspection
-- windows merged), each under the hold placed when the export was asked for.
CREATE TABLE export_ranges (
  export_id  uuid NOT NULL REFERENCES exports (id),
  camera_id  uuid NOT NULL REFERENCES cameras (id),
  start_at   timestamptz NOT NULL,
  end_at     timestamptz NOT NULL,
  hold_id    uuid NOT NULL REFERENCES holds (id),
  PRIMARY KEY (export_id, camera_id, start_at),
  CHECK (end_at > start_at)
);

-- A hold placed by an export names it.
ALTER TABLE holds ADD COLUMN export_id uuid REFERENCES exports (id);
