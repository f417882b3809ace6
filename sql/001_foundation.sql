-- 001_foundation: users, sessions, API tokens, login throttling and the
-- hash-chained audit log.

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text NOT NULL CHECK (username ~ '^[A-Za-z0-9._-]{1,64}$'),
  display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
  role          text NOT NULL CHECK (role IN ('inspector', 'operator', 'auditor', 'admin')),
  password_hash text NOT NULL,
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
-- a deleted user's name may be reused; their rows stay for the audit trail
CREATE UNIQUE INDEX users_username_live ON users (lower(username)) WHERE deleted_at IS NULL;

-- Browser sessions. Only the SHA-256 of the token is stored.
CREATE TABLE sessions (
  token_hash    bytea PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users (id),
  csrf_token    text NOT NULL,
  address       text NOT NULL DEFAULT '',
  user_agent    text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Bearer tokens for machine clients. Only the SHA-256 is stored.
CREATE TABLE api_tokens (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash    bytea NOT NULL UNIQUE,
  user_id       uuid NOT NULL REFERENCES users (id),
  label         text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

-- Failed logins per user name ('u:NAME') and per client address ('a:ADDR').
CREATE TABLE login_failures (
  key           text PRIMARY KEY,
  failures      integer NOT NULL,
  last_failure  timestamptz NOT NULL
);

-- The audit log: append-only and hash-chained. Each row's hash covers its
-- own fields and the previous row's hash; `rvi audit verify` recomputes it
-- outside the database. Rows are only ever written by rvi_audit_append().
CREATE TABLE audit_events (
  seq           bigserial PRIMARY KEY,
  id            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  at            timestamptz NOT NULL,
  actor_id      uuid,
  actor_name    text NOT NULL,
  action        text NOT NULL,
  target_type   text NOT NULL DEFAULT '',
  target_id     text NOT NULL DEFAULT '',
  detail        jsonb NOT NULL DEFAULT '{}',
  address       text NOT NULL DEFAULT '',
  prev_hash     bytea NOT NULL,
  hash          bytea NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_action ON audit_events (action, at);
CREATE INDEX audit_events_actor ON audit_events (actor_id, at);

CREATE FUNCTION rvi_audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only'
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION rvi_audit_reject_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION rvi_audit_reject_change();

-- One field of the hashed content: "LEN:VALUE;" or "-;" for NULL, so no
-- two different rows can produce the same content. audit-log.c builds the
-- same string; keep them in step.
CREATE FUNCTION rvi_audit_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN '-;' ELSE octet_length(v)::text || ':' || v || ';' END
$$;

CREATE FUNCTION rvi_audit_content(p_seq bigint, p_at timestamptz, p_actor_id uuid,
    p_actor_name text, p_action text, p_target_type text, p_target_id text,
    p_detail jsonb, p_address text, p_prev bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT convert_to(
    rvi_audit_field(p_seq::text) ||
    rvi_audit_field(((extract(epoch FROM p_at) * 1000000)::bigint)::text) ||
    rvi_audit_field(p_actor_id::text) ||
    rvi_audit_field(p_actor_name) ||
    rvi_audit_field(p_action) ||
    rvi_audit_field(p_target_type) ||
    rvi_audit_field(p_target_id) ||
    rvi_audit_field(p_detail::text) ||
    rvi_audit_field(p_address) ||
    rvi_audit_field(encode(p_prev, 'hex')), 'UTF8')
$$;

-- Appends one event under a transaction-scoped lock, so the chain order is
-- the commit order. Returns the new row's id.
CREATE FUNCTION rvi_audit_append(p_actor_id uuid, p_actor_name text, p_action text,
    p_target_type text, p_target_id text, p_detail jsonb, p_address text)
    RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_prev bytea;
  v_seq bigint;
  v_at timestamptz;
  v_id uuid;
BEGIN
  PERFORM pg_advisory_xact_lock(7283001);
  SELECT hash INTO v_prev FROM audit_events ORDER BY seq DESC LIMIT 1;
  IF v_prev IS NULL THEN
    v_prev := decode(repeat('00', 32), 'hex');
  END IF;
  v_seq := nextval(pg_get_serial_sequence('audit_events', 'seq'));
  v_at := date_trunc('microseconds', clock_timestamp());
  INSERT INTO audit_events (seq, at, actor_id, actor_name, action, target_type, target_id,
                            detail, address, prev_hash, hash)
  VALUES (v_seq, v_at, p_actor_id, p_actor_name, p_action, coalesce(p_target_type, ''),
          coalesce(p_target_id, ''), coalesce(p_detail, '{}'), coalesce(p_address, ''), v_prev,
          sha256(rvi_audit_content(v_seq, v_at, p_actor_id, p_actor_name, p_action,
                 coalesce(p_target_type, ''), coalesce(p_target_id, ''),
                 coalesce(p_detail, '{}'), coalesce(p_address, ''), v_prev)))
  RETURNING id INTO v_id;
  RETURN v_id;
END
$$;
