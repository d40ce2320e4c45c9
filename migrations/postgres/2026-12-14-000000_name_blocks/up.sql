-- Counted skipping for deep pages of the list sorted by name (`sort=name`, either way), as
-- migration 2026-12-11-000000 does for the newest-first list: the contacts are cut into blocks
-- of consecutive name keys (lower(first_name), lower(coalesce(last_name, '')), id), the order
-- `sort=name` reads, and each block's contacts are counted by what decides who sees them.
-- Sorting by name sorted every visible contact on every page (2.7 s at offset 500,000 of a
-- million); now a page adds block counts and walks one block along the index below. As the
-- list blocks' tables, neither changes an answer: both stay outside the data version. The keys
-- are COLLATE "C", as the names are, so blocks and pages compare them alike.
CREATE TABLE contact_name_blocks (
    first_key TEXT COLLATE "C" NOT NULL,
    last_key TEXT COLLATE "C" NOT NULL,
    starts_id INTEGER NOT NULL,
    PRIMARY KEY (first_key, last_key, starts_id)
);
-- The first block starts below every key.
INSERT INTO contact_name_blocks (first_key, last_key, starts_id) VALUES ('', '', 0);

-- Sharded as contact_block_tallies.
CREATE TABLE contact_name_block_tallies (
    first_key TEXT COLLATE "C" NOT NULL,
    last_key TEXT COLLATE "C" NOT NULL,
    starts_id INTEGER NOT NULL,
    visibility INTEGER NOT NULL,
    project_ids TEXT NOT NULL,
    archived BOOLEAN NOT NULL,
    shard INTEGER NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (first_key, last_key, starts_id, visibility, project_ids, archived, shard)
);

-- As contact_block_tallies_moved: -1 for each old row, +1 for each new one, each (block, key)
-- tally moved once by the sum.
CREATE FUNCTION contact_name_block_tallies_moved() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO contact_name_block_tallies AS t (first_key, last_key, starts_id, visibility, project_ids, archived, shard, contacts)
        SELECT b.first_key, b.last_key, b.starts_id, m.visibility,
               CASE m.visibility WHEN 1 THEN '' ELSE m.project_ids END, m.status = 'archived',
               coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                        pg_backend_pid() % 16),
               count(*)
        FROM new_rows AS m
        CROSS JOIN LATERAL (SELECT first_key, last_key, starts_id FROM contact_name_blocks
                            WHERE (first_key, last_key, starts_id)
                                  <= (lower(m.first_name), lower(coalesce(m.last_name, '')), m.id)
                            ORDER BY first_key DESC, last_key DESC, starts_id DESC LIMIT 1) AS b
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (first_key, last_key, starts_id, visibility, project_ids, archived, shard)
        DO UPDATE SET contacts = t.contacts + excluded.contacts;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO contact_name_block_tallies AS t (first_key, last_key, starts_id, visibility, project_ids, archived, shard, contacts)
        SELECT b.first_key, b.last_key, b.starts_id, m.visibility,
               CASE m.visibility WHEN 1 THEN '' ELSE m.project_ids END, m.status = 'archived',
               coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                        pg_backend_pid() % 16),
               -count(*)
        FROM old_rows AS m
        CROSS JOIN LATERAL (SELECT first_key, last_key, starts_id FROM contact_name_blocks
                            WHERE (first_key, last_key, starts_id)
                                  <= (lower(m.first_name), lower(coalesce(m.last_name, '')), m.id)
                            ORDER BY first_key DESC, last_key DESC, starts_id DESC LIMIT 1) AS b
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (first_key, last_key, starts_id, visibility, project_ids, archived, shard)
        DO UPDATE SET contacts = t.contacts + excluded.contacts;
    ELSE -- UPDATE
        INSERT INTO contact_name_block_tallies AS t (first_key, last_key, starts_id, visibility, project_ids, archived, shard, contacts)
        SELECT b.first_key, b.last_key, b.starts_id, m.visibility,
               CASE m.visibility WHEN 1 THEN '' ELSE m.project_ids END, m.status = 'archived',
               coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                        pg_backend_pid() % 16),
               sum(m.delta)
        FROM (SELECT first_name, last_name, id, visibility, project_ids, status, -1 AS delta FROM old_rows
              UNION ALL
              SELECT first_name, last_name, id, visibility, project_ids, status, 1 AS delta FROM new_rows) AS m
        CROSS JOIN LATERAL (SELECT first_key, last_key, starts_id FROM contact_name_blocks
                            WHERE (first_key, last_key, starts_id)
                                  <= (lower(m.first_name), lower(coalesce(m.last_name, '')), m.id)
                            ORDER BY first_key DESC, last_key DESC, starts_id DESC LIMIT 1) AS b
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING sum(m.delta) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (first_key, last_key, starts_id, visibility, project_ids, archived, shard)
        DO UPDATE SET contacts = t.contacts + excluded.contacts;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION contact_name_block_tallies_truncated() RETURNS trigger AS $$
BEGIN
    DELETE FROM contact_name_block_tallies;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contact_name_block_tallies_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_name_block_tallies_moved();
CREATE TRIGGER contact_name_block_tallies_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_name_block_tallies_moved();
CREATE TRIGGER contact_name_block_tallies_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_name_block_tallies_moved();
CREATE TRIGGER contact_name_block_tallies_truncate AFTER TRUNCATE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contact_name_block_tallies_truncated();

INSERT INTO contact_name_block_tallies (first_key, last_key, starts_id, visibility, project_ids, archived, shard, contacts)
SELECT '', '', 0, visibility, CASE visibility WHEN 1 THEN '' ELSE project_ids END, status = 'archived', 0, count(*)
FROM contacts GROUP BY 4, 5, 6;

-- The name order itself, which `sort=name` pages walk (from the start of their block), and
-- through which a block is cut without reading the whole table.
CREATE INDEX contacts_name_order ON contacts (lower(first_name), lower(coalesce(last_name, '')), id);
