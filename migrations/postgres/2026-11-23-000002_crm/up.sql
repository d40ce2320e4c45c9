-- The CRM around contacts: deals, notes, custom fields, linked issues and saved queries.
CREATE TABLE deal_statuses (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    -- 0 open, 1 won, 2 lost
    status_type INTEGER NOT NULL DEFAULT 0,
    color INTEGER NOT NULL DEFAULT 11184810
);
INSERT INTO deal_statuses (name, position, is_default, status_type, color) VALUES
  ('Pending', 1, TRUE, 0, 11184810),
  ('Negotiation', 2, FALSE, 0, 16763904),
  ('Won', 3, FALSE, 1, 39168),
  ('Lost', 4, FALSE, 2, 13369344);

CREATE TABLE deal_categories (
    id SERIAL PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL
);
CREATE UNIQUE INDEX deal_categories_project_name ON deal_categories (project_id, name);

CREATE TABLE deals (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    -- Money in hundredths, exact on both backends.
    price_cents BIGINT,
    currency TEXT,
    probability INTEGER,
    due_date DATE,
    background TEXT,
    status_id INTEGER NOT NULL REFERENCES deal_statuses (id),
    category_id INTEGER REFERENCES deal_categories (id) ON DELETE SET NULL,
    assigned_to_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    search_text TEXT NOT NULL DEFAULT '',
    created_on TIMESTAMP NOT NULL,
    updated_on TIMESTAMP NOT NULL
);
CREATE INDEX deals_project ON deals (project_id, created_on);
CREATE INDEX deals_contact ON deals (contact_id);
CREATE INDEX deals_status ON deals (status_id);

-- A note belongs to exactly one contact or one deal and goes with it.
CREATE TABLE notes (
    id SERIAL PRIMARY KEY,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    deal_id INTEGER REFERENCES deals (id) ON DELETE CASCADE,
    subject TEXT,
    content TEXT NOT NULL,
    type_id INTEGER,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_on TIMESTAMP NOT NULL,
    updated_on TIMESTAMP NOT NULL,
    CHECK ((contact_id IS NULL) <> (deal_id IS NULL))
);
CREATE INDEX notes_contact ON notes (contact_id, created_on);
CREATE INDEX notes_deal ON notes (deal_id, created_on);

CREATE TABLE custom_fields (
    id SERIAL PRIMARY KEY,
    -- 'contact' or 'deal'
    customized_type TEXT NOT NULL,
    name TEXT NOT NULL,
    field_format TEXT NOT NULL,
    -- One value a line, for list fields.
    possible_values TEXT NOT NULL DEFAULT '',
    is_required BOOLEAN NOT NULL DEFAULT FALSE,
    is_filter BOOLEAN NOT NULL DEFAULT FALSE,
    searchable BOOLEAN NOT NULL DEFAULT FALSE,
    multiple BOOLEAN NOT NULL DEFAULT FALSE,
    default_value TEXT,
    regexp TEXT,
    min_length INTEGER,
    max_length INTEGER,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX custom_fields_type_name ON custom_fields (customized_type, name);

-- One row a value; a multiple field has several rows.
CREATE TABLE custom_values (
    id SERIAL PRIMARY KEY,
    custom_field_id INTEGER NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    deal_id INTEGER REFERENCES deals (id) ON DELETE CASCADE,
    value TEXT NOT NULL
);
CREATE INDEX custom_values_contact ON custom_values (contact_id, custom_field_id);
CREATE INDEX custom_values_deal ON custom_values (deal_id, custom_field_id);
CREATE INDEX custom_values_field_value ON custom_values (custom_field_id, value);

-- A minimal Redmine issue, so contacts can be linked to tickets.
CREATE TABLE issues (
    id SERIAL PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'New',
    tracker TEXT NOT NULL DEFAULT 'Support',
    due_date DATE,
    assigned_to_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_on TIMESTAMP NOT NULL,
    updated_on TIMESTAMP NOT NULL
);

CREATE TABLE contacts_issues (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, issue_id)
);
CREATE INDEX contacts_issues_issue ON contacts_issues (issue_id);

-- Saved list queries: a name and the list parameters they stand for.
CREATE TABLE crm_queries (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    -- 'contact' or 'deal'
    object_type TEXT NOT NULL,
    project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    -- 0 private (its owner), 2 public, as Redmine's query visibility
    visibility INTEGER NOT NULL DEFAULT 2,
    filters TEXT NOT NULL DEFAULT '',
    created_on TIMESTAMP NOT NULL
);
