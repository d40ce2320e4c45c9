-- Webhooks (issue 25). A hook belongs to the user who registered it (what it may be told is what
-- they may see) and, for a project hook, to a project. The secret is kept to sign deliveries.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- comma-separated event names, or '*'
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    -- 'json' or 'xml'
    format TEXT NOT NULL DEFAULT 'json',
    active BOOLEAN NOT NULL DEFAULT 1,
    -- why the server turned the hook off, when it did
    disabled_reason TEXT,
    -- the first failed attempt since the last success
    failing_since TIMESTAMP,
    created_on TIMESTAMP NOT NULL,
    updated_on TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_project ON webhooks (project_id);

-- The outbox: one row per change, written in the change's transaction; the delivery worker
-- turns each into one delivery per hook that hears it, then deletes it.
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    -- comma-separated ids of the record's projects when it changed (a deleted record has none left)
    project_ids TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);

-- One event for one hook: its body rendered once, sent until a 2xx or for a day of retries.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
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
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_record ON webhook_deliveries (webhook_id, record_key, event_id);

-- The seeded Manager role may manage its projects' hooks, as it holds every other permission.
UPDATE roles SET permissions = permissions || ',manage_webhooks'
WHERE name = 'Manager'
  AND permissions = 'view_contacts,add_contacts,edit_contacts,delete_contacts,view_private_contacts,add_notes,delete_notes,delete_own_notes,view_deals,add_deals,edit_deals,delete_deals,manage_deals,manage_contacts,import_contacts,export_contacts,edit_project,manage_members,add_project,manage_public_queries';
