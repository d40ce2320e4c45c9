-- Every write statement on every table notifies `contacts_server_writes`, so each server
-- instance's LISTEN connection learns of commits made through the others and drops its cached
-- answers (see src/db/watch.rs). PostgreSQL delivers a notification only when its transaction
-- commits, and folds a transaction's identical notifications into one. The payload is the
-- schema written to, so servers of other schemas in the database ignore it. A table added by
-- a later migration needs the same trigger.
CREATE FUNCTION announce_write() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('contacts_server_writes', TG_TABLE_SCHEMA);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename <> '__diesel_schema_migrations'
    LOOP
        EXECUTE format('CREATE TRIGGER announce_write AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION announce_write()', t.tablename);
    END LOOP;
END;
$$;
