//! Metadata for instances catalogued before it was kept at ingest: read from the start of
//! each stored object (the header comes before the pixel data), a batch at a time, queued at
//! every start and again while any is missing. An object whose header cannot be read, or
//! that is missing from the blob store, gets an empty data set, so that it is not tried again
//! at every start and does not hold back the instances after it.
use std::time::Duration;

use ferrum_store::model::NewJob;
use ferrum_store::{BlobKey, StoreError};
use futures_util::TryStreamExt;

use super::{job_after, JobContext, BACKFILL_METADATA};

const BATCH: i64 = 200;
/// How much of an object is read for its header. Headers are kilobytes; one with a large
/// private element before the pixel data is read up to this much.
const HEADER_BYTES: u64 = 16 * 1024 * 1024;

pub async fn run(ctx: &JobContext) -> anyhow::Result<Option<NewJob>> {
    let missing = ctx.catalog.instances_without_metadata(BATCH).await?;
    let (mut kept, mut unreadable, mut absent) = (0usize, 0usize, 0usize);
    for (sop_uid, blob_key) in &missing {
        let key = BlobKey::parse(blob_key)?;
        let head = match read_head(ctx, &key).await {
            Ok(head) => Some(head),
            Err(StoreError::NotFound) => {
                absent += 1;
                None
            }
            Err(e) => return Err(e.into()),
        };
        let dataset = match head {
            Some(head) => tokio::task::spawn_blocking(move || {
                ferrum_dicom::header_metadata(std::io::Cursor::new(head)).map(|v| v.to_string()).ok()
            })
            .await?
            .unwrap_or_else(|| {
                unreadable += 1;
                "{}".to_owned()
            }),
            None => "{}".to_owned(),
        };
        if ctx.catalog.put_metadata(sop_uid, blob_key, &dataset).await? {
            kept += 1;
        }
    }
    if !missing.is_empty() {
        tracing::info!(kept, unreadable, absent, "filled in instance metadata");
    }
    // A full batch: more may be missing, go on at once. New instances bring their own.
    Ok((missing.len() as i64 == BATCH).then(|| job_after(BACKFILL_METADATA, "instances", Duration::ZERO)))
}

/// The start of a stored object, up to [`HEADER_BYTES`].
async fn read_head(ctx: &JobContext, key: &BlobKey) -> Result<Vec<u8>, StoreError> {
    let len = ctx.blobs.len(key).await?;
    let mut stream = ctx.blobs.get(key, Some((0, len.min(HEADER_BYTES)))).await?;
    let mut head = Vec::new();
    while let Some(chunk) = stream.try_next().await? {
        head.extend_from_slice(&chunk);
    }
    Ok(head)
}
