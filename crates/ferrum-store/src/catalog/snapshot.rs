//! A consistent copy of the embedded catalog taken while servers write to it: `VACUUM INTO`
//! reads the database inside one read transaction (WAL mode lets writers go on meanwhile)
//! and writes a compact, self-contained file with no journal beside it.
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::StoreError;

/// Writes the catalog at `url` (`sqlite://…`) as it is at one instant to `dest`, a path that
/// must not exist yet.
pub async fn snapshot_sqlite(url: &str, dest: &Path) -> Result<(), StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Invalid(format!("DATABASE_URL: {e}")))?
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30));
    let mut conn =
        options.connect().await.map_err(|e| StoreError::Unavailable(format!("cannot open the SQLite catalog: {e}")))?;
    let dest = dest.to_str().ok_or_else(|| StoreError::Invalid("the snapshot path is not UTF-8".into()))?;
    sqlx::query("VACUUM INTO ?")
        .bind(dest)
        .execute(&mut conn)
        .await
        .map_err(|e| StoreError::Other(format!("snapshotting the catalog: {e}")))?;
    conn.close().await.map_err(|e| StoreError::Other(e.to_string()))?;
    Ok(())
}
