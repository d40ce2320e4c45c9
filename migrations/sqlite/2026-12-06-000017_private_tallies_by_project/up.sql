-- Private contacts are visible to readers with view_private_contacts in one of their projects
-- (REDMINE_CRM.md §3.7), so their tallies need their projects too:
--
-- - visibility 2 rows (a private contact by author and assignee) now keep the contact's set of
--   projects, as its author or assignee sees it only where they read contacts;
-- - visibility 3 rows count every private contact again by its set of projects alone, whoever
--   wrote it: the total of a reader with view_private_contacts sums a few of those rather than
--   every author's. Totals of everything leave them out.
DROP TRIGGER contact_tallies_insert;
DROP TRIGGER contact_tallies_delete;
DROP TRIGGER contact_tallies_update;

CREATE TRIGGER contact_tallies_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    VALUES (new.visibility,
            CASE new.visibility WHEN 2 THEN coalesce(new.author_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 2 THEN coalesce(new.assigned_to_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
            new.id % 16, 1)
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, shard)
    DO UPDATE SET contacts = contacts + 1;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    SELECT 3, 0, 0, new.project_ids, new.id % 16, 1 WHERE new.visibility = 2
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER contact_tallies_delete AFTER DELETE ON contacts BEGIN
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE visibility = old.visibility
      AND author_id = CASE old.visibility WHEN 2 THEN coalesce(old.author_id, 0) ELSE 0 END
      AND assigned_to_id = CASE old.visibility WHEN 2 THEN coalesce(old.assigned_to_id, 0) ELSE 0 END
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND shard = old.id % 16;
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE old.visibility = 2 AND visibility = 3 AND author_id = 0 AND assigned_to_id = 0
      AND project_ids = old.project_ids AND shard = old.id % 16;
END;

CREATE TRIGGER contact_tallies_update AFTER UPDATE OF visibility, author_id, assigned_to_id, project_ids ON contacts BEGIN
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE visibility = old.visibility
      AND author_id = CASE old.visibility WHEN 2 THEN coalesce(old.author_id, 0) ELSE 0 END
      AND assigned_to_id = CASE old.visibility WHEN 2 THEN coalesce(old.assigned_to_id, 0) ELSE 0 END
      AND project_ids = CASE old.visibility WHEN 1 THEN '' ELSE old.project_ids END
      AND shard = old.id % 16;
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE old.visibility = 2 AND visibility = 3 AND author_id = 0 AND assigned_to_id = 0
      AND project_ids = old.project_ids AND shard = old.id % 16;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    VALUES (new.visibility,
            CASE new.visibility WHEN 2 THEN coalesce(new.author_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 2 THEN coalesce(new.assigned_to_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 1 THEN '' ELSE new.project_ids END,
            new.id % 16, 1)
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, shard)
    DO UPDATE SET contacts = contacts + 1;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    SELECT 3, 0, 0, new.project_ids, new.id % 16, 1 WHERE new.visibility = 2
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

DELETE FROM contact_tallies;
INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
SELECT visibility,
       CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
       CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
       CASE visibility WHEN 1 THEN '' ELSE project_ids END,
       id % 16, count(*)
FROM contacts GROUP BY 1, 2, 3, 4, 5;
INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
SELECT 3, 0, 0, project_ids, id % 16, count(*) FROM contacts WHERE visibility = 2 GROUP BY 4, 5;
