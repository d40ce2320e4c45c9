-- Counted skipping for deep pages of the default list (newest first: created_on DESC, id DESC).
-- The contacts are cut into blocks of consecutive (created_on, id) keys, each starting at its
-- row of contact_blocks; contact_block_tallies counts each block's contacts by what decides who
-- sees them (as contact_tallies does for the whole table: visibility, projects for all but
-- public ones, archived). A reader adds the counts of the blocks it sees until the page's offset
-- and walks only inside the block where the page starts. The counts are exact in every
-- transaction (these triggers); the blocks' sizes only matter for speed, and the server cuts
-- blocks that grew too large (`store::list_blocks::split`). Neither table changes an answer:
-- both stay outside the data version.
CREATE TABLE contact_blocks (
    starts_on TIMESTAMP NOT NULL,
    starts_id INTEGER NOT NULL,
    PRIMARY KEY (starts_on, starts_id)
);
-- The first block starts below every key.
INSERT INTO contact_blocks (starts_on, starts_id) VALUES ('0001-01-01 00:00:00', 0);

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

CREATE TRIGGER contact_block_tallies_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_block_tallies (starts_on, starts_id, visibility, project_ids, archived, shard, contacts)
    SELECT starts_on, starts_id, new.visibility, CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
           new.status = 'archived', 0, 1
    FROM contact_blocks WHERE (starts_on, starts_id) <= (new.created_on, new.id)
    ORDER BY starts_on DESC, starts_id DESC LIMIT 1
    ON CONFLICT (starts_on, starts_id, visibility, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER contact_block_tallies_delete AFTER DELETE ON contacts BEGIN
    UPDATE contact_block_tallies SET contacts = contacts - 1
    WHERE (starts_on, starts_id) = (SELECT starts_on, starts_id FROM contact_blocks
                                    WHERE (starts_on, starts_id) <= (old.created_on, old.id)
                                    ORDER BY starts_on DESC, starts_id DESC LIMIT 1)
      AND visibility = old.visibility
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND archived = (old.status = 'archived')
      AND shard = 0;
END;

CREATE TRIGGER contact_block_tallies_update
AFTER UPDATE OF created_on, visibility, project_ids, status ON contacts BEGIN
    UPDATE contact_block_tallies SET contacts = contacts - 1
    WHERE (starts_on, starts_id) = (SELECT starts_on, starts_id FROM contact_blocks
                                    WHERE (starts_on, starts_id) <= (old.created_on, old.id)
                                    ORDER BY starts_on DESC, starts_id DESC LIMIT 1)
      AND visibility = old.visibility
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND archived = (old.status = 'archived')
      AND shard = 0;
    INSERT INTO contact_block_tallies (starts_on, starts_id, visibility, project_ids, archived, shard, contacts)
    SELECT starts_on, starts_id, new.visibility, CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
           new.status = 'archived', 0, 1
    FROM contact_blocks WHERE (starts_on, starts_id) <= (new.created_on, new.id)
    ORDER BY starts_on DESC, starts_id DESC LIMIT 1
    ON CONFLICT (starts_on, starts_id, visibility, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

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

-- One writer at a time on SQLite: the tallies' 16 shards (there for PostgreSQL's concurrent
-- writers) only multiplied the rows a total reads, 16 times over for the private ones. One shard.
DROP TRIGGER contact_tallies_insert;
DROP TRIGGER contact_tallies_delete;
DROP TRIGGER contact_tallies_update;
DELETE FROM contact_tallies;
CREATE TRIGGER contact_tallies_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
    VALUES (new.visibility,
            CASE new.visibility WHEN 2 THEN coalesce(new.author_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 2 THEN coalesce(new.assigned_to_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
            new.status = 'archived', 0, 1)
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
    SELECT 3, 0, 0, new.project_ids, new.status = 'archived', 0, 1 WHERE new.visibility = 2
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER contact_tallies_delete AFTER DELETE ON contacts BEGIN
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE visibility = old.visibility
      AND author_id = CASE old.visibility WHEN 2 THEN coalesce(old.author_id, 0) ELSE 0 END
      AND assigned_to_id = CASE old.visibility WHEN 2 THEN coalesce(old.assigned_to_id, 0) ELSE 0 END
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND archived = (old.status = 'archived')
      AND shard = 0;
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE old.visibility = 2 AND visibility = 3 AND author_id = 0 AND assigned_to_id = 0
      AND project_ids = old.project_ids AND archived = (old.status = 'archived') AND shard = 0;
END;

CREATE TRIGGER contact_tallies_update AFTER UPDATE OF visibility, author_id, assigned_to_id, project_ids, status ON contacts BEGIN
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE visibility = old.visibility
      AND author_id = CASE old.visibility WHEN 2 THEN coalesce(old.author_id, 0) ELSE 0 END
      AND assigned_to_id = CASE old.visibility WHEN 2 THEN coalesce(old.assigned_to_id, 0) ELSE 0 END
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND archived = (old.status = 'archived')
      AND shard = 0;
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE old.visibility = 2 AND visibility = 3 AND author_id = 0 AND assigned_to_id = 0
      AND project_ids = old.project_ids AND archived = (old.status = 'archived') AND shard = 0;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
    VALUES (new.visibility,
            CASE new.visibility WHEN 2 THEN coalesce(new.author_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 2 THEN coalesce(new.assigned_to_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
            new.status = 'archived', 0, 1)
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
    SELECT 3, 0, 0, new.project_ids, new.status = 'archived', 0, 1 WHERE new.visibility = 2
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
SELECT visibility,
       CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
       CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
       CASE visibility WHEN 1 THEN '' ELSE project_ids END,
       status = 'archived', 0, count(*)
FROM contacts GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
SELECT 3, 0, 0, project_ids, status = 'archived', 0, count(*) FROM contacts WHERE visibility = 2 GROUP BY 4, 5, 6;
