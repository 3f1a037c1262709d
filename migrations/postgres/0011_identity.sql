-- Identity: TOTP second factor with one-time recovery codes, disabled accounts, idle
-- session timeouts with what each session was opened from, and catalog-held settings
-- (the roles that must use MFA).
ALTER TABLE users ADD COLUMN disabled_at TEXT;
-- The base32 TOTP secret once MFA is on; the one being enrolled until its first code is
-- verified; the last time step a code was accepted for (a code is never accepted twice).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Recovery codes, kept as salted SHA-256 (they are 80 random bits each); a used one keeps
-- its row with `used_at`.
CREATE TABLE recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- Last use is written at most about once a minute per session (see the server's auth).
ALTER TABLE sessions ADD COLUMN last_used_at TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
UPDATE sessions SET last_used_at = created_at;

-- Deployment-wide settings that admins change at run time (shared by every instance).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
