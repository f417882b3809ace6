-- 002_cameras: cameras, their live status, nodes, the segment index, gaps
-- and holds.

-- Microseconds since the epoch (how the media plane counts) to timestamptz,
-- exactly (integer interval arithmetic, no floating point).
CREATE FUNCTION rvi_us(us bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT timestamptz 'epoch' + us * interval '1 microsecond'
$$;

-- Times in API answers: RFC 3339, UTC, milliseconds.
CREATE FUNCTION rvi_time(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE TABLE cameras (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  url             text NOT NULL CHECK (url ~ '^rtsps?://[^@/]+' AND url !~ '^rtsps?://[^/]*@'),
  username        text,          -- write-only through the API
  password_box    text,          -- the password sealed by credential-box.c, never clear text
  site            text NOT NULL DEFAULT '' CHECK (length(site) <= 100),
  track           text NOT NULL DEFAULT '' CHECK (length(track) <= 100),
  position        text NOT NULL DEFAULT '' CHECK (length(position) <= 100),
  gacc_id         text CHECK (gacc_id ~ '^[0-9]{20}$'),
  transport       text NOT NULL DEFAULT 'auto' CHECK (transport IN ('auto', 'tcp', 'udp')),
  transport_learned text CHECK (transport_learned IN ('tcp', 'udp')),
  recording       boolean NOT NULL DEFAULT true,
  segment_seconds integer NOT NULL DEFAULT 60 CHECK (segment_seconds BETWEEN 5 AND 3600),
  retention_days  integer NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 3650),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz,
  CONSTRAINT cameras_password_needs_username CHECK (password_box IS NULL OR username IS NOT NULL)
);
CREATE UNIQUE INDEX cameras_name_live ON cameras (lower(name)) WHERE deleted_at IS NULL;

-- rvi processes sharing this database; the heartbeat says who is alive.
CREATE TABLE nodes (
  name            text PRIMARY KEY,
  started_at      timestamptz NOT NULL,
  last_seen       timestamptz NOT NULL,
  disk_free_bytes bigint,
  disk_total_bytes bigint
);

-- What the recording node knows of each camera right now.
CREATE TABLE camera_status (
  camera_id       uuid PRIMARY KEY REFERENCES cameras (id),
  node            text NOT NULL,
  state           text NOT NULL CHECK (state IN ('connecting', 'streaming', 'backing_off',
                    'auth_failed', 'disabled', 'disk_full', 'db_unavailable')),
  since           timestamptz NOT NULL,
  message         text NOT NULL DEFAULT '',
  fps             double precision,
  bitrate_bps     double precision,
  last_frame_at   timestamptz,
  codec           text,
  codec_string    text,
  width           integer,
  height          integer,
  transport       text,
  reconnects      bigint NOT NULL DEFAULT 0,
  retry_at        timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The segment index. A row is 'open' while its file is written, 'closed'
-- once the file is fsynced and hashed (or repaired after a crash), and
-- 'deleting' while retention removes it (row first, then file, then row).
CREATE TABLE segments (
  id              bigserial PRIMARY KEY,
  camera_id       uuid NOT NULL REFERENCES cameras (id),
  node            text NOT NULL,
  path            text NOT NULL UNIQUE,     -- relative to the node's data directory
  status          text NOT NULL CHECK (status IN ('open', 'closed', 'deleting')),
  repaired        boolean NOT NULL DEFAULT false,
  start_at        timestamptz NOT NULL,
  end_at          timestamptz,
  duration_us     bigint,
  bytes           bigint,
  sha256          text,
  codec           text,
  codec_string    text,
  width           integer,
  height          integer,
  clock_offset_us bigint,
  camera_clock    boolean,
  init_size       bigint,
  fragments       jsonb,                    -- [[offset, size, start_us, duration_us, key], ...]
  created_at      timestamptz NOT NULL DEFAULT now(),
  closed_at       timestamptz,
  CHECK (status = 'open' OR end_at IS NOT NULL)
);
CREATE INDEX segments_camera_time ON segments (camera_id, start_at);
CREATE INDEX segments_open ON segments (node, status) WHERE status <> 'closed';

-- Every interval a camera did not record, with its cause. end_at is NULL
-- while the gap lasts.
CREATE TABLE gaps (
  id              uuid PRIMARY KEY,
  camera_id       uuid NOT NULL REFERENCES cameras (id),
  node            text NOT NULL,
  start_at        timestamptz NOT NULL,
  end_at          timestamptz,
  cause           text NOT NULL CHECK (cause IN ('unreachable', 'timeout', 'auth_failed',
                    'stream_ended', 'server_restart', 'disk_full', 'db_unavailable', 'disabled',
                    'no_video', 'unsupported', 'error', 'node_failover')),
  detail          text NOT NULL DEFAULT '',
  CHECK (end_at IS NULL OR end_at >= start_at)
);
CREATE INDEX gaps_camera_time ON gaps (camera_id, start_at);

-- Recordings under a hold are never deleted by retention.
CREATE TABLE holds (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  camera_id       uuid NOT NULL REFERENCES cameras (id),
  start_at        timestamptz NOT NULL,
  end_at          timestamptz NOT NULL,
  reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  created_by      uuid REFERENCES users (id),
  created_by_name text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  released_at     timestamptz,
  released_by     uuid REFERENCES users (id),
  CHECK (end_at > start_at)
);
CREATE INDEX holds_camera ON holds (camera_id, start_at) WHERE released_at IS NULL;
