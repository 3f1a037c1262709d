-- Retention and legal hold of studies. `retain_until` is the last day (YYYY-MM-DD) a study is
-- kept, set for this study by an admin; without it FERRUM_RETENTION_DAYS after the upload
-- applies (unset: kept until erased). The sweep erases studies past it, except those under a
-- legal hold, which no erase can take until the hold is lifted.
ALTER TABLE studies ADD COLUMN retain_until TEXT;
ALTER TABLE studies ADD COLUMN legal_hold_at TEXT;
ALTER TABLE studies ADD COLUMN legal_hold_by TEXT;
