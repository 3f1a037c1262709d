-- The study search (README, *Search*). Counts, modalities and search keys are kept on the
-- study row and in study_keys, computed by one function in the store at ingest, erase and
-- rectification; rows made before this version get them at the first start (search_version
-- 0 is "not computed yet": the folding is Rust's, the same for both catalogs).
ALTER TABLE studies ADD COLUMN num_series INTEGER NOT NULL DEFAULT 0;
ALTER TABLE studies ADD COLUMN num_instances INTEGER NOT NULL DEFAULT 0;
ALTER TABLE studies ADD COLUMN modalities TEXT;
ALTER TABLE studies ADD COLUMN patient_id_key TEXT;
ALTER TABLE studies ADD COLUMN accession_key TEXT;
ALTER TABLE studies ADD COLUMN search_text TEXT;
ALTER TABLE studies ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0;
-- The study's row in the free-text index (FTS5 rows are integers; studies' rowids may
-- change in a VACUUM, this does not).
ALTER TABLE studies ADD COLUMN search_id INTEGER;

-- Folded words of names (each component of each group, and each group whole),
-- descriptions (study, series, body parts), referring physician and institution.
CREATE TABLE study_keys (
    field     TEXT NOT NULL,
    key       TEXT NOT NULL,
    study_uid TEXT NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    PRIMARY KEY (field, key, study_uid)
) WITHOUT ROWID;
CREATE INDEX study_keys_study ON study_keys (study_uid);

-- Every sort key has the index its ORDER BY names (the expression, then the UID).
DROP INDEX studies_study_date;
CREATE INDEX studies_study_date ON studies (COALESCE(study_date, ''), study_uid);
DROP INDEX studies_patient_name;
CREATE INDEX studies_patient_name ON studies (COALESCE(patient_name_folded, ''), study_uid);
CREATE INDEX studies_accession_key ON studies (COALESCE(accession_key, ''), study_uid);
CREATE INDEX studies_patient_id_key ON studies (patient_id_key, study_uid);
CREATE INDEX studies_birth_date ON studies (patient_birth_date);
CREATE INDEX studies_study_time ON studies (study_time);
CREATE INDEX studies_restricted ON studies (restricted_at) WHERE restricted_at IS NOT NULL;
CREATE UNIQUE INDEX studies_search_id ON studies (search_id);

-- Free text: trigrams of search_text (FTS5's trigram tokenizer), only the row ids kept.
CREATE VIRTUAL TABLE study_text USING fts5 (text, tokenize = 'trigram', content = '', contentless_delete = 1, detail = 'none');

CREATE TRIGGER studies_search_insert AFTER INSERT ON studies BEGIN
    UPDATE studies SET search_id = (SELECT COALESCE(MAX(search_id), 0) + 1 FROM studies)
    WHERE study_uid = NEW.study_uid AND search_id IS NULL;
    INSERT INTO study_text (rowid, text)
    SELECT search_id, search_text FROM studies WHERE study_uid = NEW.study_uid AND search_text IS NOT NULL;
END;
CREATE TRIGGER studies_search_update AFTER UPDATE OF search_text ON studies BEGIN
    DELETE FROM study_text WHERE rowid = OLD.search_id;
    INSERT INTO study_text (rowid, text) SELECT NEW.search_id, NEW.search_text WHERE NEW.search_text IS NOT NULL;
END;
CREATE TRIGGER studies_search_delete AFTER DELETE ON studies BEGIN
    DELETE FROM study_text WHERE rowid = OLD.search_id;
END;

UPDATE studies SET search_id = rowid;
