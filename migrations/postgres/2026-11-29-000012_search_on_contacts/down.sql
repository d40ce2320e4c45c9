DROP VIEW contacts_search;
DROP INDEX contacts_search_trgm;
CREATE TABLE contacts_search (
    rowid INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    search_text TEXT NOT NULL
);
INSERT INTO contacts_search (rowid, search_text) SELECT id, search_text FROM contacts;
CREATE INDEX contacts_search_trgm ON contacts_search USING gin (search_text public.gin_trgm_ops);
CREATE TRIGGER announce_write AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contacts_search
    FOR EACH STATEMENT EXECUTE FUNCTION announce_write();

CREATE FUNCTION contacts_search_sync() RETURNS trigger AS $$
BEGIN
    INSERT INTO contacts_search (rowid, search_text) VALUES (NEW.id, NEW.search_text)
    ON CONFLICT (rowid) DO UPDATE SET search_text = EXCLUDED.search_text;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION contacts_search_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO contacts_search (rowid, search_text) SELECT id, search_text FROM new_rows;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_search_inserted();
CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_search_sync();
