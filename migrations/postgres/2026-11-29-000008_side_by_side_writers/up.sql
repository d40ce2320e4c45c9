-- Writers that insert many contacts side by side (the import runs two) waited for each other:
--
-- 1. A tally row stays locked until its writer commits, and every batch of consecutive ids
--    met all 16 shards (id % 16). A statement now counts its contacts in its session's shard:
--    the setting `contacts_server.tally_shard` when a writer chose one (the import's writers
--    do, so theirs differ), else the backend's pid % 16. A shard holds a share of a tally, not
--    the count of particular contacts (one may go below zero when a session deletes what
--    another created); readers only ever sum the shards.
-- 2. The search rows of new contacts were written by a row trigger: a PL/pgSQL call and a
--    one-row upsert per contact. One statement per insert now writes them all.
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

CREATE FUNCTION contacts_search_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO contacts_search (rowid, search_text) SELECT id, search_text FROM new_rows;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER contacts_search_write ON contacts;
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_search_inserted();
-- Edits come one contact at a time: the row trigger's upsert stays.
CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_search_sync();
