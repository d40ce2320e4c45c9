-- API requests counted per bucket (`class:who`, e.g. `reads:user:7`) and fixed window (its
-- start in Unix seconds), summed over every instance: each adds what it counted since its last
-- reconcile, about once a second, and reads the total back. Old windows are deleted as they end.
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX index_rate_limits_on_window_start ON rate_limits (window_start);
