-- The blob outbox: keys of stored objects that catalog deletions and replacements released
-- (an erase, an overwrite, a refused upload's object), written in the same transaction as the
-- rows' removal. The server's `delete_blobs` job deletes each object once `released_at` is
-- older than FERRUM_BLOB_DELETE_GRACE_SECS, after checking again that no row points at the
-- key (content-addressed: the same bytes may have been uploaded again meanwhile). One row
-- per key: releasing a key already queued bumps `generation` and restarts its grace period,
-- so that a release during a claim is not lost. Claimed like jobs (a lease in
-- `locked_until`; on PostgreSQL with FOR UPDATE SKIP LOCKED).
CREATE TABLE blob_outbox (
    blob_key     TEXT PRIMARY KEY,
    released_at  TEXT NOT NULL,
    not_before   TEXT,
    generation   INTEGER NOT NULL DEFAULT 1,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_error   TEXT
);
CREATE INDEX blob_outbox_due ON blob_outbox (released_at);
