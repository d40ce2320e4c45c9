-- Contacts as records (issue 23): a person's company as a contact (`company_id`, beside the
-- `company` name), a company's primary contact, who a contact reports to, its department and
-- preferred contact method, a status, an external id, and the types of its phones and emails
-- (`phone_types`, `email_types`: one type or '' per number or address, in the same order,
-- comma-separated; '' throughout means untyped, as Redmine's plain lists are).
ALTER TABLE contacts ADD COLUMN company_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL;
ALTER TABLE contacts ADD COLUMN primary_contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL;
ALTER TABLE contacts ADD COLUMN reports_to_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL;
ALTER TABLE contacts ADD COLUMN department TEXT;
ALTER TABLE contacts ADD COLUMN preferred_contact_method TEXT;
ALTER TABLE contacts ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'inactive', 'archived'));
ALTER TABLE contacts ADD COLUMN external_id TEXT;
ALTER TABLE contacts ADD COLUMN phone_types TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN email_types TEXT NOT NULL DEFAULT '';
CREATE INDEX contacts_company_id ON contacts (company_id);
CREATE INDEX contacts_reports_to_id ON contacts (reports_to_id);
CREATE INDEX contacts_external_id ON contacts (external_id);

-- Archived contacts leave the lists, so the tallies (migrations 6 and 17) count them apart:
-- `archived` joins the key, and a list's total sums the rows of the status it shows.
DROP TRIGGER contact_tallies_insert;
DROP TRIGGER contact_tallies_delete;
DROP TRIGGER contact_tallies_update;
DROP TABLE contact_tallies;
CREATE TABLE contact_tallies (
    visibility INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    assigned_to_id INTEGER NOT NULL,
    project_ids TEXT NOT NULL,
    archived BOOLEAN NOT NULL,
    shard INTEGER NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (visibility, author_id, assigned_to_id, project_ids, archived, shard)
);

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
