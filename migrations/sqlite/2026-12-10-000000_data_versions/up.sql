-- What validates a conditional GET (src/api/conditional.rs): a number that grows with every
-- committed write to a table an answer reads, in the writing transaction itself, so that a tag
-- made from it before a request read anything can only match again while nothing changed.
-- Each write adds a random step (1 to 2^24) rather than one: a database restored from a backup,
-- or copied into a fresh one, does not walk through the numbers it walked before with other
-- data. Not counted: the tables only triggers write from these (contact_tallies, the search
-- index), and those no answer reads or that change while serving reads (login_throttles,
-- rate_limits, webhook_events, webhook_deliveries, webhook_payloads); the delivery list reads
-- the last two and is tagged by its body instead.
CREATE TABLE data_versions (
    shard INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_versions (shard, version) VALUES (0, 0);
CREATE TRIGGER attachments_data_version_insert AFTER INSERT ON attachments BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER attachments_data_version_update AFTER UPDATE ON attachments BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER attachments_data_version_delete AFTER DELETE ON attachments BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_data_version_insert AFTER INSERT ON contacts BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_data_version_update AFTER UPDATE ON contacts BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_data_version_delete AFTER DELETE ON contacts BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_issues_data_version_insert AFTER INSERT ON contacts_issues BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_issues_data_version_update AFTER UPDATE ON contacts_issues BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_issues_data_version_delete AFTER DELETE ON contacts_issues BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_projects_data_version_insert AFTER INSERT ON contacts_projects BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_projects_data_version_update AFTER UPDATE ON contacts_projects BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER contacts_projects_data_version_delete AFTER DELETE ON contacts_projects BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER crm_queries_data_version_insert AFTER INSERT ON crm_queries BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER crm_queries_data_version_update AFTER UPDATE ON crm_queries BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER crm_queries_data_version_delete AFTER DELETE ON crm_queries BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER custom_fields_data_version_insert AFTER INSERT ON custom_fields BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER custom_fields_data_version_update AFTER UPDATE ON custom_fields BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER custom_fields_data_version_delete AFTER DELETE ON custom_fields BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER custom_values_data_version_insert AFTER INSERT ON custom_values BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER custom_values_data_version_update AFTER UPDATE ON custom_values BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER custom_values_data_version_delete AFTER DELETE ON custom_values BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deal_categories_data_version_insert AFTER INSERT ON deal_categories BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deal_categories_data_version_update AFTER UPDATE ON deal_categories BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deal_categories_data_version_delete AFTER DELETE ON deal_categories BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deal_statuses_data_version_insert AFTER INSERT ON deal_statuses BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deal_statuses_data_version_update AFTER UPDATE ON deal_statuses BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deal_statuses_data_version_delete AFTER DELETE ON deal_statuses BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deals_data_version_insert AFTER INSERT ON deals BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deals_data_version_update AFTER UPDATE ON deals BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER deals_data_version_delete AFTER DELETE ON deals BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER issues_data_version_insert AFTER INSERT ON issues BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER issues_data_version_update AFTER UPDATE ON issues BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER issues_data_version_delete AFTER DELETE ON issues BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER member_roles_data_version_insert AFTER INSERT ON member_roles BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER member_roles_data_version_update AFTER UPDATE ON member_roles BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER member_roles_data_version_delete AFTER DELETE ON member_roles BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER members_data_version_insert AFTER INSERT ON members BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER members_data_version_update AFTER UPDATE ON members BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER members_data_version_delete AFTER DELETE ON members BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER notes_data_version_insert AFTER INSERT ON notes BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER notes_data_version_update AFTER UPDATE ON notes BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER notes_data_version_delete AFTER DELETE ON notes BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER projects_data_version_insert AFTER INSERT ON projects BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER projects_data_version_update AFTER UPDATE ON projects BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER projects_data_version_delete AFTER DELETE ON projects BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER redmine_import_ids_data_version_insert AFTER INSERT ON redmine_import_ids BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER redmine_import_ids_data_version_update AFTER UPDATE ON redmine_import_ids BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER redmine_import_ids_data_version_delete AFTER DELETE ON redmine_import_ids BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER roles_data_version_insert AFTER INSERT ON roles BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER roles_data_version_update AFTER UPDATE ON roles BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER roles_data_version_delete AFTER DELETE ON roles BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER taggings_data_version_insert AFTER INSERT ON taggings BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER taggings_data_version_update AFTER UPDATE ON taggings BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER taggings_data_version_delete AFTER DELETE ON taggings BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER tags_data_version_insert AFTER INSERT ON tags BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER tags_data_version_update AFTER UPDATE ON tags BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER tags_data_version_delete AFTER DELETE ON tags BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER users_data_version_insert AFTER INSERT ON users BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER users_data_version_update AFTER UPDATE ON users BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER users_data_version_delete AFTER DELETE ON users BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER web_forms_data_version_insert AFTER INSERT ON web_forms BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER web_forms_data_version_update AFTER UPDATE ON web_forms BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER web_forms_data_version_delete AFTER DELETE ON web_forms BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER webhooks_data_version_insert AFTER INSERT ON webhooks BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER webhooks_data_version_update AFTER UPDATE ON webhooks BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
CREATE TRIGGER webhooks_data_version_delete AFTER DELETE ON webhooks BEGIN UPDATE data_versions SET version = version + 1 + abs(random() % 16777216); END;
