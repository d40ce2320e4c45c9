-- PostgreSQL lets bulk writers run side by side; SQLite has one writer at a time. A statement,
-- as PostgreSQL refuses an empty migration and the two folders pair up.
SELECT 1;
