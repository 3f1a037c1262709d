-- The DICOM JSON model of each instance's header, kept at ingest so that metadata queries
-- never read the stored objects. Apart from `instances`, whose rows the listings scan.
CREATE TABLE instance_metadata (
    sop_uid TEXT PRIMARY KEY,
    dataset TEXT NOT NULL
);
