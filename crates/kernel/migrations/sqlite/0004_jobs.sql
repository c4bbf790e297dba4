-- Durable background jobs. A job is claimed by one node at a time for a lease (`locked_by`,
-- `locked_until`); a node that dies loses its jobs when the lease runs out. Finished jobs stay
-- so that a unique key keeps meaning "this was already done".

CREATE TABLE jobs (
    id           BLOB    NOT NULL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    unique_key   TEXT,
    state        TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    locked_by    TEXT,
    locked_until INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    CONSTRAINT jobs_unique_key_key UNIQUE (unique_key)
);
-- What claiming asks for: queued jobs that are due, and running ones whose lease ran out.
CREATE INDEX jobs_due ON jobs (state, run_at);
