-- Which signature headers a subscription's deliveries carry, and the secret
-- a rotation is replacing (sealed like signing_secret) with the end of its
-- grace period.
ALTER TABLE subscriptions ADD COLUMN signature_scheme text NOT NULL DEFAULT 'inboundflow'
    CHECK (signature_scheme IN ('inboundflow', 'standard_webhooks', 'both'));
ALTER TABLE subscriptions ADD COLUMN previous_signing_secret text;
ALTER TABLE subscriptions ADD COLUMN previous_secret_until timestamptz;
