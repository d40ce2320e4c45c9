-- unicode_lower() is registered by the server on each connection (src/db/mod.rs), as SQLite
-- functions are; PostgreSQL's comes with this migration. Nothing to store here.
SELECT 1;
