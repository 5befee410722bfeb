-- The dispatcher claims due deliveries one subscription at a time (an index
-- seek per subscription, `FOR UPDATE SKIP LOCKED` on the rows it finds), so
-- a subscription at its concurrency cap never makes a claim scan past its
-- backlog, and instances claiming together skip each other's rows.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (subscription_id, next_attempt_at)
    WHERE status = 'pending';
