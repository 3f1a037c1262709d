//! The catalog: what is stored, for whom, and what happened to it. One small trait per
//! concern; [`Catalog`] is all of them, implemented once for both SQL backends
//! ([`SqlCatalog`]), which differ only where their dialects or commit strategies must.
//!
//! Every read of patient data takes a [`Principal`] and filters inside the query
//! ([`access`]): a study the principal may not see is simply not found.
pub(crate) mod access;
mod accounts;
pub(crate) mod audit;
mod dicom_nodes;
mod erase;
mod export;
mod ingest;
mod jobs;
mod links;
mod listing;
mod listing_plan;
mod metadata;
mod mfa;
mod outbox;
mod qido;
mod rectify;
mod retention;
mod rows;
/// The search columns of a study: [`search_columns::refresh`] is what every path that
/// changes a study's attributes or series calls.
pub(crate) mod search_columns;
pub mod seed;
mod settings;
mod snapshot;
mod sql;
mod sqlite;
mod studies;
pub mod write_wait;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;

pub use qido::{QidoCatalog, QidoLevel, QidoQuery, QidoRow};
pub use snapshot::snapshot_sqlite;
pub use sql::{PostgresCatalog, SqlCatalog, SqliteCatalog};
pub use write_wait::{write_waits, WriteWaits};

use crate::access::{Grant, Grantee, Group, Level, Principal, StudyAccess};
use crate::audit::{AuditAnchor, AuditCheckpoint, AuditQuery, AuditRecord, CheckpointSigner, NewAuditEvent};
use crate::model::*;
use crate::StoreError;

/// Studies, series and instances: ingest, reads scoped by the principal, and sharing.
#[async_trait]
pub trait StudyCatalog: Send + Sync {
    /// Catalogues a batch for `principal` in one transaction, each instance with its own
    /// outcome, together with the audit events that record it: the rows and their audit
    /// trail commit as one. An instance naming a study the principal may not contribute to,
    /// or a series held by another study, is refused, never merged.
    async fn insert_instances(
        &self,
        principal: &Principal,
        batch: &[NewInstance],
        policy: ConflictPolicy,
        audit: &[crate::audit::NewAuditEvent],
    ) -> Result<Vec<InsertOutcome>, StoreError>;
    async fn find_instance(&self, principal: &Principal, sop_uid: &str) -> Result<Option<InstanceRecord>, StoreError>;
    /// Which of `keys` some instance still points at (for the orphan sweep).
    async fn referenced_blob_keys(&self, keys: &[String]) -> Result<HashSet<String>, StoreError>;
    async fn list_studies(&self, principal: &Principal, query: &StudyQuery) -> Result<StudyPage, StoreError>;
    /// The study with the series and instances the principal may see.
    async fn get_study(&self, principal: &Principal, study_uid: &str) -> Result<Option<StudyDetail>, StoreError>;
    /// The series' instances in display order (instance number, then UID); empty when the
    /// series does not exist or the principal may not see it.
    async fn series_instances(
        &self,
        principal: &Principal,
        series_uid: &str,
    ) -> Result<Vec<InstanceRecord>, StoreError>;
    /// What the principal may do with the study; `None` if it may not see it (or it does not
    /// exist).
    async fn study_access(&self, principal: &Principal, study_uid: &str) -> Result<Option<StudyAccess>, StoreError>;
    /// Records `sha` as the instance whose thumbnails stand for the series; answers the one
    /// recorded before (`None` if none, or the series is unknown).
    async fn swap_series_thumbnail(&self, series_uid: &str, sha: &str) -> Result<Option<String>, StoreError>;

