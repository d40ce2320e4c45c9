-- Files kept in the database (so several instances need no shared disk): contact avatars,
-- and uploads waiting to be attached (contact_id NULL, found by their token).
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    filesize INTEGER NOT NULL,
    -- SHA-256 of the content, hex
    digest TEXT NOT NULL,
    content BLOB NOT NULL,
    -- Redmine's upload token "id.digest"; NULL once attached
    token TEXT,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_on TIMESTAMP NOT NULL
);
CREATE INDEX attachments_contact ON attachments (contact_id);
CREATE UNIQUE INDEX attachments_token ON attachments (token);

-- Public web forms: a key that can only create contacts in one project.
CREATE TABLE web_forms (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The key is meant to sit in public HTML, so it is kept to be shown again.
    form_key TEXT NOT NULL,
    key_digest TEXT NOT NULL,
    success_url TEXT,
    -- one origin (scheme://host[:port]) per line
    allowed_origins TEXT NOT NULL DEFAULT '',
    -- comma-separated
    default_tags TEXT NOT NULL DEFAULT '',
    default_assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_on TIMESTAMP NOT NULL,
    updated_on TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX web_forms_key_digest ON web_forms (key_digest);
CREATE INDEX web_forms_project ON web_forms (project_id);
