-- The SHA-256 of the instance whose derived thumbnails stand for the series now, so that
-- when a growing series gets a new middle instance the old one's thumbnails are deleted.
ALTER TABLE series ADD COLUMN thumbnail_sha TEXT;
