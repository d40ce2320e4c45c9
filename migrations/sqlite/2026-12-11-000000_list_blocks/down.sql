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
            new.status = 'archived', new.id % 16, 1)
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
    SELECT 3, 0, 0, new.project_ids, new.status = 'archived', new.id % 16, 1 WHERE new.visibility = 2
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
      AND shard = old.id % 16;
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE old.visibility = 2 AND visibility = 3 AND author_id = 0 AND assigned_to_id = 0
      AND project_ids = old.project_ids AND archived = (old.status = 'archived') AND shard = old.id % 16;
END;

CREATE TRIGGER contact_tallies_update AFTER UPDATE OF visibility, author_id, assigned_to_id, project_ids, status ON contacts BEGIN
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE visibility = old.visibility
      AND author_id = CASE old.visibility WHEN 2 THEN coalesce(old.author_id, 0) ELSE 0 END
      AND assigned_to_id = CASE old.visibility WHEN 2 THEN coalesce(old.assigned_to_id, 0) ELSE 0 END
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND archived = (old.status = 'archived')
      AND shard = old.id % 16;
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE old.visibility = 2 AND visibility = 3 AND author_id = 0 AND assigned_to_id = 0
      AND project_ids = old.project_ids AND archived = (old.status = 'archived') AND shard = old.id % 16;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
    VALUES (new.visibility,
            CASE new.visibility WHEN 2 THEN coalesce(new.author_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 2 THEN coalesce(new.assigned_to_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
            new.status = 'archived', new.id % 16, 1)
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
    SELECT 3, 0, 0, new.project_ids, new.status = 'archived', new.id % 16, 1 WHERE new.visibility = 2
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
SELECT visibility,
       CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
       CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
       CASE visibility WHEN 1 THEN '' ELSE project_ids END,
       status = 'archived', id % 16, count(*)
FROM contacts GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
SELECT 3, 0, 0, project_ids, status = 'archived', id % 16, count(*) FROM contacts WHERE visibility = 2 GROUP BY 4, 5, 6;
DROP INDEX contact_tallies_assignee;
DROP INDEX contacts_private_assignee;
DROP INDEX contacts_private_author;
DROP TRIGGER contact_block_tallies_update;
DROP TRIGGER contact_block_tallies_delete;
DROP TRIGGER contact_block_tallies_insert;
DROP TABLE contact_block_tallies;
DROP TABLE contact_blocks;
