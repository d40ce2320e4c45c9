DROP TRIGGER contacts_projects_delete_relist;
DROP TRIGGER contacts_projects_insert_relist;
DROP TRIGGER contact_tallies_update;
DROP TRIGGER contact_tallies_delete;
DROP TRIGGER contact_tallies_insert;
DROP TABLE contact_tallies;
ALTER TABLE contacts DROP COLUMN project_ids;
