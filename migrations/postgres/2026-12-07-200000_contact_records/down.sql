-- Migration 17's contact_tallies_move, as it wrote it, and its tallies.
DROP INDEX contacts_company_id;
DROP INDEX contacts_reports_to_id;
DROP INDEX contacts_external_id;
ALTER TABLE contact_tallies DROP CONSTRAINT contact_tallies_pkey;
ALTER TABLE contact_tallies DROP COLUMN archived;
ALTER TABLE contact_tallies ADD PRIMARY KEY (visibility, author_id, assigned_to_id, project_ids, shard);
CREATE OR REPLACE FUNCTION contact_tallies_move(gone contacts[], came contacts[]) RETURNS void AS $$
    INSERT INTO contact_tallies AS t (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    SELECT visibility, author_id, assigned_to_id, project_ids,
           coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                    pg_backend_pid() % 16),
           sum(delta)
    FROM (SELECT visibility,
               CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END AS author_id,
               CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END AS assigned_to_id,
               CASE visibility WHEN 1 THEN '' ELSE project_ids END AS project_ids,
               delta
          FROM (SELECT c.*, -1 AS delta FROM unnest(gone) AS c
          UNION ALL
          SELECT c.*, 1 AS delta FROM unnest(came) AS c) AS moved
          UNION ALL
          SELECT 3, 0, 0, project_ids, delta
          FROM (SELECT c.*, -1 AS delta FROM unnest(gone) AS c
          UNION ALL
          SELECT c.*, 1 AS delta FROM unnest(came) AS c) AS moved
          WHERE visibility = 2) AS keyed
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(delta) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, shard)
    DO UPDATE SET contacts = t.contacts + excluded.contacts;
$$ LANGUAGE sql;

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

ALTER TABLE contacts DROP COLUMN email_types;
ALTER TABLE contacts DROP COLUMN phone_types;
ALTER TABLE contacts DROP COLUMN external_id;
ALTER TABLE contacts DROP COLUMN status;
ALTER TABLE contacts DROP COLUMN preferred_contact_method;
ALTER TABLE contacts DROP COLUMN department;
ALTER TABLE contacts DROP COLUMN reports_to_id;
ALTER TABLE contacts DROP COLUMN primary_contact_id;
ALTER TABLE contacts DROP COLUMN company_id;
