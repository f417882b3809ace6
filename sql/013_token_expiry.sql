-- 013: API tokens that expire. A node that builds an export fetches the
-- segment files other nodes hold with a token of the export's requester
-- that lives only as long as the export may take (docs/nodes.md); tokens
-- made by `rvi users token` keep no expiry.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
