-- Ids are time-ordered UUIDv7 stored as 16-byte blobs; instants are
-- microseconds since the Unix epoch (UTC).

CREATE TABLE subscriptions (
    id                   BLOB PRIMARY KEY NOT NULL,
    organization_id      TEXT NOT NULL,
    url                  TEXT NOT NULL,
    integration          TEXT NOT NULL,
    -- One bit per event type (see EventType::bit).
    event_types          INTEGER NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    signing_secret       TEXT,
    status               TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    disabled_reason      TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_success_at      INTEGER,
    last_failure_at      INTEGER,
    last_error           TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    -- Deleted subscriptions are kept so their delivery log stays readable.
    deleted_at           INTEGER
);
CREATE INDEX subscriptions_by_organization ON subscriptions (organization_id, id)
    WHERE deleted_at IS NULL;

CREATE TABLE events (
    id              BLOB PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    occurred_at     INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    idempotency_key TEXT,
    -- The contract's `data` object, rendered once at emit time.
    data            TEXT NOT NULL,
    -- Sample events sent by TestSubscription; never replayed.
    test            INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX events_by_idempotency_key ON events (organization_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_by_occurrence ON events (organization_id, occurred_at);

CREATE TABLE deliveries (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL,
    event_id         BLOB NOT NULL REFERENCES events (id),
    subscription_id  BLOB NOT NULL REFERENCES subscriptions (id),
    event_type       TEXT NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'cancelled')),
    attempt_count    INTEGER NOT NULL DEFAULT 0,
    -- Failures since creation or the last redelivery; indexes the retry schedule.
    round_failures   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    test             INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
-- One (event, subscription) pair is one delivery.
CREATE UNIQUE INDEX deliveries_by_event_subscription ON deliveries (event_id, subscription_id);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries (lease_expires_at) WHERE status = 'in_flight';
CREATE INDEX deliveries_by_organization ON deliveries (organization_id, id);
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, id);

CREATE TABLE attempts (
    delivery_id      BLOB NOT NULL REFERENCES deliveries (id),
    number           INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_us      INTEGER NOT NULL,
    status_code      INTEGER,
    error            TEXT,
    response_excerpt TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;
