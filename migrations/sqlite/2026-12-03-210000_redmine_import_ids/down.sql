DROP TABLE redmine_import_ids;
