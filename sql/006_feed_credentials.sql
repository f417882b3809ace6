-- 006: the live event feed (server/event-feed.c) closes a client whose
-- session or token ended, on every node, and one whose user's role or
-- disabled flag changed or who was deleted (its role filter would be stale). The triggers
-- send notifications on the feed's channel that the feed acts on itself
-- and never forwards:
--   {"kind": "credential_ended", "id": HEX}   HEX = hex of the token's SHA-256
--   {"kind": "user_changed", "id": USER_ID}
CREATE FUNCTION rvi_notify_credential_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rvi_events', json_build_object(
    'kind', 'credential_ended', 'id', encode(OLD.token_hash, 'hex'))::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER sessions_notify_ended AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_credential_ended();
CREATE TRIGGER api_tokens_notify_revoked AFTER UPDATE OF revoked_at ON api_tokens
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION rvi_notify_credential_ended();
CREATE TRIGGER api_tokens_notify_deleted AFTER DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_credential_ended();

CREATE FUNCTION rvi_notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rvi_events', json_build_object('kind', 'user_changed', 'id', OLD.id)::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_changed AFTER UPDATE OF role, disabled, deleted_at ON users
  FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.disabled IS DISTINCT FROM NEW.disabled
                     OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
  EXECUTE FUNCTION rvi_notify_user_changed();
