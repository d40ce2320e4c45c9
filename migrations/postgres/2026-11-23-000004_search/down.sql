DROP TRIGGER contacts_search_write ON contacts;
DROP FUNCTION contacts_search_sync();
DROP TABLE contacts_search;
