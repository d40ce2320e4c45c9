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

CREATE FUNCTION announce_access_write() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('contacts_server_writes', TG_TABLE_SCHEMA || ' access');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER announce_access_write AFTER INSERT OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION announce_access_write();
CREATE TRIGGER announce_access_update
    AFTER UPDATE OF login, hashed_password, firstname, lastname, mail, admin, status, api_key, api_key_digest
    ON users FOR EACH STATEMENT EXECUTE FUNCTION announce_access_write();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['projects', 'roles', 'members', 'member_roles', 'web_forms'] LOOP
        EXECUTE format('CREATE TRIGGER announce_access_write AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION announce_access_write()', t);
    END LOOP;
END;
$$;
