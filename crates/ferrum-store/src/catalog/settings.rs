//! Deployment-wide settings that admins change at run time, one row per key, shared by every
//! instance over the catalog.
use super::audit::append_chained;
use super::ingest::Conn;
use super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::audit::NewAuditEvent;
use crate::StoreError;

#[async_trait::async_trait]
impl super::SettingCatalog for SqlCatalog {
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await?))
    }

    async fn put_setting(&self, key: &str, value: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(key)
            .bind(value)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
