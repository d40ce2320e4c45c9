-- Writes to what decides who a caller is and what they may do (users, memberships and their
-- roles, roles, projects, web forms) notify `contacts_server_writes` a second time, with the
-- payload '<schema> access': a server then remembers a caller found by API key across any
-- number of contact writes and looks them up again after these (src/db/watch.rs), as SQLite's
-- access_version lets it (its migration 11). A password login's last_login_on stamp is no such
-- write.
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