    /// The study's grants. The caller has checked that the principal owns the study.
    async fn list_grants(&self, study_uid: &str) -> Result<Vec<Grant>, StoreError>;
    /// Gives (or changes) a grant; `NotFound` for an unknown account or group.
    /// Grants (or changes) a level; `audit` is committed with it.
    async fn put_grant(
        &self,
        study_uid: &str,
        grantee: &Grantee,
        level: Level,
        by: i64,
        audit: &NewAuditEvent,
    ) -> Result<Grant, StoreError>;
    /// Withdraws a grant; `NotFound` when there was none.
    async fn delete_grant(&self, study_uid: &str, grantee: &Grantee, audit: &NewAuditEvent) -> Result<(), StoreError>;
    /// Restricts processing of the study (`by` the admin who does) or lifts the restriction
    /// (`None`), with its audit event; `NotFound` when there is no such study.
    async fn set_restriction(&self, study_uid: &str, by: Option<&str>, audit: &NewAuditEvent)
        -> Result<(), StoreError>;
    /// `Some((restricted_at, restricted_by))` for a study that exists (both `None` when it is
    /// not restricted); for admins, who alone see restricted studies.
    async fn restriction(&self, study_uid: &str) -> Result<Option<(Option<String>, Option<String>)>, StoreError>;
    /// Makes another account the study's owner; `NotFound` for an unknown account.
    async fn transfer_study(&self, study_uid: &str, new_owner: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
}

/// Accounts, login sessions and groups.
#[async_trait]
pub trait AccountCatalog: Send + Sync {
    /// Creates an account; `Conflict` when the name is taken or was ever used. `audit` is
    /// committed with it.
    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        audit: &NewAuditEvent,
    ) -> Result<User, StoreError>;
    /// The account, deleted ones included (they are tombstones).
    async fn find_user(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// Accounts not deleted, by name.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// `NotFound` for an unknown or deleted account. `audit` (the events the change records,
    /// in order) is committed with it.
    async fn update_user(
        &self,
        username: &str,
        change: &UserChange,
        audit: &[NewAuditEvent],
    ) -> Result<User, StoreError>;
    /// Marks the account deleted; its name stays taken. `NotFound` if unknown or already
    /// deleted. `audit` is committed with it.
    async fn delete_user(&self, username: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
    async fn count_users(&self) -> Result<i64, StoreError>;
    /// Counts a login attempt before its password is checked, atomically: answers `false`
    /// (and counts nothing) when the account is locked at `now`; else counts it as a failure
    /// and, at `max_failures`, locks the account until `lock_until`. A right password then
    /// clears the count ([`AccountCatalog::record_login_success`]), so a burst of guesses gets
    /// no more checks than a sequence.
    async fn claim_login_attempt(
        &self,
        user_id: i64,
        now: &str,
        max_failures: i64,
        lock_until: &str,
    ) -> Result<bool, StoreError>;
    async fn record_login_success(&self, user_id: i64) -> Result<(), StoreError>;
    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError>;
    async fn find_session(&self, id: &str) -> Result<Option<Session>, StoreError>;
    /// Records that the session was used at `now`, only if its last use is before
    /// `if_before` (so that most requests write nothing).
    async fn touch_session(&self, id: &str, now: &str, if_before: &str) -> Result<(), StoreError>;
    /// The account's open sessions (not ended, not expired at `now`, used since
    /// `idle_cutoff`), most recently used first.
    async fn list_sessions(&self, user_id: i64, now: &str, idle_cutoff: &str) -> Result<Vec<SessionInfo>, StoreError>;
    /// Ends one of the account's own sessions; `false` (and no event) when it has no open
    /// session `id`. `audit` is committed with it.
    async fn revoke_user_session(&self, user_id: i64, id: &str, audit: &NewAuditEvent) -> Result<bool, StoreError>;
    /// Ends every open session of the account but `keep`; answers how many ended. `audit` is
    /// committed with it, that number added to its detail as `ended`.
    async fn revoke_other_sessions(&self, user_id: i64, keep: &str, audit: &NewAuditEvent) -> Result<u64, StoreError>;
    /// The account's own password change: sets the hash, lifts a lockout, and ends every
    /// other session, in one transaction with `audit`.
    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: &str,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError>;
    /// Lifts a login lockout; `NotFound` for an unknown or deleted account. `audit` is
    /// committed with it.
    async fn unlock_user(&self, username: &str, audit: &NewAuditEvent) -> Result<User, StoreError>;
    /// Swaps the refresh secret if it is still `old_hash` (false: it was used already).
    async fn rotate_session(&self, id: &str, old_hash: &str, new_hash: &str) -> Result<bool, StoreError>;
    /// Ends the session (once: a second end keeps the first time); `audit` is committed with it.
    async fn revoke_session(&self, id: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
    /// The ids of the groups the account belongs to.
    async fn groups_of(&self, user_id: i64) -> Result<Vec<i64>, StoreError>;

    // Each change of a group commits its `audit` event with it; a refused one (`NotFound`,
    // `Conflict`) leaves none.
    /// `Conflict` when a group of this name exists.
    async fn create_group(&self, name: &str, audit: &NewAuditEvent) -> Result<Group, StoreError>;
    async fn list_groups(&self) -> Result<Vec<Group>, StoreError>;
    async fn rename_group(&self, name: &str, new_name: &str, audit: &NewAuditEvent) -> Result<Group, StoreError>;
    /// Deletes the group and the grants given to it.
    async fn delete_group(&self, name: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
    /// Adding a member again changes nothing but is still recorded.
    async fn add_member(&self, group: &str, username: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
    async fn remove_member(&self, group: &str, username: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
}

/// The TOTP second factor of accounts and their recovery codes.
#[async_trait]
pub trait MfaCatalog: Send + Sync {
    /// `NotFound` for an unknown or deleted account.
    async fn totp_state(&self, user_id: i64) -> Result<TotpState, StoreError>;
    /// Keeps `secret` as the one being enrolled (replacing an earlier one), with `audit`;
    /// `Conflict` (and no event) when TOTP is on already.
    async fn set_totp_pending(&self, user_id: i64, secret: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
    /// Turns TOTP on with the pending secret if it is still `secret`, remembering `step` as
    /// used, and replaces the recovery codes with `recovery_hashes`, in one transaction with
    /// `audit`. `false` (and no event) when the pending secret changed meanwhile (or TOTP is
    /// on already).
    async fn enable_totp(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        audit: &NewAuditEvent,
    ) -> Result<bool, StoreError>;
    /// Turns TOTP off and forgets the secret and the recovery codes; `audit` is committed
    /// with it.
    async fn disable_totp(&self, user_id: i64, audit: &NewAuditEvent) -> Result<(), StoreError>;
    /// Accepts a code of time `step` once: `false` when a code of this step or a later one
    /// was accepted already (a replay).
    async fn claim_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError>;
    /// Uses a recovery code up: `false` when there is no such unused code.
    async fn use_recovery_code(&self, user_id: i64, code_hash: &str) -> Result<bool, StoreError>;
    async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, StoreError>;
}

/// Deployment-wide settings changed at run time (`mfa_required_roles`).
#[async_trait]
pub trait SettingCatalog: Send + Sync {
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets `key`; `audit` is committed with it.
    async fn put_setting(&self, key: &str, value: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
}

/// Viewer links.
#[async_trait]
pub trait LinkCatalog: Send + Sync {
    /// `NotFound` when the study does not exist.
    /// Makes a link; `audit` is committed with it.
    async fn create_link(&self, link: &NewLink, audit: &NewAuditEvent) -> Result<Link, StoreError>;
    /// The link a verified token names (the token is the credential, so no principal).
    async fn find_link(&self, id: &str) -> Result<Option<Link>, StoreError>;
    /// The study's links, newest first.
    async fn list_links(&self, study_uid: &str) -> Result<Vec<Link>, StoreError>;
    /// Marks the link revoked at `at` (once: a second revocation keeps the first time).
    async fn revoke_link(&self, id: &str, at: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
    /// Counts one opening, atomically and only while openings are left: `false` when the
    /// link's openings are used up (nothing counted).
    async fn claim_link_open(&self, id: &str) -> Result<bool, StoreError>;
    /// Counts a PIN attempt before the PIN is checked, atomically: `None` (nothing counted)
    /// while the link is locked at `now`; else counts it as a failure, at `max_failures`
    /// locks the link until `lock_until`, and answers the failures in a row so far.
    async fn claim_pin_attempt(
        &self,
        id: &str,
        now: &str,
        max_failures: i64,
        lock_until: &str,
    ) -> Result<Option<i64>, StoreError>;
    /// A right PIN clears the count.
    async fn record_pin_success(&self, id: &str) -> Result<(), StoreError>;
}

/// Background work, claimed from the catalog so that several instances share it.
#[async_trait]
pub trait JobCatalog: Send + Sync {
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
    /// Per kind, the jobs due now (running ones included) and when the longest-waiting one
    /// became due: what `/metrics` shows as the backlog.
    async fn job_backlog(&self) -> Result<Vec<JobBacklog>, StoreError>;
}

/// Erasing studies, series and patients' studies (the caller has checked the principal may).
#[async_trait]
pub trait EraseCatalog: Send + Sync {
    /// Removes the rows of what `target` names (instances, series, studies, their links and
    /// grants; a series erase that takes a study's last series takes the study too) and puts
    /// the keys of their stored objects into the outbox, in one transaction with `audit`,
    /// whose detail gains the counts (`studies`, `series`, `instances`, `blobs_released`; a
    /// patient's erase also `study_uids`). `NotFound` (and no event) when nothing matches.
    async fn erase(&self, target: &EraseTarget, audit: &NewAuditEvent) -> Result<Erased, StoreError>;
    /// Deletes the account (a tombstone, as [`AccountCatalog::delete_user`]) and does `owned`
    /// with the studies it owns, in one transaction: reassigned ones each get `per_study` (a
    /// `transfer_study` event) with their UID, erased ones each get `per_study` (an
    /// `erase_study` event) with their UID and counts, and erasing also revokes the links the
    /// account made. `audit` gains the counts. `NotFound` for an unknown or deleted account,
    /// `Invalid` for an unknown account to reassign to, `LegalHold` when a study to erase is
    /// held (then nothing changes).
    async fn delete_account(
        &self,
        username: &str,
        owned: &OwnedStudies,
        audit: &NewAuditEvent,
        per_study: &NewAuditEvent,
    ) -> Result<AccountDeletion, StoreError>;
    /// The study a series belongs to (unscoped: the caller then asks for the principal's
    /// access to that study).
    async fn series_study(&self, series_uid: &str) -> Result<Option<String>, StoreError>;
}

/// Exports (archives of studies, patients, accounts' uploads), read as the principal may.
#[async_trait]
pub trait ExportCatalog: Send + Sync {
    /// The studies of `scope` the principal may see, ordered by patient ID, study date and
    /// UID, each with the series and instances the principal may see of it (for
    /// `Uploader`, only the instances that account uploaded); studies left with nothing are
    /// left out. Empty when nothing is visible.
    async fn export_studies(&self, principal: &Principal, scope: &ExportScope) -> Result<Vec<ExportStudy>, StoreError>;
}

/// The blob outbox: keys released by deletions and replacements, deleted by a background
/// job after a grace period. Claims are exclusive across instances.
#[async_trait]
pub trait OutboxCatalog: Send + Sync {
    /// Releases `keys` on their own (orphans found outside a catalog change).
    async fn release_blobs(&self, keys: &[String]) -> Result<(), StoreError>;
    /// Claims up to `limit` keys released before `released_before` (RFC 3339) and not
    /// postponed past now, for `lease`: nobody else gets them until the lease runs out. On
    /// PostgreSQL concurrent claimers skip each other's rows (`FOR UPDATE SKIP LOCKED`).
    async fn claim_released_blobs(
        &self,
        released_before: &str,
        limit: u32,
        lease: std::time::Duration,
    ) -> Result<Vec<ReleasedBlob>, StoreError>;
    /// Done with the key (deleted, or found referenced again): removed from the outbox,
    /// unless it was released again while claimed.
    async fn finish_released_blob(&self, blob: &ReleasedBlob) -> Result<(), StoreError>;
    /// Not now: claimed again after `not_before`, with the error kept for operators.
    async fn postpone_released_blob(
        &self,
        blob: &ReleasedBlob,
        not_before: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Every key waiting in the outbox, in key order (for operators and tests).
    async fn released_blob_keys(&self) -> Result<Vec<String>, StoreError>;
}

/// The audit trail: append-only, hash-chained.
#[async_trait]
pub trait AuditCatalog: Send + Sync {
    /// Appends one event at the chain's head and answers it as kept.
    async fn append_audit(&self, event: &NewAuditEvent) -> Result<AuditRecord, StoreError>;
    /// Events matching the filters: newest first, or oldest first after `after_seq`.
    async fn query_audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError>;
    /// The chain in order from just after `after_seq`, for verification.
    async fn audit_chain(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;
    /// The last event's sequence number and hash (0 and the genesis hash before any).
    async fn audit_head(&self) -> Result<(i64, String), StoreError>;
    /// The latest retention checkpoint, if the chain was ever pruned.
    async fn audit_checkpoint(&self) -> Result<Option<AuditCheckpoint>, StoreError>;
    /// Keeps a signed anchor of the head (once per sequence number).
    async fn add_audit_anchor(&self, anchor: &AuditAnchor) -> Result<(), StoreError>;
    /// The anchors, oldest first.
    async fn audit_anchors(&self) -> Result<Vec<AuditAnchor>, StoreError>;
    /// Removes the events older than `before` (RFC 3339) and records a checkpoint at the last
    /// one removed, signed by `sign(seq, hash, at, pruned) -> (key id, signature)`.
    async fn prune_audit(
        &self,
        before: &str,
        sign: &CheckpointSigner<'_>,
    ) -> Result<Option<AuditCheckpoint>, StoreError>;
}

/// Known remote DICOM application entities, managed by admins.
#[async_trait]
pub trait DicomNodeCatalog: Send + Sync {
    /// `Conflict` when the AE title is taken, `Invalid` for an unknown or deleted account.
    /// `audit` is committed with it.
    async fn create_dicom_node(&self, node: &NewDicomNode, audit: &NewAuditEvent) -> Result<DicomNode, StoreError>;
    /// Every node, by AE title.
    async fn list_dicom_nodes(&self) -> Result<Vec<DicomNode>, StoreError>;
    async fn find_dicom_node(&self, ae_title: &str) -> Result<Option<DicomNode>, StoreError>;
    /// `NotFound` for an unknown AE title, `Invalid` for an unknown or deleted account (then
    /// nothing changes). `audit` is committed with it.
    async fn update_dicom_node(
        &self,
        ae_title: &str,
        change: &DicomNodeChange,
        audit: &NewAuditEvent,
    ) -> Result<DicomNode, StoreError>;
    /// `NotFound` (and no event) for an unknown AE title.
    async fn delete_dicom_node(&self, ae_title: &str, audit: &NewAuditEvent) -> Result<(), StoreError>;
}

/// The DICOM JSON of each instance's header, kept at ingest.
#[async_trait]
pub trait MetadataCatalog: Send + Sync {
    /// The instances of the scope the principal may see, with their metadata (`None` for an
    /// instance catalogued before metadata was kept and not filled in yet), in series then
    /// instance order. Empty when nothing is visible.
    async fn metadata(&self, principal: &Principal, scope: &MetadataScope)
        -> Result<Vec<InstanceMetadata>, StoreError>;
    /// What [`metadata`](Self::metadata) answers, as a metadata answer needs it: the same
    /// instances in the same order (UIDs compared byte for byte), read as one value (a series of a thousand instances is
    /// one row from the catalog, not a thousand).
    async fn metadata_lines(
        &self,
        principal: &Principal,
        scope: &MetadataScope,
    ) -> Result<Vec<MetadataLine>, StoreError>;
    /// Up to `limit` instances that have no metadata yet: `(sop_uid, blob_key)`.
    async fn instances_without_metadata(&self, limit: i64) -> Result<Vec<(String, String)>, StoreError>;
    /// Keeps metadata read from the object under `blob_key`, if the instance still points at
    /// it and has none; whether it was kept.
    async fn put_metadata(&self, sop_uid: &str, blob_key: &str, dataset: &str) -> Result<bool, StoreError>;
}

/// Rectification of a study's patient and study attributes.
#[async_trait]
pub trait RectifyCatalog: Send + Sync {
    /// Catalogues the new versions of every instance of the study and its corrected fields,
    /// in one transaction with `audit`; the old objects' keys go into the outbox and are
    /// answered. `Conflict` (nothing changes) when an instance no longer holds the version a
    /// new one was made from, or the study holds instances that were not rewritten (an
    /// upload meanwhile); `NotFound` when the study is gone.
    async fn rectify_study(
        &self,
        study_uid: &str,
        change: &StudyCorrection,
        versions: &[InstanceVersion],
        audit: &NewAuditEvent,
    ) -> Result<Vec<String>, StoreError>;
}

/// Retention periods and legal holds of studies.
#[async_trait]
pub trait RetentionCatalog: Send + Sync {
    /// Sets the study's own last day (`YYYY-MM-DD`), or clears it (`None`: the default
    /// applies), with `audit`; `NotFound` when there is no such study.
    async fn set_retention(
        &self,
        study_uid: &str,
        retain_until: Option<&str>,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError>;
    /// Places a legal hold (`by` the admin who does; placing it again keeps the first) or
    /// lifts it (`None`), with `audit`; `NotFound` when there is no such study.
    async fn set_legal_hold(&self, study_uid: &str, by: Option<&str>, audit: &NewAuditEvent) -> Result<(), StoreError>;
    async fn retention(&self, study_uid: &str) -> Result<Option<RetentionState>, StoreError>;
    /// Studies past their retention on `today` (`YYYY-MM-DD`): their own `retain_until` is
    /// before it, or they have none and were uploaded before `default_cutoff` (RFC 3339;
    /// `None`: no default). Never a study under a legal hold.
    async fn expired_studies(
        &self,
        today: &str,
        default_cutoff: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;
    /// Erases the study as [`EraseCatalog::erase`] does if it is still past its retention in
    /// the erase's own transaction; `None` (and no event) when it is not any more (held,
    /// extended, or gone).
    async fn erase_expired(
        &self,
        study_uid: &str,
        today: &str,
        default_cutoff: Option<&str>,
        audit: &NewAuditEvent,
    ) -> Result<Option<Erased>, StoreError>;
}

/// Every concern of the catalog, as the server holds it (`Arc<dyn Catalog>`).
#[async_trait]
pub trait Catalog:
    StudyCatalog
    + AccountCatalog
    + MfaCatalog
    + SettingCatalog
    + LinkCatalog
    + JobCatalog
    + EraseCatalog
    + ExportCatalog
    + RectifyCatalog
    + RetentionCatalog
    + OutboxCatalog
    + AuditCatalog
    + MetadataCatalog
    + QidoCatalog
    + DicomNodeCatalog
    + 'static
{
    /// Answers once the database can be queried.
    async fn health(&self) -> Result<(), StoreError>;
    /// The read pool's connections now, for `/metrics`.
    fn pool_usage(&self) -> PoolUsage;
}

/// A connection pool's state: connections open, of those idle, and the most it may open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
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
