CREATE TABLE access_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    changes BIGINT NOT NULL
);
INSERT INTO access_version (id, changes) VALUES (1, 0);

CREATE TRIGGER users_access_insert AFTER INSERT ON users BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER users_access_delete AFTER DELETE ON users BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER projects_access_insert AFTER INSERT ON projects BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER projects_access_delete AFTER DELETE ON projects BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER projects_access_update AFTER UPDATE ON projects BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER roles_access_insert AFTER INSERT ON roles BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER roles_access_delete AFTER DELETE ON roles BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER roles_access_update AFTER UPDATE ON roles BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER members_access_insert AFTER INSERT ON members BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER members_access_delete AFTER DELETE ON members BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER members_access_update AFTER UPDATE ON members BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER member_roles_access_insert AFTER INSERT ON member_roles BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER member_roles_access_delete AFTER DELETE ON member_roles BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER member_roles_access_update AFTER UPDATE ON member_roles BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER web_forms_access_insert AFTER INSERT ON web_forms BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER web_forms_access_delete AFTER DELETE ON web_forms BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

CREATE TRIGGER web_forms_access_update AFTER UPDATE ON web_forms BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

-- A password login stamps last_login_on, which changes no caller: not counted.
CREATE TRIGGER users_access_update AFTER UPDATE OF login, hashed_password, firstname, lastname, mail, admin, status, api_key, api_key_digest ON users BEGIN
    UPDATE access_version SET changes = changes + 1;
END;

-- The project-list triggers stay as up made them: they are migration 6's as it now reads.
