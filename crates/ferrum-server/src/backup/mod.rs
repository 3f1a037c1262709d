//! Backup and restore of the embedded default (`ferrum backup DIR`, `ferrum restore DIR`): a
//! consistent online snapshot of the SQLite catalog plus the blob directory, its data keys
//! and the data directory's secrets, copied into an encrypted, content-addressed repository
//! (so each backup copies only what the previous ones lack), pruned after
//! `FERRUM_BACKUP_KEEP_DAYS`. PostgreSQL + S3 are backed up with their own tools (README,
//! *Backup and restore*).
mod manifest;
mod prune;
mod repository;
mod restore;
mod take;

use std::path::{Path, PathBuf};

use ferrum_store::blob::crypto::MasterKeys;

pub use restore::{list, restore};
pub use take::backup;

use crate::config::Settings;

/// The files at the top of the data directory that a restore needs besides the catalog and
/// the blobs: the token signing keys and the audit chain's key (those not set in the
/// configuration live here).
const SECRETS: &[&str] = &["jwt-keys", "jwt-secret", "audit-key"];

/// The trees of the data directory that are copied, by their path under it.
const TREES: &[&str] = &["blobs", "keys"];

/// What `ferrum backup` and `ferrum restore` refuse to work on: only the embedded default
/// keeps everything in the data directory.
fn embedded_only(settings: &Settings, what: &str) -> anyhow::Result<()> {
    if settings.s3_bucket.is_some() || settings.database_url().starts_with("postgres") {
        anyhow::bail!(
            "ferrum {what} covers the embedded default (SQLite and blobs in FERRUM_DATA_DIR); with PostgreSQL or S3 \
             use pg_dump and the bucket's versioning or a copy of it (README, Backup and restore)"
        );
    }
    Ok(())
}

fn backup_keys(key_file: Option<&Path>) -> anyhow::Result<MasterKeys> {
    let key_file = key_file.ok_or_else(|| {
        anyhow::anyhow!(
            "backups are encrypted: set FERRUM_BACKUP_KEY_FILE (or --key-file) to a file of 64 hex digits, mode 600 \
             (`openssl rand -hex 32`), kept apart from the backups"
        )
    })?;
    MasterKeys::from_file(key_file).map_err(|e| anyhow::anyhow!("FERRUM_BACKUP_KEY_FILE: {e}"))
}

/// A SQLite URL's file path, for the snapshot and for where a restore writes.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}
