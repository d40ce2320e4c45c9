-- The FTS5 merge setting is SQLite's; pg_trgm has no counterpart. A statement, as PostgreSQL
-- refuses an empty migration.
SELECT 1;
