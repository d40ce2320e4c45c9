-- Substring search served by an index: each contact's search text with a pg_trgm GIN index,
-- which answers `search_text LIKE '%fragment%'`. The same table name and columns as SQLite's
-- FTS5 table, so one query serves both; triggers keep it in step inside the writing transaction.
-- In `public`, so every schema (tests give each test its own) finds its operator class.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE TABLE contacts_search (
    rowid INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    search_text TEXT NOT NULL
);
INSERT INTO contacts_search (rowid, search_text) SELECT id, search_text FROM contacts;
CREATE INDEX contacts_search_trgm ON contacts_search USING gin (search_text public.gin_trgm_ops);

CREATE FUNCTION contacts_search_sync() RETURNS trigger AS $$
BEGIN
    INSERT INTO contacts_search (rowid, search_text) VALUES (NEW.id, NEW.search_text)
    ON CONFLICT (rowid) DO UPDATE SET search_text = EXCLUDED.search_text;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contacts_search_write AFTER INSERT OR UPDATE OF search_text ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_search_sync();
