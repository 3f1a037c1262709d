-- A login session: access tokens name it (claim `sid`) and are honoured only while it is
-- open, so that logging out, deleting an account or resetting its password takes effect on
-- the next request. The refresh token's secret is kept as its SHA-256 only.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    refresh_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);
