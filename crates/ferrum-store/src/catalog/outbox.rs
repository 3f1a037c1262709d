//! The blob outbox: keys that catalog deletions and replacements released, written in the
//! transaction that removed their rows, and claimed by the server's `delete_blobs` job once
//! their grace period is over. This module only keeps the queue; deciding whether an object
//! may really go (no row points at it again, it was not written again since) is the job's.
use super::ingest::{on_conn, Conn};
use super::sql::{now, on_pool, on_writes, timestamp, SqlCatalog};
use crate::model::ReleasedBlob;
use crate::StoreError;

/// Releasing a key already queued restarts its grace period and bumps its generation, so
/// that a claim running meanwhile does not drop the new release.
const RELEASE: &str = "INSERT INTO blob_outbox (blob_key, released_at) VALUES ($1, $2) \
    ON CONFLICT (blob_key) DO UPDATE SET released_at = excluded.released_at, \
    generation = blob_outbox.generation + 1, not_before = NULL, attempts = 0";
const FINISH: &str = "DELETE FROM blob_outbox WHERE blob_key = $1 AND generation = $2";
const UNLOCK: &str = "UPDATE blob_outbox SET locked_until = NULL WHERE blob_key = $1";
const POSTPONE: &str =
    "UPDATE blob_outbox SET locked_until = NULL, not_before = $2, last_error = $3 WHERE blob_key = $1 AND generation = $4";

fn claim_sql(lock: &str) -> String {
    format!(
        "UPDATE blob_outbox SET locked_until = $3, attempts = attempts + 1 WHERE blob_key IN \
         (SELECT blob_key FROM blob_outbox WHERE released_at <= $1 AND (not_before IS NULL OR not_before <= $2) \
          AND (locked_until IS NULL OR locked_until <= $2) ORDER BY released_at, blob_key LIMIT $4 {lock}) \
         RETURNING blob_key, generation, attempts"
    )
}

/// Puts `keys` into the outbox on an open transaction (the one removing their rows).
pub(crate) async fn release_keys(conn: &mut Conn<'_>, keys: &[String], at: &str) -> Result<(), sqlx::Error> {
    for key in keys {
        on_conn!(conn, |c| sqlx::query(RELEASE).bind(key).bind(at).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl super::OutboxCatalog for SqlCatalog {
    async fn release_blobs(&self, keys: &[String]) -> Result<(), StoreError> {
        let at = now();
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            release_keys(&mut Conn::from(&mut *tx), keys, &at).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn claim_released_blobs(
        &self,
        released_before: &str,
        limit: u32,
        lease: std::time::Duration,
    ) -> Result<Vec<ReleasedBlob>, StoreError> {
        let now = chrono::Utc::now();
        let until = now + chrono::Duration::from_std(lease).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sql = claim_sql(self.dialect().claim_lock);
        let mut claimed: Vec<ReleasedBlob> = on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query_as(&sql)
                .bind(released_before)
                .bind(timestamp(now))
                .bind(timestamp(until))
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await?
        });
        claimed.sort_by(|a, b| a.blob_key.cmp(&b.blob_key));
        Ok(claimed)
    }

    async fn finish_released_blob(&self, blob: &ReleasedBlob) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            {
                let done = sqlx::query(FINISH).bind(&blob.blob_key).bind(blob.generation).execute(&mut *c).await?;
                if done.rows_affected() == 0 {
                    // Released again while claimed: its new grace period runs.
                    sqlx::query(UNLOCK).bind(&blob.blob_key).execute(&mut *c).await?;
                }
            }
        });
        Ok(())
    }

    async fn postpone_released_blob(
        &self,
        blob: &ReleasedBlob,
        not_before: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            {
                let done = sqlx::query(POSTPONE)
                    .bind(&blob.blob_key)
                    .bind(not_before)
                    .bind(error)
                    .bind(blob.generation)
                    .execute(&mut *c)
                    .await?;
                if done.rows_affected() == 0 {
                    sqlx::query(UNLOCK).bind(&blob.blob_key).execute(&mut *c).await?;
                }
            }
        });
        Ok(())
    }

    async fn released_blob_keys(&self) -> Result<Vec<String>, StoreError> {
        let keys: Vec<String> =
            on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT blob_key FROM blob_outbox ORDER BY blob_key")
                .fetch_all(p)
                .await?);
        Ok(keys)
    }
}
