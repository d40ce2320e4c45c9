-- contact_tallies' statement triggers read the five columns the tallies are keyed by straight
-- from the transition tables, as the list blocks' trigger does since dabb4cd, instead of
-- building arrays of whole rows for contact_tallies_move (a tenth of a bulk load's time went to
-- those arrays for the block trigger). The same tallies, the same keys; a transition table
-- cannot be passed to a shared function, so each trigger writes its statement out.
CREATE OR REPLACE FUNCTION contact_tallies_inserted() RETURNS trigger AS $$
BEGIN
    WITH moved AS (SELECT visibility, author_id, assigned_to_id, project_ids, status, 1 AS delta FROM new_rows)
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
          FROM moved
          UNION ALL
          SELECT 3, 0, 0, project_ids, status = 'archived', delta FROM moved WHERE visibility = 2) AS keyed
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(delta) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = t.contacts + excluded.contacts;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION contact_tallies_updated() RETURNS trigger AS $$
BEGIN
    WITH moved AS (SELECT visibility, author_id, assigned_to_id, project_ids, status, -1 AS delta FROM old_rows
                   UNION ALL
                   SELECT visibility, author_id, assigned_to_id, project_ids, status, 1 AS delta FROM new_rows)
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
          FROM moved
          UNION ALL
          SELECT 3, 0, 0, project_ids, status = 'archived', delta FROM moved WHERE visibility = 2) AS keyed
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(delta) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = t.contacts + excluded.contacts;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION contact_tallies_deleted() RETURNS trigger AS $$
BEGIN
    WITH moved AS (SELECT visibility, author_id, assigned_to_id, project_ids, status, -1 AS delta FROM old_rows)
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
          FROM moved
          UNION ALL
          SELECT 3, 0, 0, project_ids, status = 'archived', delta FROM moved WHERE visibility = 2) AS keyed
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(delta) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (visibility, author_id, assigned_to_id, project_ids, archived, shard)
    DO UPDATE SET contacts = t.contacts + excluded.contacts;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP FUNCTION contact_tallies_move(contacts[], contacts[]);
