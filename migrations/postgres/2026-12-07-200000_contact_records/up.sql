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
ALTER TABLE contact_tallies ADD COLUMN archived BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contact_tallies DROP CONSTRAINT contact_tallies_pkey;
ALTER TABLE contact_tallies ADD PRIMARY KEY (visibility, author_id, assigned_to_id, project_ids, archived, shard);

CREATE OR REPLACE FUNCTION contact_tallies_move(gone contacts[], came contacts[]) RETURNS void AS $$
    INSERT INTO contact_tallies AS t (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
    SELECT visibility, author_id, assigned_to_id, project_ids, archived,
           coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                    pg_backend_pid() % 16),
           sum(delta)
    FROM (SELECT visibility,
               CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END AS author_id,
               CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END AS assigned_to_id,
               CASE visibility WHEN 1 THEN '' ELSE project_ids END AS project_ids,
               status = 'archived' AS archived,
               delta
          FROM (SELECT c.*, -1 AS delta FROM unnest(gone) AS c
          UNION ALL
          SELECT c.*, 1 AS delta FROM unnest(came) AS c) AS moved
          UNION ALL
          SELECT 3, 0, 0, project_ids, status = 'archived', delta
          FROM (SELECT c.*, -1 AS delta FROM unnest(gone) AS c
          UNION ALL
          SELECT c.*, 1 AS delta FROM unnest(came) AS c) AS moved
          WHERE visibility = 2) AS keyed
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(delta) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = t.contacts + excluded.contacts;
$$ LANGUAGE sql;

DELETE FROM contact_tallies;
INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
SELECT visibility,
       CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
       CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
       CASE visibility WHEN 1 THEN '' ELSE project_ids END,
       status = 'archived', id % 16, count(*)
FROM contacts GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard, contacts)
SELECT 3, 0, 0, project_ids, status = 'archived', id % 16, count(*) FROM contacts WHERE visibility = 2 GROUP BY 4, 5, 6;
ALTER TABLE contact_tallies ALTER COLUMN archived DROP DEFAULT;
