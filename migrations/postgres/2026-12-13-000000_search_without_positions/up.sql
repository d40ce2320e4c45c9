-- SQLite's search index changed its options; PostgreSQL's trigram index is unchanged. A
-- statement, as diesel refuses an empty migration.
SELECT 1;
