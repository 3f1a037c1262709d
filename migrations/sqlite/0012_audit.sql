-- The audit trail becomes a hash chain: each event has a sequence number and the hash of
-- the previous event, so that an edited, inserted or deleted row is detected by
-- `ferrum audit verify`. The events of earlier versions are moved into the chain by the
-- server on its first start (it computes the hashes), from `audit_events_legacy`.
ALTER TABLE audit_events RENAME TO audit_events_legacy;
DROP INDEX IF EXISTS audit_at;
DROP INDEX IF EXISTS audit_study;

CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    study_uid   TEXT,
    series_uid  TEXT,
    sop_uid     TEXT,
    remote_addr TEXT,
    user_agent  TEXT,
    request_id  TEXT,
    detail      TEXT,
    count       INTEGER NOT NULL DEFAULT 1,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_study ON audit_events (study_uid, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_request ON audit_events (request_id);

-- The chain's head: the last event's sequence number and hash, taken under the write lock
-- by every append (on PostgreSQL with FOR UPDATE), so that sequence numbers have no gaps.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Where retention cut the chain, signed with the server's audit key.
CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,
    hash      TEXT NOT NULL,
    at        TEXT NOT NULL,
    pruned    INTEGER NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
);

-- Append-only: no statement of the application changes an event, and only retention's own
-- transaction (which sets `prune` for its duration) deletes one.
CREATE TABLE audit_control (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    prune INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_control (id, prune) VALUES (1, 0);

CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_pruned_only BEFORE DELETE ON audit_events
WHEN (SELECT prune FROM audit_control WHERE id = 1) = 0
BEGIN
    SELECT RAISE(ABORT, 'audit events are removed by retention only');
END;

-- Signed anchors of the chain's head, written every few minutes by the servers with the
-- audit key (which is not in the database): whoever can only write the database could
-- rewrite the chain and its head consistently, but not an anchor, so `verify` catches any
-- rewrite of events up to the newest anchor.
CREATE TABLE audit_anchors (
    seq       BIGINT PRIMARY KEY,
    hash      TEXT NOT NULL,
    at        TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
);
