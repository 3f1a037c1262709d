-- An optional PIN on a viewer link, sent to the referrer separately: its Argon2 hash, the
-- wrong attempts in a row and, after too many, until when the link refuses every attempt.
ALTER TABLE links ADD COLUMN pin_hash TEXT;
ALTER TABLE links ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN pin_locked_until TEXT;
