-- `import-redmine`: which row each imported Redmine row became, so a second run updates those
-- rows instead of adding them again. `source_table` is the Redmine table (or a name for rows
-- made from several, such as an avatar).
CREATE TABLE redmine_import_ids (
    source_table TEXT NOT NULL,
    source_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    PRIMARY KEY (source_table, source_id)
);
