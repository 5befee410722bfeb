-- Short-lived tokens for the Integrations page, scoped to one organization.
-- Only a token's SHA-256 is stored. `api_key_id` is the key that minted it:
-- a token of a revoked key is refused. Expired rows are deleted as new ones
-- are made.
CREATE TABLE embed_tokens (
    id              BLOB PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL,
    api_key_id      BLOB NOT NULL REFERENCES api_keys (id),
    token_hash      BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX embed_tokens_by_hash ON embed_tokens (token_hash);
CREATE INDEX embed_tokens_by_expiry ON embed_tokens (expires_at);
