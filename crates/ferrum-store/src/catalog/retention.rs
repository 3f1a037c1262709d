//! Retention periods and legal holds of studies. A study is past its retention when today is
//! after its own `retain_until`, or, without one, when it was uploaded before the default
//! cut-off the caller computes from `FERRUM_RETENTION_DAYS`. A study under a legal hold is
//! never past its retention, and the erase path refuses it whatever asks.
use super::audit::append_chained;
use super::erase::{erase_rows, with_counts};
use super::ingest::{on_conn, Conn};
use super::outbox::release_keys;
use super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::audit::NewAuditEvent;
use crate::model::{EraseTarget, Erased, RetentionState};
use crate::StoreError;

/// `$1`: today (`YYYY-MM-DD`); `$2`: the default cut-off (an RFC 3339 time) or NULL.
const EXPIRED: &str = "legal_hold_at IS NULL AND ((retain_until IS NOT NULL AND retain_until < $1) \
    OR (retain_until IS NULL AND $2 IS NOT NULL AND uploaded_at < $2))";

impl SqlCatalog {
    async fn update_study(
        &self,
        sql: &str,
        study_uid: &str,
        args: [Option<&str>; 2],
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done =
                sqlx::query(sql).bind(study_uid).bind(args[0]).bind(args[1]).execute(&mut *tx).await?.rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

#[async_trait::async_trait]
impl super::RetentionCatalog for SqlCatalog {
    async fn set_retention(
        &self,
        study_uid: &str,
        retain_until: Option<&str>,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE studies SET retain_until = $2 WHERE study_uid = $1 AND $3 IS NULL";
        self.update_study(sql, study_uid, [retain_until, None], audit).await
    }

    async fn set_legal_hold(&self, study_uid: &str, by: Option<&str>, audit: &NewAuditEvent) -> Result<(), StoreError> {
        // Holding again keeps the first time and who placed it; lifting clears both.
        let sql =
            "UPDATE studies SET legal_hold_at = CASE WHEN $2 IS NULL THEN NULL ELSE COALESCE(legal_hold_at, $3) END, \
             legal_hold_by = CASE WHEN $2 IS NULL THEN NULL ELSE COALESCE(legal_hold_by, $2) END WHERE study_uid = $1";
        let at = by.map(|_| now());
        self.update_study(sql, study_uid, [by, at.as_deref()], audit).await
    }

    async fn retention(&self, study_uid: &str) -> Result<Option<RetentionState>, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, RetentionState>(
            "SELECT retain_until, legal_hold_at, legal_hold_by, uploaded_at FROM studies WHERE study_uid = $1"
        )
        .bind(study_uid)
        .fetch_optional(p)
        .await?))
    }

    async fn expired_studies(
        &self,
        today: &str,
        default_cutoff: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let sql = format!("SELECT study_uid FROM studies WHERE {EXPIRED} ORDER BY study_uid LIMIT $3");
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar(&sql)
            .bind(today)
            .bind(default_cutoff)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?))
    }

    async fn erase_expired(
        &self,
        study_uid: &str,
        today: &str,
        default_cutoff: Option<&str>,
        audit: &NewAuditEvent,
    ) -> Result<Option<Erased>, StoreError> {
        let at = now();
        let lock = self.dialect().lock_row;
        let sql = format!("SELECT study_uid FROM studies WHERE study_uid = $3 AND {EXPIRED} {lock}");
        let target = EraseTarget::Study(study_uid.to_owned());
        let erased = on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let mut conn = Conn::from(&mut *tx);
            // Looked at again in the erase's transaction: a hold placed, or a retention
            // extended, since the sweep listed it keeps the study.
            let still: Option<String> = on_conn!(&mut conn, |c| sqlx::query_scalar(&sql)
                .bind(today)
                .bind(default_cutoff)
                .bind(study_uid)
                .fetch_optional(&mut **c)
                .await)?;
            if still.is_none() {
                return Ok(None);
            }
            let Some(erased) = erase_rows(&mut conn, &target).await? else {
                return Ok(None);
            };
            release_keys(&mut conn, &erased.released_keys, &at).await?;
            append_chained(&mut conn, &with_counts(audit, &erased, &target)).await?;
            tx.commit().await?;
            Some(erased)
        });
        Ok(erased)
    }
}
