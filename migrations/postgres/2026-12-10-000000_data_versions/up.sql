-- What validates a conditional GET (src/api/conditional.rs): a number that grows with every
-- committed write to a table an answer reads, in the writing transaction itself, so that a tag
-- made from it before a request read anything can only match again while nothing changed.
-- Each write adds a random step (1 to 2^24) rather than one: a database restored from a backup,
-- or copied into a fresh one, does not walk through the numbers it walked before with other
-- data. Not counted: the tables only triggers write from these (contact_tallies, the search
-- index), and those no answer reads or that change while serving reads (login_throttles,
-- rate_limits, webhook_events, webhook_deliveries, webhook_payloads); the delivery list reads
-- the last two and is tagged by its body instead.
--
-- The number is the sum of 16 rows, each connection adding to the row its backend's pid picks:
-- writers on different connections do not queue on one row lock. A transaction adds once,
-- at its first write (a transaction-local setting remembers it; a rolled-back savepoint
-- forgets both).
CREATE TABLE data_versions (
    shard INTEGER PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_versions (shard, version) SELECT shard, 0 FROM generate_series(0, 15) AS shard;

CREATE FUNCTION data_version_bump() RETURNS trigger AS $$
BEGIN
    IF current_setting('contacts_server.version_bumped', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('contacts_server.version_bumped', 'yes', true);
        UPDATE data_versions SET version = version + 1 + floor(random() * 16777216)::bigint
        WHERE shard = pg_backend_pid() % 16;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER attachments_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON attachments FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER contacts_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contacts FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER contacts_issues_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contacts_issues FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER contacts_projects_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contacts_projects FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER crm_queries_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crm_queries FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER custom_fields_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON custom_fields FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER custom_values_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON custom_values FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER deal_categories_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON deal_categories FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER deal_statuses_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON deal_statuses FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER deals_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON deals FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER issues_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON issues FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER member_roles_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON member_roles FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER members_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER notes_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER projects_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER redmine_import_ids_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON redmine_import_ids FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER roles_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roles FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER taggings_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON taggings FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER tags_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER users_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER web_forms_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON web_forms FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER webhooks_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON webhooks FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
