-- unicode_lower(): lower-case every letter, as Rust's str::to_lowercase does on SQLite (where the
-- server registers it on each connection, since SQLite's own lower() folds only ASCII). For
-- comparisons that must agree on both backends whatever the letters: custom values searched
-- case-insensitively, logins. An IMMUTABLE SQL function is inlined, so lower(login)'s index
-- still serves it. PostgreSQL folds by the database's LC_CTYPE: a UTF-8 locale folds every
-- letter, as Rust does; a "C" database would fold ASCII only.
CREATE FUNCTION unicode_lower(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower($1) $$;
