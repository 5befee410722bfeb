-- Per-subscription delivery limits set by its owner; 0 means not set (the
-- service's default in-flight cap, no rate limit).
ALTER TABLE subscriptions ADD COLUMN max_in_flight integer NOT NULL DEFAULT 0
    CHECK (max_in_flight >= 0);
ALTER TABLE subscriptions ADD COLUMN max_per_second integer NOT NULL DEFAULT 0
    CHECK (max_per_second >= 0);
