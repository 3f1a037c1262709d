//! Viewer links: the rows their signed tokens name, checked on every request.
use super::audit::append_chained;
use super::ingest::Conn;
use super::rows::LinkRow;
use super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::audit::NewAuditEvent;
use crate::model::*;
use crate::StoreError;

#[async_trait::async_trait]
impl super::LinkCatalog for SqlCatalog {
    async fn create_link(&self, link: &NewLink, audit: &NewAuditEvent) -> Result<Link, StoreError> {
        let begin = self.dialect().begin_write;
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            let done = sqlx::query(
                "INSERT INTO links (id, study_uid, created_by, created_at, expires_at, allow_download, \
                 series_uids, max_opens, pin_hash, note, note_shown, deid_key) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, TRUE, $11 WHERE EXISTS (SELECT 1 FROM studies WHERE study_uid = $2)",
            )
            .bind(&link.id)
            .bind(&link.study_uid)
            .bind(&link.created_by)
            .bind(now())
            .bind(&link.expires_at)
            .bind(link.allow_download)
            .bind((!link.series_uids.is_empty()).then(|| link.series_uids.join(" ")))
            .bind(link.max_opens)
            .bind(&link.pin_hash)
            .bind(&link.note)
            .bind(&link.deid_key)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        self.find_link(&link.id).await?.ok_or(StoreError::NotFound)
    }

    async fn find_link(&self, id: &str) -> Result<Option<Link>, StoreError> {
        let row: Option<LinkRow> = on_pool!(&self.pool, |p| sqlx::query_as("SELECT * FROM links WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await?);
        Ok(row.map(Link::from))
    }

    async fn list_links(&self, study_uid: &str) -> Result<Vec<Link>, StoreError> {
        let rows: Vec<LinkRow> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT * FROM links WHERE study_uid = $1 ORDER BY created_at DESC, id"
        )
        .bind(study_uid)
        .fetch_all(p)
        .await?);
        Ok(rows.into_iter().map(Link::from).collect())
    }

    async fn revoke_link(&self, id: &str, at: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        let begin = self.dialect().begin_write;
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            sqlx::query("UPDATE links SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn claim_link_open(&self, id: &str) -> Result<bool, StoreError> {
        let done = on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query("UPDATE links SET opens = opens + 1 WHERE id = $1 AND (max_opens IS NULL OR opens < max_opens)")
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    async fn claim_pin_attempt(
        &self,
        id: &str,
        now: &str,
        max_failures: i64,
        lock_until: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query_scalar(
                "UPDATE links SET pin_failures = pin_failures + 1, \
             pin_locked_until = CASE WHEN pin_failures + 1 >= $3 THEN $4 ELSE pin_locked_until END \
             WHERE id = $1 AND (pin_locked_until IS NULL OR pin_locked_until <= $2) RETURNING pin_failures",
            )
            .bind(id)
            .bind(now)
            .bind(max_failures)
            .bind(lock_until)
            .fetch_optional(&mut *c)
            .await?
        }))
    }

    async fn record_pin_success(&self, id: &str) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query("UPDATE links SET pin_failures = 0, pin_locked_until = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(())
    }
}
