DROP TRIGGER contact_tallies_insert;
DROP TRIGGER contact_tallies_delete;
DROP TRIGGER contact_tallies_update;

CREATE TRIGGER contact_tallies_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    VALUES (new.visibility,
            CASE new.visibility WHEN 2 THEN coalesce(new.author_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 2 THEN coalesce(new.assigned_to_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 0 THEN new.project_ids ELSE '' END,
            new.id % 16, 1)
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER contact_tallies_delete AFTER DELETE ON contacts BEGIN
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE visibility = old.visibility
      AND author_id = CASE old.visibility WHEN 2 THEN coalesce(old.author_id, 0) ELSE 0 END
      AND assigned_to_id = CASE old.visibility WHEN 2 THEN coalesce(old.assigned_to_id, 0) ELSE 0 END
      AND project_ids = CASE old.visibility WHEN 0 THEN old.project_ids ELSE '' END
      AND shard = old.id % 16;
END;

CREATE TRIGGER contact_tallies_update AFTER UPDATE OF visibility, author_id, assigned_to_id, project_ids ON contacts BEGIN
    UPDATE contact_tallies SET contacts = contacts - 1
    WHERE visibility = old.visibility
      AND author_id = CASE old.visibility WHEN 2 THEN coalesce(old.author_id, 0) ELSE 0 END
      AND assigned_to_id = CASE old.visibility WHEN 2 THEN coalesce(old.assigned_to_id, 0) ELSE 0 END
      AND project_ids = CASE old.visibility WHEN 0 THEN old.project_ids ELSE '' END
      AND shard = old.id % 16;
    INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    VALUES (new.visibility,
            CASE new.visibility WHEN 2 THEN coalesce(new.author_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 2 THEN coalesce(new.assigned_to_id, 0) ELSE 0 END,
            CASE new.visibility WHEN 0 THEN new.project_ids ELSE '' END,
            new.id % 16, 1)
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, shard)
    DO UPDATE SET contacts = contacts + 1;
END;

DELETE FROM contact_tallies;
INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
SELECT visibility,
       CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
       CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
       CASE visibility WHEN 0 THEN project_ids ELSE '' END,
       id % 16, count(*)
FROM contacts GROUP BY 1, 2, 3, 4, 5;
