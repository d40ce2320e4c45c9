-- PostgreSQL's tally triggers changed how they read their rows; SQLite's are row triggers,
-- unchanged. A statement, as diesel refuses an empty migration.
SELECT 1;
