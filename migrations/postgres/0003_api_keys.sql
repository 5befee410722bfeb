-- API keys. Only a key's SHA-256 is stored; `prefix` is its first characters,
-- to tell keys apart in a list. Operator keys belong to no organization.
CREATE TABLE api_keys (
    id              uuid PRIMARY KEY,
    organization_id text,
    role            text NOT NULL CHECK (role IN ('emitter', 'admin', 'operator')),
    name            text NOT NULL DEFAULT '',
    prefix          text NOT NULL,
    key_hash        bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    CHECK ((role = 'operator') = (organization_id IS NULL))
);
CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (key_hash);
CREATE INDEX api_keys_by_organization ON api_keys (organization_id, id);
