-- What an accepted object does not conform to (a UID that breaks PS3.5's syntax, a data set
-- without a File Meta group, …): a JSON array of {"code", "message"} objects, NULL when
-- there is nothing to say (and for instances catalogued before this column existed).
ALTER TABLE instances ADD COLUMN warnings TEXT;
