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
