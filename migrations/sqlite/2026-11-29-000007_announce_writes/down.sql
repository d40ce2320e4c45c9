-- PostgreSQL's write notifications; SQLite servers read `PRAGMA data_version` instead. A
-- statement, as PostgreSQL refuses an empty migration and the two folders pair up.
SELECT 1;
