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
