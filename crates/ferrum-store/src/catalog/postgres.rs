//! The production catalog: PostgreSQL, shared by any number of server instances. Each write
//! is its own transaction (PostgreSQL handles concurrent writers itself); a transaction that
//! loses a deadlock or serialization race is retried.
use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use super::shared::{
    self, audit_event, insert_audit, insert_batch, instance_record, link_record, listing_page, series_detail,
    study_summary, user_record, END_SESSIONS, INSTANCES_OF_STUDY, LIST_AUDIT, SERIES_OF_STUDY,
};
use crate::model::*;
use crate::StoreError;

pub struct PostgresCatalog {
    pub(super) pool: PgPool,
}

const MODALITY_AGGREGATE: &str = "string_agg(DISTINCT se.modality, ',')";

/// Concurrent claimers (other instances) skip the rows one has selected instead of waiting.
const CLAIM_LOCK: &str = "FOR UPDATE SKIP LOCKED";

/// Attempts of a write transaction that PostgreSQL aborted to break a deadlock.
const WRITE_ATTEMPTS: u32 = 4;

fn now() -> String {
    super::sqlite::now()
}

impl PostgresCatalog {
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Invalid(format!("DATABASE_URL: {e}")))?;
        Self::open_with(options, max_connections).await
    }

    /// Opens with explicit options (tests use them to put each case in its own schema).
    pub async fn open_with(options: PgConnectOptions, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
        // sqlx takes an advisory lock, so instances starting together migrate once.
        sqlx::migrate!("../../migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrating the catalog: {e}")))?;
        Ok(PostgresCatalog { pool })
    }

    async fn insert_once(
        &self,
        batch: &[NewInstance],
        policy: ConflictPolicy,
        audit: &[AuditEvent],
    ) -> Result<Vec<InsertOutcome>, sqlx::Error> {
        let at = now();
        let mut tx = self.pool.begin().await?;
        let outcomes = insert_batch!(&mut *tx, batch, policy, &at);
        for event in audit {
            insert_audit!(&mut *tx, event)?;
        }
        tx.commit().await?;
        Ok(outcomes)
    }
}

/// PostgreSQL's "try again" answers: deadlock detected, serialization failure.
fn is_retryable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01") | Some("40001")))
}

shared::sql_catalog!(PostgresCatalog, Postgres, MODALITY_AGGREGATE, CLAIM_LOCK, {
    async fn insert_instances(
        &self,
        batch: &[NewInstance],
        policy: ConflictPolicy,
        audit: &[AuditEvent],
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let mut attempt = 1;
        loop {
            match self.insert_once(batch, policy, audit).await {
                Err(e) if is_retryable(&e) && attempt < WRITE_ATTEMPTS => attempt += 1,
                other => return other.map_err(StoreError::from),
            }
        }
    }

    async fn append_audit(&self, e: &AuditEvent) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert_audit!(&mut *conn, e)?;
        Ok(())
    }
});
