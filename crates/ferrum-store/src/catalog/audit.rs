//! The audit trail. On SQLite an event goes through the group-commit writer, so that reads
//! of patient data (each audited) do not queue on the database lock one by one.
use super::ingest::{insert_audit, Conn};
use super::sql::{on_pool, Pool, SqlCatalog};
use crate::model::*;
use crate::StoreError;

#[async_trait::async_trait]
impl super::AuditCatalog for SqlCatalog {
    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        match (&self.pool, &self.writer) {
            (Pool::Sqlite(_), Some(writer)) => writer.append_audit(event.clone()).await,
            (Pool::Postgres(pool), _) => {
                let mut conn = pool.acquire().await?;
                insert_audit(&mut Conn::Postgres(&mut conn), event).await?;
                Ok(())
            }
            (Pool::Sqlite(_), None) => Err(StoreError::Unavailable("the catalog writer has stopped".into())),
        }
    }

    async fn list_audit(&self, study_uid: Option<&str>, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT * FROM audit_events WHERE ($1 IS NULL OR study_uid = $1) ORDER BY id DESC LIMIT $2"
        )
        .bind(study_uid)
        .bind(i64::from(limit))
        .fetch_all(p)
        .await?))
    }

    async fn list_audit_by_actor(&self, actor: &str, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT * FROM audit_events WHERE actor = $1 ORDER BY id DESC LIMIT $2"
        )
        .bind(actor)
        .bind(i64::from(limit))
        .fetch_all(p)
        .await?))
    }
}
