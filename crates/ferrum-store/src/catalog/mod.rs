//! The catalog: what is stored, for whom, and what happened to it.
mod postgres;
pub mod seed;
pub(crate) mod shared;
mod sqlite;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;

pub use postgres::PostgresCatalog;
pub use sqlite::SqliteCatalog;

use crate::model::*;
use crate::StoreError;

#[async_trait]
pub trait Catalog: Send + Sync + 'static {
    /// Answers once the database can be queried.
    async fn health(&self) -> Result<(), StoreError>;

    // --- accounts ---
    /// Creates an account; `Conflict` when the name is taken or was ever used.
    async fn create_user(&self, username: &str, password_hash: &str, role: Role) -> Result<User, StoreError>;
    /// The account, deleted ones included (they are tombstones).
    async fn find_user(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// Accounts not deleted, by name.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// `NotFound` for an unknown or deleted account.
    async fn update_user(&self, username: &str, change: &UserChange) -> Result<User, StoreError>;
    /// Marks the account deleted; its name stays taken. `NotFound` if unknown or already deleted.
    async fn delete_user(&self, username: &str) -> Result<(), StoreError>;
    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError>;
    async fn find_session(&self, id: &str) -> Result<Option<Session>, StoreError>;
    /// Swaps the refresh secret if it is still `old_hash` (false: it was used already).
    async fn rotate_session(&self, id: &str, old_hash: &str, new_hash: &str) -> Result<bool, StoreError>;
    async fn revoke_session(&self, id: &str) -> Result<(), StoreError>;
    /// Records `sha` as the instance whose thumbnails stand for the series; answers the one
    /// recorded before (`None` if none, or the series is unknown).
    async fn swap_series_thumbnail(&self, series_uid: &str, sha: &str) -> Result<Option<String>, StoreError>;
    async fn count_users(&self) -> Result<i64, StoreError>;
    /// Records a failed login; locks the account until `lock_until` once `failures` reaches
    /// `max_failures`. Answers the new count.
    async fn record_login_failure(&self, user_id: i64, max_failures: i64, lock_until: &str) -> Result<i64, StoreError>;
    async fn record_login_success(&self, user_id: i64) -> Result<(), StoreError>;

    // --- instances ---
    /// Catalogues a batch in one transaction, each instance with its own outcome, together
    /// with the audit events that record it: the rows and their audit trail commit as one.
    async fn insert_instances(
        &self,
        batch: &[NewInstance],
        policy: ConflictPolicy,
        audit: &[AuditEvent],
    ) -> Result<Vec<InsertOutcome>, StoreError>;
    async fn find_instance(&self, sop_uid: &str) -> Result<Option<InstanceRecord>, StoreError>;
    /// Which of `keys` some instance still points at (for the orphan sweep).
    async fn referenced_blob_keys(&self, keys: &[String]) -> Result<HashSet<String>, StoreError>;

    // --- studies ---
    async fn list_studies(&self, query: &StudyQuery) -> Result<StudyPage, StoreError>;
    async fn get_study(&self, study_uid: &str) -> Result<Option<StudyDetail>, StoreError>;
    /// The series' instances in display order (instance number, then UID); empty when the
    /// series does not exist.
    async fn series_instances(&self, series_uid: &str) -> Result<Vec<InstanceRecord>, StoreError>;
    /// Who first uploaded the study (its owner), if it exists.
    async fn study_owner(&self, study_uid: &str) -> Result<Option<String>, StoreError>;

    // --- background jobs ---
    /// Queues work. A job already queued for the same kind and subject stays one job (due at
    /// the earlier time); if it is running, it runs once more after.
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> Result<(), StoreError>;
    /// Claims up to `limit` due jobs for `lease`: nobody else gets them until the lease runs
    /// out (a worker that dies loses them back to the queue). On PostgreSQL, concurrent
    /// claimers skip each other's rows (`FOR UPDATE SKIP LOCKED`) instead of waiting.
    async fn claim_jobs(&self, limit: u32, lease: std::time::Duration) -> Result<Vec<Job>, StoreError>;
    /// Done: removed, unless it was queued again while it ran (then it is due again).
    async fn complete_job(&self, job: &Job) -> Result<(), StoreError>;
    /// Failed: released, due again at `retry_after`, with the error kept for operators.
    async fn fail_job(&self, job: &Job, error: &str, retry_after: &str) -> Result<(), StoreError>;

    // --- viewer links ---
    /// `NotFound` when the study does not exist.
    async fn create_link(&self, link: &NewLink) -> Result<Link, StoreError>;
    async fn find_link(&self, id: &str) -> Result<Option<Link>, StoreError>;
    /// The study's links, newest first.
    async fn list_links(&self, study_uid: &str) -> Result<Vec<Link>, StoreError>;
    /// Marks the link revoked at `at` (once: a second revocation keeps the first time).
    async fn revoke_link(&self, id: &str, at: &str) -> Result<(), StoreError>;
    /// Counts one opening of the viewer page.
    /// Counts a wrong PIN; at `max_failures` in a row the link refuses PINs until `lock_until`.
    async fn record_pin_failure(&self, id: &str, max_failures: i64, lock_until: &str) -> Result<i64, StoreError>;
    async fn record_pin_success(&self, id: &str) -> Result<(), StoreError>;
    async fn record_link_open(&self, id: &str) -> Result<(), StoreError>;

    // --- audit ---
    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    async fn list_audit(&self, study_uid: Option<&str>, limit: u32) -> Result<Vec<AuditEvent>, StoreError>;
    /// What one actor (`link:<id>`, `user:<name>`) did, newest first.
    async fn list_audit_by_actor(&self, actor: &str, limit: u32) -> Result<Vec<AuditEvent>, StoreError>;
}

/// Opens the catalog a `DATABASE_URL` names and brings its schema up to date.
pub async fn open(url: &str, max_connections: u32) -> Result<Arc<dyn Catalog>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteCatalog::open(url, max_connections).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PostgresCatalog::open(url, max_connections).await?))
    } else {
        Err(StoreError::Invalid("DATABASE_URL must start with sqlite:// or postgres://".into()))
    }
}
