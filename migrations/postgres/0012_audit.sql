-- The audit trail becomes a hash chain: each event has a sequence number and the hash of
-- the previous event, so that an edited, inserted or deleted row is detected by
-- `ferrum audit verify`. The events of earlier versions are moved into the chain by the
-- server on its first start (it computes the hashes), from `audit_events_legacy`.
ALTER TABLE audit_events RENAME TO audit_events_legacy;
DROP INDEX IF EXISTS audit_at;
DROP INDEX IF EXISTS audit_study;

CREATE TABLE audit_events (
    seq         BIGINT PRIMARY KEY,
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
    count       BIGINT NOT NULL DEFAULT 1,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_study ON audit_events (study_uid, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_request ON audit_events (request_id);

-- The chain's head, taken FOR UPDATE by every append, so that sequence numbers have no gaps
-- however many instances append at once.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_checkpoints (
    seq       BIGINT PRIMARY KEY,
    hash      TEXT NOT NULL,
    at        TEXT NOT NULL,
    pruned    BIGINT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TABLE audit_control (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    prune BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO audit_control (id, prune) VALUES (1, FALSE);

-- Append-only: no statement changes an event, and only retention's own transaction (which
-- sets `prune` for its duration) deletes one.
CREATE FUNCTION audit_events_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (SELECT prune FROM audit_control WHERE id = 1) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_guard();

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
