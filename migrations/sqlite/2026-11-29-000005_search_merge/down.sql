INSERT INTO contacts_search (contacts_search, rank) VALUES ('automerge', 4);
