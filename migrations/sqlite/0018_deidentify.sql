-- De-identified viewer links: the link's own secret (hex), from which its new UIDs, date
-- offset and pseudonyms are derived; NULL for a link that shows the study as stored.
ALTER TABLE links ADD COLUMN deid_key TEXT;
-- Burned In Annotation (0028,0301) as read at ingest: such objects are left out of
-- de-identified views, their pixels may show a name. NULL: ingested before it was read.
ALTER TABLE instances ADD COLUMN burned_in_annotation INTEGER;
