-- Ids are time-ordered UUIDv7 (`uuid` compares bytewise, as SQLite's blobs
-- do, so id order is creation order on both backends); instants are
-- `timestamptz`, which keeps microseconds: the precision the API returns.

CREATE TABLE subscriptions (
    id                   uuid PRIMARY KEY,
    organization_id      text NOT NULL,
    url                  text NOT NULL,
    integration          text NOT NULL,
    -- One bit per event type (see EventType::bit).
    event_types          bigint NOT NULL,
    description          text NOT NULL DEFAULT '',
    -- Sealed (see domain::secret_box), never plain text.
    signing_secret       text,
    status               text NOT NULL CHECK (status IN ('enabled', 'disabled')),
    disabled_reason      text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    last_success_at      timestamptz,
    last_failure_at      timestamptz,
    last_error           text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    -- Deleted subscriptions are kept so their delivery log stays readable.
    deleted_at           timestamptz
);
CREATE INDEX subscriptions_by_organization ON subscriptions (organization_id, id)
    WHERE deleted_at IS NULL;

CREATE TABLE events (
    id              uuid PRIMARY KEY,
    organization_id text NOT NULL,
    event_type      text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    idempotency_key text,
    -- The contract's `data` object, rendered once at emit time. Text, not
    -- jsonb: receivers get these exact bytes, key order included.
    data            text NOT NULL,
    -- Sample events sent by TestSubscription; never replayed.
    test            boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX events_by_idempotency_key ON events (organization_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_by_occurrence ON events (organization_id, occurred_at);

CREATE TABLE deliveries (
    id               uuid PRIMARY KEY,
    organization_id  text NOT NULL,
    event_id         uuid NOT NULL REFERENCES events (id),
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
    event_type       text NOT NULL,
    status           text NOT NULL
        CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'cancelled')),
    attempt_count    integer NOT NULL DEFAULT 0,
    -- Failures since creation or the last redelivery; indexes the retry schedule.
    round_failures   integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    lease_owner      text,
    lease_expires_at timestamptz,
    -- The store instance that took the lease (its connections'
    -- application_name): while it is connected, its leases are live.
    lease_instance   text,
    last_status_code integer,
    last_error       text,
    test             boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
-- One (event, subscription) pair is one delivery.
CREATE UNIQUE INDEX deliveries_by_event_subscription ON deliveries (event_id, subscription_id);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries (lease_expires_at) WHERE status = 'in_flight';
CREATE INDEX deliveries_by_organization ON deliveries (organization_id, id);
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, id);

CREATE TABLE attempts (
    delivery_id      uuid NOT NULL REFERENCES deliveries (id),
    number           integer NOT NULL,
    started_at       timestamptz NOT NULL,
    duration_us      bigint NOT NULL,
    status_code      integer,
    error            text,
    response_excerpt text NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, number)
);
