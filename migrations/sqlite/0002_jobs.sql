-- Background work (thumbnails, sweeps), claimed by the server's workers; see migrations/postgres.
-- One row per (kind, subject): queuing work already queued bumps `generation`, so that work
-- queued while a claim runs is done again after it instead of being lost.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    run_after    TEXT NOT NULL,
    generation   INTEGER NOT NULL DEFAULT 1,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs (run_after, id);
