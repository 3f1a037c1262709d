//! Background work, claimed from the catalog so that any number of instances share it and
//! each job is done once: a worker claims due jobs for a lease, runs them, and marks them
//! done, or failed with a retry time that backs off. A job whose worker died is claimed
//! again when its lease runs out, so handlers must be idempotent.
mod backfill_metadata;
mod delete_blobs;
mod retention;
mod sweep;
mod thumbnail;
mod thumbnail_queue;

use std::sync::Arc;
use std::time::Duration;

use ferrum_store::model::{Job, NewJob};
use ferrum_store::{BlobStore, Catalog, StoreError};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use thumbnail_queue::ThumbnailQueue;

use crate::images::Images;
use crate::metrics::Metrics;

/// Longer than any one job takes; a job still running after it may be run twice.
const LEASE: Duration = Duration::from_secs(300);
/// Jobs one worker claims at a time.
const CLAIM_BATCH: u32 = 4;
/// How often an idle worker looks for due jobs queued by other instances.
const POLL: Duration = Duration::from_secs(1);
/// Longest wait before a failed job is tried again.
const MAX_BACKOFF_SECS: i64 = 3600;

pub const SWEEP_ORPHANS: &str = "sweep_orphans";
/// Drains the blob outbox (subject `outbox`); recurring.
pub const DELETE_BLOBS: &str = "delete_blobs";
/// Erases studies past their retention (subject `studies`); recurring.
pub const SWEEP_RETENTION: &str = "sweep_retention";
/// Subject: a series UID.
pub const THUMBNAIL: &str = "thumbnail";
/// Fills in the metadata of instances catalogued before it was kept (subject `instances`);
/// queued at start, again while a batch came back full.
pub const BACKFILL_METADATA: &str = "backfill_metadata";

/// What the handlers need, shared by the workers.
pub struct JobContext {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub metrics: Arc<Metrics>,
    pub images: Arc<Images>,
    pub orphan_grace_secs: u64,
    pub sweep_interval_secs: u64,
    /// How long a released blob waits in the outbox before it is deleted.
    pub blob_delete_grace_secs: u64,
    /// `FERRUM_RETENTION_DAYS`: the default retention of studies.
    pub retention_days: Option<u32>,
    /// Wakes idle workers when this instance queues work, so it starts at once.
    pub wake: Arc<Notify>,
}

/// A job due `delay` from now.
pub fn job_after(kind: &str, subject: &str, delay: Duration) -> NewJob {
    let at = chrono::Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
    NewJob { kind: kind.into(), subject: subject.into(), run_after: timestamp(at) }
}

fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Queues the recurring jobs (once per deployment, whatever the number of instances) and
/// starts `workers` workers, which claim no more jobs once `stop` is cancelled; each handle
/// ends when its worker has finished the jobs it holds.
pub async fn start(
    ctx: Arc<JobContext>,
    workers: usize,
    stop: CancellationToken,
) -> Result<Vec<JoinHandle<()>>, StoreError> {
    ctx.catalog
        .enqueue_jobs(&[
            job_after(SWEEP_ORPHANS, "blobs", Duration::from_secs(ctx.sweep_interval_secs)),
            job_after(DELETE_BLOBS, "outbox", Duration::ZERO),
            job_after(BACKFILL_METADATA, "instances", Duration::ZERO),
            job_after(SWEEP_RETENTION, "studies", Duration::ZERO),
        ])
        .await?;
    Ok((0..workers).map(|_| tokio::spawn(work(ctx.clone(), stop.clone()))).collect())
}

async fn work(ctx: Arc<JobContext>, stop: CancellationToken) {
    while !stop.is_cancelled() {
        let jobs = match ctx.catalog.claim_jobs(CLAIM_BATCH, LEASE).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim background jobs; retrying");
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = tokio::time::sleep(POLL * 5) => {}
                }
                continue;
            }
        };
        if jobs.is_empty() {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = ctx.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            continue;
        }
        // The batch claimed is finished even when stopping: its leases would otherwise hold
        // the jobs from every other instance until they run out.
        for job in jobs {
            run(&ctx, job).await;
        }
    }
}

async fn run(ctx: &JobContext, job: Job) {
    let started = std::time::Instant::now();
    // A handler answers the job to queue after it, for recurring work; queued only once
    // this one is complete, or completing it would count as "queued again while running".
    let result: anyhow::Result<Option<NewJob>> = match job.kind.as_str() {
        SWEEP_ORPHANS => sweep::run(ctx).await,
        DELETE_BLOBS => delete_blobs::run(ctx).await,
        SWEEP_RETENTION => retention::run(ctx).await,
        THUMBNAIL => thumbnail::run(ctx, &job.subject).await,
        BACKFILL_METADATA => backfill_metadata::run(ctx).await,
        other => Err(anyhow::anyhow!("unknown job kind {other}")),
    };
    ctx.metrics.job_took(&job.kind, started.elapsed());
    let recorded = match result {
        Ok(next) => {
            ctx.metrics.job_done(&job.kind, true);
            match ctx.catalog.complete_job(&job).await {
                Ok(()) => match next {
                    Some(next) => ctx.catalog.enqueue_jobs(&[next]).await,
                    None => Ok(()),
                },
                Err(e) => Err(e),
            }
        }
        Err(e) => {
            ctx.metrics.job_done(&job.kind, false);
            let backoff = (1i64 << job.attempts.clamp(0, 12)).min(MAX_BACKOFF_SECS);
            tracing::warn!(kind = %job.kind, attempts = job.attempts, retry_in_secs = backoff, error = %e, "background job failed");
            let retry = timestamp(chrono::Utc::now() + chrono::Duration::seconds(backoff));
            ctx.catalog.fail_job(&job, &format!("{e:#}"), &retry).await
        }
    };
    if let Err(e) = recorded {
        // The lease runs out and the job is claimed again; handlers are idempotent.
        tracing::warn!(kind = %job.kind, error = %e, "cannot record a background job's outcome");
    }
}
