-- Bodies back into their deliveries: the table as migration 2026-12-07-300000 made it.
DROP TRIGGER webhook_payloads_unused ON webhook_deliveries;
DROP FUNCTION webhook_payloads_unused();
ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_before;
ALTER SEQUENCE webhook_deliveries_id_seq RENAME TO webhook_deliveries_before_id_seq;
ALTER INDEX webhook_deliveries_pkey RENAME TO webhook_deliveries_before_pkey;
DROP INDEX webhook_deliveries_due;
DROP INDEX webhook_deliveries_record;
DROP INDEX webhook_deliveries_payload;
CREATE TABLE webhook_deliveries (
    id SERIAL PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    -- 'contact:7': a hook's deliveries of one record go out in event_id order
    record_key TEXT NOT NULL,
    body TEXT NOT NULL,
    -- 'pending', 'delivered' or 'failed'
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_response_code INTEGER,
    -- the first 1 KB of the last answer's body, or why there was none
    last_response_body TEXT,
    -- when a pending delivery is next tried (while one is in flight: when its claim lapses)
    next_attempt_at TIMESTAMP,
    occurred_at TIMESTAMP NOT NULL,
    -- when it was queued (again, by a redelivery): its day of retries counts from here
    queued_on TIMESTAMP NOT NULL,
    delivered_on TIMESTAMP
);
INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, record_key, body, status, attempts,
    last_response_code, last_response_body, next_attempt_at, occurred_at, queued_on, delivered_on)
SELECT d.id, d.webhook_id, d.event_id, d.event, d.record_key, p.body, d.status, d.attempts,
    d.last_response_code, d.last_response_body, d.next_attempt_at, d.occurred_at, d.queued_on, d.delivered_on
FROM webhook_deliveries_before d JOIN webhook_payloads p ON p.id = d.payload_id;
SELECT setval('webhook_deliveries_id_seq', last_value, is_called) FROM webhook_deliveries_before_id_seq;
DROP TABLE webhook_deliveries_before;
DROP TABLE webhook_payloads;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, id);
CREATE INDEX webhook_deliveries_record ON webhook_deliveries (webhook_id, record_key, event_id);
