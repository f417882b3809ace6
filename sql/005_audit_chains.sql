-- 005: the audit log becomes several hash chains, so writers on different
-- connections no longer queue behind one lock held until commit.
--
-- Every row belongs to one chain (0 for all rows written before this
-- migration). Each chain is linked exactly as before: a row's prev_hash is
-- the hash of the previous row OF ITS CHAIN, and the hashed content is
-- unchanged (the chain number needs no place in it: moving a row to
-- another chain breaks the links of both). The server gives each writer
-- thread its own chain; a lock per chain keeps each chain in commit order.
ALTER TABLE audit_events ADD COLUMN chain smallint NOT NULL DEFAULT 0
  CHECK (chain >= 0 AND chain < 256);
CREATE INDEX audit_events_chain ON audit_events (chain, seq);

CREATE FUNCTION rvi_audit_append(p_chain integer, p_actor_id uuid, p_actor_name text,
    p_action text, p_target_type text, p_target_id text, p_detail jsonb, p_address text)
    RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_prev bytea;
  v_seq bigint;
  v_at timestamptz;
  v_id uuid;
BEGIN
  PERFORM pg_advisory_xact_lock(7283001, p_chain);
  SELECT hash INTO v_prev FROM audit_events WHERE chain = p_chain ORDER BY seq DESC LIMIT 1;
  IF v_prev IS NULL THEN
    v_prev := decode(repeat('00', 32), 'hex');
  END IF;
  v_seq := nextval(pg_get_serial_sequence('audit_events', 'seq'));
  v_at := date_trunc('microseconds', clock_timestamp());
  INSERT INTO audit_events (seq, chain, at, actor_id, actor_name, action, target_type,
                            target_id, detail, address, prev_hash, hash)
  VALUES (v_seq, p_chain, v_at, p_actor_id, p_actor_name, p_action,
          coalesce(p_target_type, ''), coalesce(p_target_id, ''), coalesce(p_detail, '{}'),
          coalesce(p_address, ''), v_prev,
          sha256(rvi_audit_content(v_seq, v_at, p_actor_id, p_actor_name, p_action,
                 coalesce(p_target_type, ''), coalesce(p_target_id, ''),
                 coalesce(p_detail, '{}'), coalesce(p_address, ''), v_prev)))
  RETURNING id INTO v_id;
  RETURN v_id;
END
$$;

-- The one-chain form stays for callers that name no chain: chain 0.
CREATE OR REPLACE FUNCTION rvi_audit_append(p_actor_id uuid, p_actor_name text, p_action text,
    p_target_type text, p_target_id text, p_detail jsonb, p_address text)
    RETURNS uuid LANGUAGE sql AS $$
  SELECT rvi_audit_append(0, p_actor_id, p_actor_name, p_action, p_target_type, p_target_id,
                          p_detail, p_address)
$$;
