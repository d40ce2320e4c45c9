-- Servers no longer keep answers between requests, so nothing needs to hear of commits: the
-- write notifications of migrations 7 and 13 go.
DROP TRIGGER announce_access_update ON users;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'projects', 'roles', 'members', 'member_roles', 'web_forms'] LOOP
        EXECUTE format('DROP TRIGGER announce_access_write ON %I', t);
    END LOOP;
END;
$$;
DROP FUNCTION announce_access_write();
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
