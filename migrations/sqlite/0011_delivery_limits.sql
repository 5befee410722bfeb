-- Per-subscription delivery limits set by its owner; 0 means not set (the
-- service's default in-flight cap, no rate limit).
ALTER TABLE subscriptions ADD COLUMN max_in_flight INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN max_per_second INTEGER NOT NULL DEFAULT 0;
