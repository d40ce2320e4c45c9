-- SQLite's commit watch reads a count of writes to users, memberships, roles, projects and
-- web forms (its migration 11). Here every commit a server hears of counts as such a write
-- (`Generation::access_current`), so there is nothing to count. A statement, as PostgreSQL
-- refuses an empty migration.
SELECT 1;
