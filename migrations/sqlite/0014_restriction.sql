-- Restriction of processing (GDPR art. 18): a restricted study stays stored but is seen by
-- admins only — hidden from every other account's listings and lookups, its grants and
-- links stop working, and nobody but an admin can add to it — until an admin lifts it.
ALTER TABLE studies ADD COLUMN restricted_at TEXT;
ALTER TABLE studies ADD COLUMN restricted_by TEXT;
