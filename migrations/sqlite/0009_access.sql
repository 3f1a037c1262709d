-- The access model: a study has one owner (an account id, not a name) and grants to
-- accounts or groups at a level (1 read, 2 share, 3 contribute). Studies whose uploader is
-- not an account (seeded or imported rows) have no owner: only admins see them.
ALTER TABLE studies ADD COLUMN owner_id INTEGER REFERENCES users (id);
UPDATE studies SET owner_id = (SELECT u.id FROM users u WHERE u.username = studies.uploaded_by);
CREATE INDEX studies_owner ON studies (owner_id, uploaded_at);

ALTER TABLE instances ADD COLUMN uploader_id INTEGER REFERENCES users (id);
UPDATE instances SET uploader_id = (SELECT u.id FROM users u WHERE u.username = instances.uploaded_by);

CREATE TABLE groups (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, group_id);

CREATE TABLE study_grants (
    study_uid    TEXT NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    grantee_kind TEXT NOT NULL CHECK (grantee_kind IN ('user', 'group')),
    grantee_id   INTEGER NOT NULL,
    level        INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    granted_by   INTEGER REFERENCES users (id),
    granted_at   TEXT NOT NULL,
    PRIMARY KEY (study_uid, grantee_kind, grantee_id)
);
CREATE INDEX study_grants_grantee ON study_grants (grantee_kind, grantee_id, study_uid);

-- A series belongs to exactly one study: an instance must name its series' study. SQLite
-- cannot add a composite foreign key to an existing table, so a trigger holds the rule.
CREATE TRIGGER instances_series_in_study BEFORE INSERT ON instances
WHEN (SELECT se.study_uid FROM series se WHERE se.series_uid = NEW.series_uid) IS NOT NEW.study_uid
BEGIN
    SELECT RAISE(ABORT, 'instance names a series of another study');
END;
CREATE TRIGGER instances_series_in_study_update BEFORE UPDATE OF series_uid, study_uid ON instances
WHEN (SELECT se.study_uid FROM series se WHERE se.series_uid = NEW.series_uid) IS NOT NEW.study_uid
BEGIN
    SELECT RAISE(ABORT, 'instance names a series of another study');
END;

-- A note for the owner (who the link was sent to), shown in the link table.
ALTER TABLE links ADD COLUMN note TEXT;
