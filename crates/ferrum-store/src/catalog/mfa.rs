//! The TOTP second factor and its recovery codes. The server computes and checks codes;
//! the catalog keeps the secret and makes each acceptance atomic (a time step, a recovery
//! code), so that two requests racing with one code get one success.
use super::audit::append_chained;
use super::ingest::Conn;
use super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::audit::NewAuditEvent;
use crate::model::TotpState;
use crate::StoreError;

#[async_trait::async_trait]
impl super::MfaCatalog for SqlCatalog {
    async fn totp_state(&self, user_id: i64) -> Result<TotpState, StoreError> {
        let row: Option<(Option<String>, Option<String>, Option<i64>)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT totp_secret, totp_pending, totp_last_step FROM users WHERE id = $1 AND deleted_at IS NULL"
        )
        .bind(user_id)
        .fetch_optional(p)
        .await?);
        let (secret, pending, last_step) = row.ok_or(StoreError::NotFound)?;
        Ok(TotpState { secret, pending, last_step })
    }

    async fn set_totp_pending(&self, user_id: i64, secret: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done = sqlx::query(
                "UPDATE users SET totp_pending = $2 WHERE id = $1 AND deleted_at IS NULL AND totp_secret IS NULL",
            )
            .bind(user_id)
            .bind(secret)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::Conflict("two-factor authentication is on already".into()));
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn enable_totp(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        audit: &NewAuditEvent,
    ) -> Result<bool, StoreError> {
        let at = now();
        Ok(on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done = sqlx::query(
                "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $3 \
                 WHERE id = $1 AND deleted_at IS NULL AND totp_secret IS NULL AND totp_pending = $2",
            )
            .bind(user_id)
            .bind(secret)
            .bind(step)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                false
            } else {
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                for hash in recovery_hashes {
                    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
                        .bind(user_id)
                        .bind(hash)
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                }
                append_chained(&mut Conn::from(&mut *tx), audit).await?;
                tx.commit().await?;
                true
            }
        }))
    }

    async fn disable_totp(&self, user_id: i64, audit: &NewAuditEvent) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            sqlx::query(
                "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE id = $1",
            )
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn claim_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let done = on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query(
                "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_secret IS NOT NULL \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
            )
            .bind(user_id)
            .bind(step)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    async fn use_recovery_code(&self, user_id: i64, code_hash: &str) -> Result<bool, StoreError> {
        let done = on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query(
                "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            )
            .bind(user_id)
            .bind(code_hash)
            .bind(now())
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"
        )
        .bind(user_id)
        .fetch_one(p)
        .await?))
    }
}
