-- Known remote DICOM application entities: who may open an association with the DICOM
-- listener, from which host, with whose permissions (an account's, by its id so that a
-- rename or tombstone is seen), and which services it may use (space-separated: store,
-- find, move, get). `port` is where the node listens for C-MOVE destinations.
CREATE TABLE dicom_nodes (
    ae_title    TEXT PRIMARY KEY,
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    services    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
