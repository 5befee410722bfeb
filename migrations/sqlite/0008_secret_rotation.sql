-- Which signature headers a subscription's deliveries carry, and the secret
-- a rotation is replacing (sealed like signing_secret) with the end of its
-- grace period, in microseconds since the epoch.
ALTER TABLE subscriptions ADD COLUMN signature_scheme TEXT NOT NULL DEFAULT 'inboundflow';
ALTER TABLE subscriptions ADD COLUMN previous_signing_secret TEXT;
ALTER TABLE subscriptions ADD COLUMN previous_secret_until INTEGER;
