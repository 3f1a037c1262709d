-- The study search (README, *Search*). Counts, modalities and search keys are kept on the
-- study row and in study_keys, computed by one function in the store at ingest, erase and
-- rectification; rows made before this version get them at the first start (search_version
-- 0 is "not computed yet": the folding is Rust's, the same for both catalogs).
-- Keys compare in code-point order ("C"), as SQLite's do, so that prefix ranges and the
-- order of a listing are the same on both catalogs whatever the database's locale.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

ALTER TABLE studies
    ADD COLUMN num_series BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN num_instances BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN modalities TEXT,
    ADD COLUMN patient_id_key TEXT COLLATE "C",
    ADD COLUMN accession_key TEXT COLLATE "C",
    ADD COLUMN search_text TEXT,
    ADD COLUMN search_version BIGINT NOT NULL DEFAULT 0,
    ALTER COLUMN patient_name_folded TYPE TEXT COLLATE "C";

-- Folded words of names (each component of each group, and each group whole),
-- descriptions (study, series, body parts), referring physician and institution.
CREATE TABLE study_keys (
    field     TEXT NOT NULL,
    key       TEXT COLLATE "C" NOT NULL,
    study_uid TEXT NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    PRIMARY KEY (field, key, study_uid)
);
CREATE INDEX study_keys_study ON study_keys (study_uid);

CREATE INDEX studies_accession_key ON studies ((COALESCE(accession_key, '')), study_uid);
CREATE INDEX studies_patient_id_key ON studies (patient_id_key, study_uid);
CREATE INDEX studies_birth_date ON studies (patient_birth_date);
CREATE INDEX studies_study_time ON studies (study_time);
CREATE INDEX studies_restricted ON studies (restricted_at) WHERE restricted_at IS NOT NULL;
-- Free text: pg_trgm's trigrams of search_text, for the LIKE lookups of each query trigram.
-- The operator class is named in the schema the extension is in (public, unless it was
-- installed elsewhere beforehand), whatever this connection's search_path.
DO $$
BEGIN
    EXECUTE format('CREATE INDEX studies_search_text ON studies USING gin (search_text %I.gin_trgm_ops)',
        (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'));
END
$$;
