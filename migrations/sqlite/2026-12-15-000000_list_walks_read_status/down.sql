DROP INDEX contacts_private_assignee;
CREATE INDEX contacts_private_assignee ON contacts (assigned_to_id, created_on, id) WHERE visibility = 2;
DROP INDEX contacts_private_author;
CREATE INDEX contacts_private_author ON contacts (author_id, created_on, id) WHERE visibility = 2;
DROP INDEX contacts_created_on;
CREATE INDEX contacts_created_on
    ON contacts (created_on, id, visibility, author_id, assigned_to_id, project_ids, search_text);
