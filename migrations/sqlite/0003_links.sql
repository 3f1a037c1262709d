-- Viewer links: a signed token names one row, checked on every request, so that a revoked
-- or expired link stops working on the next request. Opening a link is audited with actor
-- `link:<id>`, which is also the link's access log.
CREATE TABLE links (
    id             TEXT PRIMARY KEY,
    study_uid      TEXT NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    revoked_at     TEXT,
    allow_download BOOLEAN NOT NULL,
    opens          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX links_study ON links (study_uid, created_at);
CREATE INDEX audit_actor ON audit_events (actor, id);
