DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename <> '__diesel_schema_migrations'
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS announce_write ON %I', t.tablename);
    END LOOP;
END;
$$;
DROP FUNCTION announce_write();
