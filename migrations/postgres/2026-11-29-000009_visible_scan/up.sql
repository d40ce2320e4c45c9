-- Whether two comma-separated id lists share an id: a reader's projects against a contact's
-- (`contacts.project_ids`), one test per row in place of a correlated subquery on the links.
-- Plain SQL, so the planner inlines it. SQLite has the same function, registered by the server
-- on each connection.
CREATE FUNCTION shares_project(project_ids text, wanted text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT string_to_array(project_ids, ',') && string_to_array(wanted, ',') $$;
