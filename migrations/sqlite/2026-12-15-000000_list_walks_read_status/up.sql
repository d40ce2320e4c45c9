-- Lists leave out archived contacts (`status`, since 2026-12-07-200000), and `status` was in
-- none of the indexes a list walks: every entry of a walk (up to a block of 4,096 on a deep
-- page) cost a look-up of its row in the table, where before only a page's own rows did. With
-- `status` beside the other columns the visibility test reads, the walk tests entries in the
-- index again. The own private contacts' indexes also hold what their test reads, so that
-- `store::list_blocks` finds them without the table. Rebuilt from the contacts (a few seconds
-- at 1,000,000).
DROP INDEX contacts_created_on;
CREATE INDEX contacts_created_on
    ON contacts (created_on, id, visibility, status, author_id, assigned_to_id, project_ids, search_text);
DROP INDEX contacts_private_author;
CREATE INDEX contacts_private_author ON contacts (author_id, created_on, id, visibility, status, project_ids)
    WHERE visibility = 2;
DROP INDEX contacts_private_assignee;
CREATE INDEX contacts_private_assignee ON contacts (assigned_to_id, created_on, id, visibility, status, project_ids)
    WHERE visibility = 2;
