-- The delivery worker takes due deliveries oldest-due first and stops at its batch: an index in
-- that order (status, next_attempt_at, id) lets a claim read one batch of it, where sorting
-- every due delivery by id made each claim cost the whole backlog.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, id);
