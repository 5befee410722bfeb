-- API keys. Only a key's SHA-256 is stored; `prefix` is its first characters,
-- to tell keys apart in a list. Operator keys belong to no organization.
CREATE TABLE api_keys (
    id              BLOB PRIMARY KEY NOT NULL,
    organization_id TEXT,
    role            TEXT NOT NULL CHECK (role IN ('emitter', 'admin', 'operator')),
    name            TEXT NOT NULL DEFAULT '',
    prefix          TEXT NOT NULL,
    key_hash        BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    CHECK ((role = 'operator') = (organization_id IS NULL))
);
CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (key_hash);
CREATE INDEX api_keys_by_organization ON api_keys (organization_id, id);
