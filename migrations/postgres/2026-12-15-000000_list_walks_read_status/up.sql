-- SQLite's list indexes gained columns; PostgreSQL's are unchanged. A statement, as diesel
-- refuses an empty migration.
SELECT 1;
