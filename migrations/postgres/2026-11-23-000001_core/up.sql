-- Users, projects, roles and memberships: the Redmine core subset the CRM API needs.
-- Text columns that lists sort on use the "C" collation: byte order, as SQLite sorts, so both
-- backends return ties and mixed-case names in the same order.
CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    login TEXT NOT NULL,
    hashed_password TEXT NOT NULL,
    firstname TEXT NOT NULL,
    lastname TEXT NOT NULL,
    mail TEXT,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    status INTEGER NOT NULL DEFAULT 1,
    api_key TEXT NOT NULL,
    api_key_digest TEXT NOT NULL,
    created_on TIMESTAMP NOT NULL,
    updated_on TIMESTAMP NOT NULL,
    last_login_on TIMESTAMP
);
CREATE UNIQUE INDEX users_login ON users (lower(login));
CREATE UNIQUE INDEX users_api_key_digest ON users (api_key_digest);

CREATE TABLE projects (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    identifier TEXT NOT NULL,
    description TEXT,
    is_public BOOLEAN NOT NULL DEFAULT TRUE,
    created_on TIMESTAMP NOT NULL,
    updated_on TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX projects_identifier ON projects (identifier);

CREATE TABLE roles (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    permissions TEXT NOT NULL
);
CREATE UNIQUE INDEX roles_name ON roles (name);

CREATE TABLE members (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_on TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX members_user_project ON members (user_id, project_id);
CREATE INDEX members_project ON members (project_id);

CREATE TABLE member_roles (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, role_id)
);

-- Contacts; the plugin's separate address row is kept inline (one contact, one business address).
CREATE TABLE contacts (
    id SERIAL PRIMARY KEY,
    first_name TEXT COLLATE "C" NOT NULL,
    last_name TEXT COLLATE "C",
    middle_name TEXT,
    company TEXT COLLATE "C",
    is_company BOOLEAN NOT NULL DEFAULT FALSE,
    job_title TEXT,
    website TEXT,
    skype_name TEXT,
    birthday DATE,
    background TEXT,
    phones TEXT NOT NULL DEFAULT '',
    emails TEXT NOT NULL DEFAULT '',
    visibility INTEGER NOT NULL DEFAULT 0,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    assigned_to_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    street1 TEXT,
    street2 TEXT,
    city TEXT,
    region TEXT,
    postcode TEXT,
    country_code TEXT,
    -- Lower-cased names, company, job title, emails, phones and phone digits: what `search` scans.
    search_text TEXT NOT NULL DEFAULT '',
    created_on TIMESTAMP NOT NULL,
    updated_on TIMESTAMP NOT NULL
);
CREATE INDEX contacts_created_on ON contacts (created_on, id);
CREATE INDEX contacts_assigned_to ON contacts (assigned_to_id);
CREATE INDEX contacts_author ON contacts (author_id);

CREATE TABLE contacts_projects (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, project_id)
);
CREATE INDEX contacts_projects_project ON contacts_projects (project_id, contact_id);

CREATE TABLE tags (
    id SERIAL PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (lower(name));

CREATE TABLE taggings (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, tag_id)
);
CREATE INDEX taggings_tag ON taggings (tag_id, contact_id);

-- Seeded roles (Redmine's Manager and Reporter, with the plugin's permission names).
INSERT INTO roles (name, position, permissions) VALUES
  ('Manager', 1, 'view_contacts,add_contacts,edit_contacts,delete_contacts,view_private_contacts,add_notes,delete_notes,delete_own_notes,view_deals,add_deals,edit_deals,delete_deals,manage_deals,manage_contacts,import_contacts,export_contacts,edit_project,manage_members'),
  ('Reporter', 2, 'view_contacts,view_deals');
