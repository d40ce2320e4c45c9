-- Migration 8's contact_tallies_move, as it wrote it.
CREATE OR REPLACE FUNCTION contact_tallies_move(gone contacts[], came contacts[]) RETURNS void AS $$
    INSERT INTO contact_tallies AS t (visibility, author_id, assigned_to_id, project_ids, shard, contacts)
    SELECT visibility,
           CASE visibility WHEN 2 THEN coalesce(author_id, 0) ELSE 0 END,
           CASE visibility WHEN 2 THEN coalesce(assigned_to_id, 0) ELSE 0 END,
           CASE visibility WHEN 0 THEN project_ids ELSE '' END,
           coalesce(nullif(current_setting('contacts_server.tally_shard', true), '')::integer,
                    pg_backend_pid() % 16),
           sum(delta)
    FROM (SELECT c.*, -1 AS delta FROM unnest(gone) AS c
          UNION ALL
          SELECT c.*, 1 AS delta FROM unnest(came) AS c) AS moved
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
       CASE visibility WHEN 0 THEN project_ids ELSE '' END,
       id % 16, count(*)
FROM contacts GROUP BY 1, 2, 3, 4, 5;
