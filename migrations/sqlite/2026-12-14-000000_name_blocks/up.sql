-- Counted skipping for deep pages of the list sorted by name (`sort=name`, either way), as
-- migration 2026-12-11-000000 does for the newest-first list: the contacts are cut into blocks
-- of consecutive name keys (lower(first_name), lower(coalesce(last_name, '')), id), the order
-- `sort=name` reads, and each block's contacts are counted by what decides who sees them.
-- Sorting by name sorted every visible contact on every page (3.9 s at offset 500,000 of a
-- million); now a page adds block counts and walks one block along the index below. As the
-- list blocks' tables, neither changes an answer: both stay outside the data version.
CREATE TABLE contact_name_blocks (
    first_key TEXT NOT NULL,
    last_key TEXT NOT NULL,
    starts_id INTEGER NOT NULL,
    PRIMARY KEY (first_key, last_key, starts_id)
);
-- The first block starts below every key.
INSERT INTO contact_name_blocks (first_key, last_key, starts_id) VALUES ('', '', 0);

CREATE TABLE contact_name_block_tallies (
    first_key TEXT NOT NULL,
    last_key TEXT NOT NULL,
    starts_id INTEGER NOT NULL,
    visibility INTEGER NOT NULL,
    project_ids TEXT NOT NULL,
    archived BOOLEAN NOT NULL,
    shard INTEGER NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (first_key, last_key, starts_id, visibility, project_ids, archived, shard)
);

CREATE TRIGGER contact_name_block_tallies_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_name_block_tallies (first_key, last_key, starts_id, visibility, project_ids, archived, shard, contacts)
    SELECT first_key, last_key, starts_id, new.visibility, CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
           new.status = 'archived', 0, 1
    FROM contact_name_blocks
    WHERE (first_key, last_key, starts_id) <= (lower(new.first_name), lower(coalesce(new.last_name, '')), new.id)
    ORDER BY first_key DESC, last_key DESC, starts_id DESC LIMIT 1
    ON CONFLICT (first_key, last_key, starts_id, visibility, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER contact_name_block_tallies_delete AFTER DELETE ON contacts BEGIN
    UPDATE contact_name_block_tallies SET contacts = contacts - 1
    WHERE (first_key, last_key, starts_id) = (
              SELECT first_key, last_key, starts_id FROM contact_name_blocks
              WHERE (first_key, last_key, starts_id) <= (lower(old.first_name), lower(coalesce(old.last_name, '')), old.id)
              ORDER BY first_key DESC, last_key DESC, starts_id DESC LIMIT 1)
      AND visibility = old.visibility
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND archived = (old.status = 'archived')
      AND shard = 0;
END;

CREATE TRIGGER contact_name_block_tallies_update
AFTER UPDATE OF first_name, last_name, visibility, project_ids, status ON contacts BEGIN
    UPDATE contact_name_block_tallies SET contacts = contacts - 1
    WHERE (first_key, last_key, starts_id) = (
              SELECT first_key, last_key, starts_id FROM contact_name_blocks
              WHERE (first_key, last_key, starts_id) <= (lower(old.first_name), lower(coalesce(old.last_name, '')), old.id)
              ORDER BY first_key DESC, last_key DESC, starts_id DESC LIMIT 1)
      AND visibility = old.visibility
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND archived = (old.status = 'archived')
      AND shard = 0;
    INSERT INTO contact_name_block_tallies (first_key, last_key, starts_id, visibility, project_ids, archived, shard, contacts)
    SELECT first_key, last_key, starts_id, new.visibility, CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
           new.status = 'archived', 0, 1
    FROM contact_name_blocks
    WHERE (first_key, last_key, starts_id) <= (lower(new.first_name), lower(coalesce(new.last_name, '')), new.id)
    ORDER BY first_key DESC, last_key DESC, starts_id DESC LIMIT 1
    ON CONFLICT (first_key, last_key, starts_id, visibility, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

INSERT INTO contact_name_block_tallies (first_key, last_key, starts_id, visibility, project_ids, archived, shard, contacts)
SELECT '', '', 0, visibility, CASE visibility WHEN 1 THEN '' ELSE project_ids END, status = 'archived', 0, count(*)
FROM contacts GROUP BY 4, 5, 6;

-- The name order itself, which `sort=name` pages walk (from the start of their block), and
-- through which a block is cut without reading the whole table. It also holds what decides who
-- sees a contact: the name order is not the rows' order in the file, so a walk that read each
-- row to test it read a page of the file per row (50-100 ms for a block at a million contacts);
-- tested from the index, only the page's own rows are read.
CREATE INDEX contacts_name_order ON contacts (lower(first_name), lower(coalesce(last_name, '')), id,
                                              visibility, status, project_ids, author_id, assigned_to_id);
