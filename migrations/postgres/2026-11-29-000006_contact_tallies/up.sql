-- How many contacts each reader may see, kept as running tallies so a list's total_count is a
-- sum over a few rows instead of a count over every visible contact (1.3 s at a million).
--
-- Contacts are tallied by what decides their visibility: public ones all together; project
-- ones by their set of projects (`contacts.project_ids`, the ids in order, comma-separated);
-- private ones by author and assignee. A reader's total is the public tally, the project
-- tallies whose set meets the projects they may read, and the private tallies they wrote or
-- are assigned. `shard` (the id modulo 16) spreads concurrent writers over several rows, as a
-- tally row stays locked until its writer commits.
ALTER TABLE contacts ADD COLUMN project_ids TEXT NOT NULL DEFAULT '';
UPDATE contacts SET project_ids = links.ids
FROM (SELECT contact_id, string_agg(project_id::text, ',' ORDER BY project_id) AS ids
      FROM contacts_projects GROUP BY contact_id) AS links
WHERE links.contact_id = contacts.id;

CREATE TABLE contact_tallies (
    visibility INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    assigned_to_id INTEGER NOT NULL,
    project_ids TEXT COLLATE "C" NOT NULL,
    shard INTEGER NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (visibility, author_id, assigned_to_id, project_ids, shard)
);

-- Moves the contacts `gone` out of their tallies and `came` into theirs, in one statement
-- that takes the tally rows in key order, so two writers cannot wait for each other.
CREATE FUNCTION contact_tallies_move(gone contacts[], came contacts[]) RETURNS void AS $$
    INSERT INTO contact_tallies AS t (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    SELECT visibility,
           CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
           CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
           CASE visibility WHEN 0 THEN project_ids ELSE '' END,
           id % 16,
           sum(delta)
    FROM (SELECT c.*, -1 AS delta FROM unnest(gone) AS c
          UNION ALL
          SELECT c.*, 1 AS delta FROM unnest(came) AS c) AS moved
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(delta) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, shard)
    DO UPDATE SET contacts = t.contacts + excluded.contacts;
$$ LANGUAGE sql;

INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
SELECT visibility,
       CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
       CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
       CASE visibility WHEN 0 THEN project_ids ELSE '' END,
       id % 16, count(*)
FROM contacts GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION contact_tallies_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM contact_tallies_move(ARRAY[]::contacts[], ARRAY(SELECT n::contacts FROM new_rows AS n));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION contact_tallies_updated() RETURNS trigger AS $$
BEGIN
    PERFORM contact_tallies_move(ARRAY(SELECT o::contacts FROM old_rows AS o), ARRAY(SELECT n::contacts FROM new_rows AS n));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION contact_tallies_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM contact_tallies_move(ARRAY(SELECT o::contacts FROM old_rows AS o), ARRAY[]::contacts[]);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- Statement triggers: a bulk write moves each tally once, not once per row.
CREATE TRIGGER contact_tallies_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_tallies_inserted();
CREATE TRIGGER contact_tallies_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_tallies_updated();
CREATE TRIGGER contact_tallies_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_tallies_deleted();

-- A link added or removed rewrites its contact's set of projects (and so moves its tally). A
-- writer that already stored the set (a bulk load) pays only the look-up.
CREATE FUNCTION contacts_projects_relist() RETURNS trigger AS $$
BEGIN
    -- `= ANY (ARRAY(...))` keeps this a primary key look-up: the planner cannot tell how many
    -- rows a transition table holds, and a join read every contact (30 s of a 1M-row import).
    UPDATE contacts SET project_ids = coalesce(
        (SELECT string_agg(l.project_id::text, ',' ORDER BY l.project_id) FROM contacts_projects AS l
         WHERE l.contact_id = contacts.id), '')
    WHERE contacts.id = ANY (ARRAY(SELECT DISTINCT contact_id FROM changed_links))
      AND contacts.project_ids <> coalesce(
        (SELECT string_agg(l.project_id::text, ',' ORDER BY l.project_id) FROM contacts_projects AS l
         WHERE l.contact_id = contacts.id), '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contacts_projects_insert_relist AFTER INSERT ON contacts_projects
    REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION contacts_projects_relist();
CREATE TRIGGER contacts_projects_delete_relist AFTER DELETE ON contacts_projects
    REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION contacts_projects_relist();
