-- Substring search served by an index: an FTS5 table with the trigram tokenizer over each
-- contact's search text, which answers `search_text LIKE '%fragment%'` from the index.
-- Triggers keep it in step with contacts inside the writing transaction.
CREATE VIRTUAL TABLE contacts_search USING fts5(search_text, content = 'contacts', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO contacts_search (contacts_search) VALUES ('rebuild');

CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO contacts_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
