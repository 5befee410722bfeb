-- Short-lived tokens for the Integrations page, scoped to one organization.
-- Only a token's SHA-256 is stored. `api_key_id` is the key that minted it:
-- a token of a revoked key is refused. Expired rows are deleted as new ones
-- are made.
CREATE TABLE embed_tokens (
    id              uuid PRIMARY KEY,
    organization_id text NOT NULL,
    api_key_id      uuid NOT NULL REFERENCES api_keys (id),
    token_hash      bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX embed_tokens_by_hash ON embed_tokens (token_hash);
CREATE INDEX embed_tokens_by_expiry ON embed_tokens (expires_at);
