-- Failed sign-ins, counted per login and per client address (`scope` is 'login' or 'ip'), in
-- the database so that every instance on one PostgreSQL sees the same counts. `failures` are
-- those since `window_started_on`; past the limit the subject is refused until `locked_until`,
-- and `lockouts` (how many times in a row it was locked) doubles the next lockout.
CREATE TABLE login_throttles (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    window_started_on TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    lockouts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, subject)
);
