-- Background work (thumbnails, sweeps), claimed by any instance with FOR UPDATE SKIP LOCKED.
-- One row per (kind, subject): queuing work already queued bumps `generation`, so that work
-- queued while a claim runs is done again after it instead of being lost.
CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    run_after    TEXT NOT NULL,
    generation   BIGINT NOT NULL DEFAULT 1,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs (run_after, id);
