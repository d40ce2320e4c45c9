DROP TRIGGER contact_tallies_insert;
DROP TRIGGER contact_tallies_delete;
DROP TRIGGER contact_tallies_update;
DROP TABLE contact_tallies;
CREATE TABLE contact_tallies (
    visibility INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    assigned_to_id INTEGER NOT NULL,
    project_ids TEXT NOT NULL,
    shard INTEGER NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (visibility, author_id, assigned_to_id, project_ids, shard)
);

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

DROP INDEX contacts_company_id;
DROP INDEX contacts_reports_to_id;
DROP INDEX contacts_external_id;
ALTER TABLE contacts DROP COLUMN email_types;
ALTER TABLE contacts DROP COLUMN phone_types;
ALTER TABLE contacts DROP COLUMN external_id;
ALTER TABLE contacts DROP COLUMN status;
ALTER TABLE contacts DROP COLUMN preferred_contact_method;
ALTER TABLE contacts DROP COLUMN department;
ALTER TABLE contacts DROP COLUMN reports_to_id;
ALTER TABLE contacts DROP COLUMN primary_contact_id;
ALTER TABLE contacts DROP COLUMN company_id;

INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
SELECT visibility,
       CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
       CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
       CASE visibility WHEN 1 THEN '' ELSE project_ids END,
       id % 16, count(*)
FROM contacts GROUP BY 1, 2, 3, 4, 5;
INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
SELECT 3, 0, 0, project_ids, id % 16, count(*) FROM contacts WHERE visibility = 2 GROUP BY 4, 5;
