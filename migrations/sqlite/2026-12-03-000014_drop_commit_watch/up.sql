-- Servers no longer keep answers between requests, so nothing needs to hear of commits: the
-- count of writes to who may do what (migration 11) goes.
DROP TRIGGER users_access_insert;
DROP TRIGGER users_access_delete;
DROP TRIGGER projects_access_insert;
DROP TRIGGER projects_access_delete;
DROP TRIGGER projects_access_update;
DROP TRIGGER roles_access_insert;
DROP TRIGGER roles_access_delete;
DROP TRIGGER roles_access_update;
DROP TRIGGER members_access_insert;
DROP TRIGGER members_access_delete;
DROP TRIGGER members_access_update;
DROP TRIGGER member_roles_access_insert;
DROP TRIGGER member_roles_access_delete;
DROP TRIGGER member_roles_access_update;
DROP TRIGGER web_forms_access_insert;
DROP TRIGGER web_forms_access_delete;
DROP TRIGGER web_forms_access_update;
DROP TRIGGER users_access_update;
DROP TABLE access_version;

-- A link added or removed rewrites the contact's set of projects. Migration 6 first ordered the
-- ids with group_concat(... ORDER BY ...), which needs SQLite 3.44: Debian 12's sqlite3 (3.40)
-- refused files made by it. Migration 6 now reads as below; databases made before that get the
-- same triggers here. The ids come from an ordered subquery (SQLite keeps a subquery's order
-- for an aggregate over it); readers split the list and never depend on its order anyway.
DROP TRIGGER contacts_projects_insert_relist;
DROP TRIGGER contacts_projects_delete_relist;
CREATE TRIGGER contacts_projects_insert_relist AFTER INSERT ON contacts_projects BEGIN
    UPDATE contacts SET project_ids = coalesce(
        (SELECT group_concat(project_id, ',') FROM
        (SELECT project_id FROM contacts_projects WHERE contact_id = new.contact_id ORDER BY project_id)), '')
    WHERE id = new.contact_id AND project_ids IS NOT coalesce(
        (SELECT group_concat(project_id, ',') FROM
        (SELECT project_id FROM contacts_projects WHERE contact_id = new.contact_id ORDER BY project_id)), '');
END;
CREATE TRIGGER contacts_projects_delete_relist AFTER DELETE ON contacts_projects BEGIN
    UPDATE contacts SET project_ids = coalesce(
        (SELECT group_concat(project_id, ',') FROM
        (SELECT project_id FROM contacts_projects WHERE contact_id = old.contact_id ORDER BY project_id)), '')
    WHERE id = old.contact_id;
END;
