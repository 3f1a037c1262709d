//! The recurring orphan sweep: blobs that no catalog row points at (an upload that failed
//! between storing the object and committing its rows) are removed once past the grace
//! period. Queued again for the next interval when done.
use std::time::Duration;

use ferrum_store::model::NewJob;

use super::{job_after, JobContext, SWEEP_ORPHANS};

pub async fn run(ctx: &JobContext) -> anyhow::Result<Option<NewJob>> {
    let removed = crate::sweep::sweep_orphans(ctx.catalog.as_ref(), ctx.blobs.as_ref(), ctx.orphan_grace_secs).await?;
    if removed > 0 {
        tracing::info!(orphan_blobs = removed, "swept orphan blobs");
    }
    Ok(Some(job_after(SWEEP_ORPHANS, "blobs", Duration::from_secs(ctx.sweep_interval_secs))))
}
