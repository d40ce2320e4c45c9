-- PostgreSQL's servers learn of writes to who may do what by notification; SQLite's read
-- access_version (migration 11). A statement, as diesel refuses an empty migration.
SELECT 1;
