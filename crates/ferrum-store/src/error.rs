//! The failures a store reports, normalised across backends.
use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (an existing username, a tombstoned one).
    #[error("conflict: {0}")]
    Conflict(String),
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
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(db.message().to_owned()),
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
