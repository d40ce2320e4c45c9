CREATE FUNCTION contact_tallies_move(gone contacts[], came contacts[]) RETURNS void AS $$
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
CREATE OR REPLACE FUNCTION contact_tallies_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM contact_tallies_move(ARRAY[]::contacts[], ARRAY(SELECT n::contacts FROM new_rows AS n));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION contact_tallies_updated() RETURNS trigger AS $$
BEGIN
    PERFORM contact_tallies_move(ARRAY(SELECT o::contacts FROM old_rows AS o), ARRAY(SELECT n::contacts FROM new_rows AS n));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION contact_tallies_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM contact_tallies_move(ARRAY(SELECT o::contacts FROM old_rows AS o), ARRAY[]::contacts[]);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
