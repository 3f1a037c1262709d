-- Ferrum catalog, PostgreSQL flavour: the same tables and meaning as migrations/sqlite.
-- Timestamps are RFC 3339 UTC text of fixed width in both backends, so that one cursor
-- format serves both and text order is time order.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'radiologist')),
    created_at    TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  TEXT,
    -- a deleted account keeps its row (without a password) so the name is never reissued
    deleted_at    TEXT
);

CREATE TABLE studies (
    study_uid                TEXT PRIMARY KEY,
    patient_name             TEXT,
    patient_name_folded      TEXT,
    patient_id               TEXT,
    patient_birth_date       TEXT,
    patient_sex              TEXT,
    study_date               TEXT,
    study_time               TEXT,
    accession_number         TEXT,
    study_description        TEXT,
    study_description_folded TEXT,
    referring_physician_name TEXT,
    study_id                 TEXT,
    institution_name         TEXT,
    uploaded_by              TEXT NOT NULL,
    uploaded_at              TEXT NOT NULL,
    updated_at               TEXT NOT NULL
);
CREATE INDEX studies_uploaded_at ON studies (uploaded_at, study_uid);
CREATE INDEX studies_study_date ON studies ((COALESCE(study_date, '')), study_uid);
CREATE INDEX studies_patient_name ON studies ((COALESCE(patient_name_folded, '')), study_uid);
CREATE INDEX studies_patient_name_pattern ON studies (patient_name_folded text_pattern_ops);
CREATE INDEX studies_patient_id ON studies (patient_id);
CREATE INDEX studies_accession ON studies (accession_number);
CREATE INDEX studies_uploaded_by ON studies (uploaded_by, uploaded_at);

CREATE TABLE series (
    series_uid         TEXT PRIMARY KEY,
    study_uid          TEXT NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    modality           TEXT,
    series_number      BIGINT,
    series_description TEXT,
    body_part_examined TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX series_study ON series (study_uid);
CREATE INDEX series_modality ON series (modality, study_uid);

CREATE TABLE instances (
    sop_uid                    TEXT PRIMARY KEY,
    series_uid                 TEXT NOT NULL REFERENCES series (series_uid) ON DELETE CASCADE,
    study_uid                  TEXT NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    sop_class_uid              TEXT,
    instance_number            BIGINT,
    transfer_syntax_uid        TEXT NOT NULL,
    rows                       BIGINT,
    columns                    BIGINT,
    number_of_frames           BIGINT,
    photometric_interpretation TEXT,
    bits_allocated             BIGINT,
    size_bytes                 BIGINT NOT NULL,
    sha256                     TEXT NOT NULL,
    blob_key                   TEXT NOT NULL,
    uploaded_by                TEXT NOT NULL,
    created_at                 TEXT NOT NULL
);
CREATE INDEX instances_series ON instances (series_uid, instance_number);
CREATE INDEX instances_study ON instances (study_uid);
CREATE INDEX instances_blob ON instances (blob_key);

CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    study_uid   TEXT,
    series_uid  TEXT,
    sop_uid     TEXT,
    remote_addr TEXT,
    outcome     TEXT NOT NULL,
    detail      TEXT
);
CREATE INDEX audit_at ON audit_events (at);
CREATE INDEX audit_study ON audit_events (study_uid);
