-- A delivery's body moves to a table of its own, written once and shared by the deliveries of
-- one event to one owner's hooks in one format. A delivery row is written three times (queued,
-- claimed, its outcome) and each write carried the 1-2 KB body: with three hooks that was most
-- of the worker's writes, which on SQLite queue behind the one writer with every request's.
CREATE TABLE webhook_payloads (
    id SERIAL PRIMARY KEY,
    -- what was rendered (event 0: a ping), as whom (the hooks' owner) and how ('json' or 'xml')
    event_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    format TEXT NOT NULL,
    -- the record as GET showed it to that user: the envelope's data
    body TEXT NOT NULL
);

-- Built anew, as on SQLite (a column dropped and added would change the columns' order): the
-- old table, its sequence and its key's index step aside first.
ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_before;
ALTER SEQUENCE webhook_deliveries_id_seq RENAME TO webhook_deliveries_before_id_seq;
ALTER INDEX webhook_deliveries_pkey RENAME TO webhook_deliveries_before_pkey;
DROP INDEX webhook_deliveries_due;
DROP INDEX webhook_deliveries_record;
CREATE TABLE webhook_deliveries (
    id SERIAL PRIMARY KEY,
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
SELECT setval('webhook_payloads_id_seq', max(id)) FROM webhook_payloads HAVING count(*) > 0;
SELECT setval('webhook_deliveries_id_seq', last_value, is_called) FROM webhook_deliveries_before_id_seq;
DROP TABLE webhook_deliveries_before;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, id);
CREATE INDEX webhook_deliveries_record ON webhook_deliveries (webhook_id, record_key, event_id);
CREATE INDEX webhook_deliveries_payload ON webhook_deliveries (payload_id);

-- A payload goes with its last delivery (a hook deleted takes its deliveries by cascade).
-- (Two transactions deleting a payload's last two deliveries at once each see the other's:
-- the payload stays, costing its bytes only.)
CREATE FUNCTION webhook_payloads_unused() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM webhook_payloads
    WHERE id = OLD.payload_id
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE payload_id = OLD.payload_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_payloads_unused AFTER DELETE ON webhook_deliveries
FOR EACH ROW EXECUTE FUNCTION webhook_payloads_unused();
