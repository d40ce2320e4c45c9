-- Counted skipping for deep pages of the default list (newest first: created_on DESC, id DESC).
-- The contacts are cut into blocks of consecutive (created_on, id) keys, each starting at its
-- row of contact_blocks; contact_block_tallies counts each block's contacts by what decides who
-- sees them (as contact_tallies does for the whole table: visibility, projects for all but
-- public ones, archived). A reader adds the counts of the blocks it sees until the page's offset
-- and walks only inside the block where the page starts. The counts are exact in every
-- transaction (these triggers); the blocks' sizes only matter for speed, and the server cuts
-- blocks that grew too large (`store::list_blocks::split`, which holds contacts' writes while it
-- does). Neither table changes an answer: both stay outside the data version.
CREATE TABLE contact_blocks (
    starts_on TIMESTAMP NOT NULL,
    starts_id INTEGER NOT NULL,
    PRIMARY KEY (starts_on, starts_id)
);
-- The first block starts below every key.
INSERT INTO contact_blocks (starts_on, starts_id) VALUES ('0001-01-01 00:00:00', 0);

-- Sharded as contact_tallies (migration 8): writers on different connections do not queue on
-- one row lock of the newest block.
CREATE TABLE contact_block_tallies (
    starts_on TIMESTAMP NOT NULL,
    starts_id INTEGER NOT NULL,
    visibility INTEGER NOT NULL,
    project_ids TEXT NOT NULL,
    archived BOOLEAN NOT NULL,
    shard INTEGER NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (starts_on, starts_id, visibility, project_ids, archived, shard)
);

-- One function for the three kinds of write: it reads the statement's transition tables
-- (only the columns the tallies key on), -1 for each old row and +1 for each new one, and
-- moves each (block, key) tally once by the sum. (Arrays of whole rows, as contact_tallies_move
-- takes them, cost about a tenth of a bulk load.)
CREATE FUNCTION contact_block_tallies_moved() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO contact_block_tallies AS t (starts_on, starts_id, visibility, project_ids, archived, shard, contacts)
        SELECT b.starts_on, b.starts_id, m.visibility,
               CASE m.visibility WHEN 1 THEN '' ELSE m.project_ids END, m.status = 'archived',
               coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                        pg_backend_pid() % 16),
               count(*)
        FROM new_rows AS m
        CROSS JOIN LATERAL (SELECT starts_on, starts_id FROM contact_blocks
                            WHERE (starts_on, starts_id) <= (m.created_on, m.id)
                            ORDER BY starts_on DESC, starts_id DESC LIMIT 1) AS b
        GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (starts_on, starts_id, visibility, project_ids, archived, shard)
        DO UPDATE SET contacts = t.contacts + excluded.contacts;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO contact_block_tallies AS t (starts_on, starts_id, visibility, project_ids, archived, shard, contacts)
        SELECT b.starts_on, b.starts_id, m.visibility,
               CASE m.visibility WHEN 1 THEN '' ELSE m.project_ids END, m.status = 'archived',
               coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                        pg_backend_pid() % 16),
               -count(*)
        FROM old_rows AS m
        CROSS JOIN LATERAL (SELECT starts_on, starts_id FROM contact_blocks
                            WHERE (starts_on, starts_id) <= (m.created_on, m.id)
                            ORDER BY starts_on DESC, starts_id DESC LIMIT 1) AS b
        GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (starts_on, starts_id, visibility, project_ids, archived, shard)
        DO UPDATE SET contacts = t.contacts + excluded.contacts;
    ELSE -- UPDATE
        INSERT INTO contact_block_tallies AS t (starts_on, starts_id, visibility, project_ids, archived, shard, contacts)
        SELECT b.starts_on, b.starts_id, m.visibility,
               CASE m.visibility WHEN 1 THEN '' ELSE m.project_ids END, m.status = 'archived',
               coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                        pg_backend_pid() % 16),
               sum(m.delta)
        FROM (SELECT created_on, id, visibility, project_ids, status, -1 AS delta FROM old_rows
              UNION ALL
              SELECT created_on, id, visibility, project_ids, status, 1 AS delta FROM new_rows) AS m
        CROSS JOIN LATERAL (SELECT starts_on, starts_id FROM contact_blocks
                            WHERE (starts_on, starts_id) <= (m.created_on, m.id)
                            ORDER BY starts_on DESC, starts_id DESC LIMIT 1) AS b
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(m.delta) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (starts_on, starts_id, visibility, project_ids, archived, shard)
        DO UPDATE SET contacts = t.contacts + excluded.contacts;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION contact_block_tallies_truncated() RETURNS trigger AS $$
BEGIN
    DELETE FROM contact_block_tallies;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contact_block_tallies_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_block_tallies_moved();
CREATE TRIGGER contact_block_tallies_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_block_tallies_moved();
CREATE TRIGGER contact_block_tallies_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_block_tallies_moved();
CREATE TRIGGER contact_block_tallies_truncate AFTER TRUNCATE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contact_block_tallies_truncated();

INSERT INTO contact_block_tallies (starts_on, starts_id, visibility, project_ids, archived, shard, contacts)
SELECT '0001-01-01 00:00:00', 0, visibility, CASE visibility WHEN 1 THEN '' ELSE project_ids END,
       status = 'archived', 0, count(*)
FROM contacts GROUP BY 3, 4, 5;

-- A reader's own private contacts (as author or assignee) are visible to it alone: not in the
-- tallies' reach, they are found by these, from the page's block on.
CREATE INDEX contacts_private_author ON contacts (author_id, created_on, id) WHERE visibility = 2;
CREATE INDEX contacts_private_assignee ON contacts (assigned_to_id, created_on, id) WHERE visibility = 2;

-- The unfiltered list's total reads the reader's own private tallies (contact_tallies) by
-- author, a prefix of their key, and by assignee, which had to scan every private tally row
-- (27,000 at a million contacts: most of a list's time). Not a covering index: every write
-- changes a tally's count, and an index holding it would be rewritten with it.
CREATE INDEX contact_tallies_assignee ON contact_tallies (visibility, assigned_to_id);
