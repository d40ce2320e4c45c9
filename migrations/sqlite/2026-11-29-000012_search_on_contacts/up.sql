-- PostgreSQL's search index moved onto the contacts table; SQLite's FTS5 table stays. A
-- statement, as diesel refuses an empty migration.
SELECT 1;
