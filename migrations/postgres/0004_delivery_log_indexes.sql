-- The delivery log is read newest first, one page at a time, filtered by
-- organization or subscription, optionally by status, or by event. Each
-- filter combination gets an index of its equality columns then `id`, so a
-- page is one backward range scan that stops after its rows (time filters
-- are id bounds, as ids are time-ordered). (organization_id, id) and
-- (subscription_id, id) exist already.
CREATE INDEX deliveries_by_organization_status ON deliveries (organization_id, status, id);
CREATE INDEX deliveries_by_subscription_status ON deliveries (subscription_id, status, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id, id);
