-- A filtered list (a search, a tag, a reader's visibility) walks contacts newest first and
-- tests rows until a page is full: thousands of rows for a rare word. With the columns those
-- tests read in the index, SQLite tests each entry as it walks and reads the table only for
-- rows that pass; with (created_on, id) alone it looked up every row (in descending id order,
-- a full descent of the table's tree each time).
DROP INDEX contacts_created_on;
CREATE INDEX contacts_created_on
    ON contacts (created_on, id, visibility, author_id, assigned_to_id, project_ids, search_text);
