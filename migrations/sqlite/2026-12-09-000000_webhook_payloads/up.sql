-- A delivery's body moves to a table of its own, written once and shared by the deliveries of
-- one event to one owner's hooks in one format. A delivery row is written three times (queued,
-- claimed, its outcome) and each write carried the 1-2 KB body: with three hooks that was most
-- of the worker's writes, which on SQLite queue behind the one writer with every request's.
CREATE TABLE webhook_payloads (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- what was rendered (event 0: a ping), as whom (the hooks' owner) and how ('json' or 'xml')
    event_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    format TEXT NOT NULL,
    -- the record as GET showed it to that user: the envelope's data
    body TEXT NOT NULL
);

-- SQLite drops no column in place while keeping the table's text: the table is built anew.
ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_before;
DROP INDEX webhook_deliveries_due;
DROP INDEX webhook_deliveries_record;
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    -- 'contact:7': a hook's deliveries of one record go out in event_id order
    record_key TEXT NOT NULL,
    -- what is sent, shared with the other deliveries of the same rendering
    payload_id INTEGER NOT NULL REFERENCES webhook_payloads (id),
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
-- Each delivery kept its own body: each gets its own payload, numbered as the delivery.
INSERT INTO webhook_payloads (id, event_id, user_id, format, body)
SELECT d.id, d.event_id, h.user_id, h.format, d.body
FROM webhook_deliveries_before d JOIN webhooks h ON h.id = d.webhook_id;
INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, record_key, payload_id, status, attempts,
    last_response_code, last_response_body, next_attempt_at, occurred_at, queued_on, delivered_on)
SELECT id, webhook_id, event_id, event, record_key, id, status, attempts,
    last_response_code, last_response_body, next_attempt_at, occurred_at, queued_on, delivered_on
FROM webhook_deliveries_before;
-- Ids go on from where the old table's counter was, not from its highest row left.
DELETE FROM sqlite_sequence WHERE name = 'webhook_deliveries';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'webhook_deliveries', seq FROM sqlite_sequence WHERE name = 'webhook_deliveries_before';
DROP TABLE webhook_deliveries_before;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, id);
CREATE INDEX webhook_deliveries_record ON webhook_deliveries (webhook_id, record_key, event_id);
CREATE INDEX webhook_deliveries_payload ON webhook_deliveries (payload_id);

-- A payload goes with its last delivery (a hook deleted takes its deliveries by cascade).
CREATE TRIGGER webhook_payloads_unused AFTER DELETE ON webhook_deliveries
BEGIN
    DELETE FROM webhook_payloads
    WHERE id = OLD.payload_id
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE payload_id = OLD.payload_id);
END;
