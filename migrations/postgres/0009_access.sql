-- The access model: see migrations/sqlite/0009_access.sql.
ALTER TABLE studies ADD COLUMN owner_id BIGINT REFERENCES users (id);
UPDATE studies SET owner_id = (SELECT u.id FROM users u WHERE u.username = studies.uploaded_by);
CREATE INDEX studies_owner ON studies (owner_id, uploaded_at);

ALTER TABLE instances ADD COLUMN uploader_id BIGINT REFERENCES users (id);
UPDATE instances SET uploader_id = (SELECT u.id FROM users u WHERE u.username = instances.uploaded_by);

CREATE TABLE groups (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, group_id);

CREATE TABLE study_grants (
    study_uid    TEXT NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    grantee_kind TEXT NOT NULL CHECK (grantee_kind IN ('user', 'group')),
    grantee_id   BIGINT NOT NULL,
    level        BIGINT NOT NULL CHECK (level IN (1, 2, 3)),
    granted_by   BIGINT REFERENCES users (id),
    granted_at   TEXT NOT NULL,
    PRIMARY KEY (study_uid, grantee_kind, grantee_id)
);
CREATE INDEX study_grants_grantee ON study_grants (grantee_kind, grantee_id, study_uid);

-- A series belongs to exactly one study, and an instance to the study of its series.
ALTER TABLE series ADD CONSTRAINT series_uid_study UNIQUE (series_uid, study_uid);
ALTER TABLE instances ADD CONSTRAINT instances_series_in_study
    FOREIGN KEY (series_uid, study_uid) REFERENCES series (series_uid, study_uid) ON DELETE CASCADE;

-- A note for the owner (who the link was sent to), shown in the link table.
ALTER TABLE links ADD COLUMN note TEXT;
