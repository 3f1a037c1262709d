//! The failures a store reports, normalised across backends.
use std::sync::atomic::{AtomicU64, Ordering};

use thiserror::Error;

/// Statements that failed because SQLite's database was locked by another writer
/// (SQLITE_BUSY, SQLITE_LOCKED and their extended codes), since the process started. Every
/// write of the embedded catalog goes through one connection, so this stays at zero unless
/// another process writes to the same file.
static DATABASE_LOCKED: AtomicU64 = AtomicU64::new(0);

/// How many catalog statements have failed with "database is locked" so far (for metrics).
pub fn database_locked_errors() -> u64 {
    DATABASE_LOCKED.load(Ordering::Relaxed)
}

fn is_database_locked(db: &dyn sqlx::error::DatabaseError) -> bool {
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
        && db.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (an existing username, a tombstoned one).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The study is under a legal hold: nothing may erase it until the hold is lifted.
    #[error("under legal hold")]
    LegalHold,
    /// The backend cannot be reached or refused to work; worth retrying later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Input the store cannot accept (a malformed cursor, say).
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("storage failure: {0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if is_database_locked(db.as_ref()) {
                DATABASE_LOCKED.fetch_add(1, Ordering::Relaxed);
            }
        }
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(db.message().to_owned()),
            // PostgreSQL's text cannot hold NUL (22021) or a character its encoding lacks
            // (22P05): the value came from the request, so the request is what is wrong.
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("22021" | "22P05")) => {
                StoreError::Invalid("a text value holds a NUL or another character the catalog cannot store".into())
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                StoreError::Unavailable(e.to_string())
            }
            other => StoreError::Other(other.to_string()),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound,
            _ => StoreError::Other(format!("i/o: {e}")),
        }
    }
}
