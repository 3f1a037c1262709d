-- Viewer links narrowed to chosen series (space-separated UIDs; NULL: the whole study) and
-- limited to a number of openings of the viewer page (NULL: no limit).
ALTER TABLE links ADD COLUMN series_uids TEXT;
ALTER TABLE links ADD COLUMN max_opens BIGINT;
