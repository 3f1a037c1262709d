//! Drains the blob outbox: every stored object an erase, a replacement or a refused upload
//! released, once its grace period (`FERRUM_BLOB_DELETE_GRACE_SECS`) is over. Before deleting,
//! it checks again that no catalog row points at the key (keys are content hashes: the same
//! bytes may have been uploaded again meanwhile) and that the object was not written again
//! since (an upload of the same bytes may be between its write and its commit): either way
//! the object stays. Derived thumbnails go with their source. Recurring, claimed once per
//! deployment; each key is claimed by one worker at a time.
use std::time::Duration;

use ferrum_store::model::{NewJob, ReleasedBlob};
use ferrum_store::{BlobKey, StoreError};

use super::{job_after, timestamp, JobContext, DELETE_BLOBS};

/// Keys claimed at a time.
const BATCH: u32 = 64;
/// Longer than deleting one batch takes.
const LEASE: Duration = Duration::from_secs(300);
/// Longest wait before a key whose deletion failed is tried again.
const MAX_BACKOFF_SECS: i64 = 3600;

/// How often the outbox is looked at: often enough that a key waits about its grace period.
fn interval(grace_secs: u64) -> Duration {
    Duration::from_secs(grace_secs.clamp(1, 60))
}

pub async fn run(ctx: &JobContext) -> anyhow::Result<Option<NewJob>> {
    let grace = ctx.blob_delete_grace_secs;
    let mut deleted = 0usize;
    loop {
        let cutoff = timestamp(chrono::Utc::now() - chrono::Duration::seconds(grace.min(i64::MAX as u64) as i64));
        let claimed = ctx.catalog.claim_released_blobs(&cutoff, BATCH, LEASE).await?;
        for blob in &claimed {
            match release(ctx, blob, grace).await {
                Ok(gone) => {
                    deleted += usize::from(gone);
                    ctx.metrics.outbox_key(gone);
                }
                Err(e) => {
                    let backoff = (1i64 << blob.attempts.clamp(0, 12)).min(MAX_BACKOFF_SECS);
                    tracing::warn!(attempts = blob.attempts, retry_in_secs = backoff, error = %e, "could not delete a released blob");
                    let retry = timestamp(chrono::Utc::now() + chrono::Duration::seconds(backoff));
                    ctx.catalog.postpone_released_blob(blob, &retry, Some(&format!("{e:#}"))).await?;
                }
            }
        }
        if claimed.len() < BATCH as usize {
            break;
        }
    }
    if deleted > 0 {
        tracing::info!(blobs = deleted, "deleted released blobs");
    }
    Ok(Some(job_after(DELETE_BLOBS, "outbox", interval(grace))))
}

/// Deletes one released object if it may go; answers whether it did. The key leaves the
/// outbox either way, except when the object was written again too recently to tell.
async fn release(ctx: &JobContext, blob: &ReleasedBlob, grace: u64) -> anyhow::Result<bool> {
    let Ok(key) = BlobKey::parse(&blob.blob_key) else {
        tracing::warn!("the outbox holds a key that is not a blob key; dropped");
        ctx.catalog.finish_released_blob(blob).await?;
        return Ok(false);
    };
    if !ctx.catalog.referenced_blob_keys(std::slice::from_ref(&blob.blob_key)).await?.is_empty() {
        // Uploaded again (or still held by another row): it stays.
        ctx.catalog.finish_released_blob(blob).await?;
        return Ok(false);
    }
    match ctx.blobs.age_secs(&key).await {
        Ok(age) if age < grace => {
            // Written again since it was released: an upload of these bytes may be about to
            // commit. Looked at again once that write is as old as the grace period.
            let again = timestamp(chrono::Utc::now() + chrono::Duration::seconds((grace - age) as i64));
            ctx.catalog.postpone_released_blob(blob, &again, None).await?;
            return Ok(false);
        }
        Ok(_) | Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    // Derived objects first: a crash in between leaves the source, claimed again after the
    // lease, never a thumbnail without its source.
    if let Some(sha) = dicom_sha(&key) {
        ctx.images.forget_thumbnails(sha).await?;
    }
    ctx.blobs.delete(&key).await?;
    ctx.catalog.finish_released_blob(blob).await?;
    Ok(true)
}

/// The content hash a stored DICOM object's key names (`dicom/ab/cd/<sha>.dcm`).
fn dicom_sha(key: &BlobKey) -> Option<&str> {
    let sha = key.as_str().strip_prefix("dicom/")?.rsplit('/').next()?.strip_suffix(".dcm")?;
    (sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then_some(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_of_a_dicom_key_names_its_thumbnails() {
        let sha = "ab".repeat(32);
        assert_eq!(dicom_sha(&BlobKey::for_dicom(&sha)), Some(sha.as_str()));
        assert_eq!(dicom_sha(&BlobKey::for_thumbnail(&sha, 256, "jpg")), None);
    }
}
