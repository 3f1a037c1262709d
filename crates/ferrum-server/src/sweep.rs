//! Start-up clean-up after a crash: spooled request bodies are discarded, and blobs that no
//! catalog row points at (written, but their upload never committed) are removed once older
//! than the grace period, so that an upload in flight on another instance is left alone.
//! Derived images go with their source.
use std::path::Path;

use ferrum_store::blob::THUMBNAIL_PREFIX;
use ferrum_store::{BlobKey, BlobStore, Catalog, StoreError};

pub fn clear_spool(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

pub async fn sweep_orphans(catalog: &dyn Catalog, blobs: &dyn BlobStore, grace_secs: u64) -> Result<usize, StoreError> {
    let candidates: Vec<String> = blobs
        .list("dicom/")
        .await?
        .into_iter()
        .filter(|e| e.age_secs >= grace_secs)
        .map(|e| e.key.as_str().to_owned())
        .collect();
    let referenced = catalog.referenced_blob_keys(&candidates).await?;
    let mut removed = 0;
    for key in candidates.iter().filter(|k| !referenced.contains(*k)) {
        blobs.delete(&BlobKey::parse(key)?).await?;
        removed += 1;
    }
    Ok(removed + sweep_derived(catalog, blobs).await?)
}

/// Derived images whose source object is no longer catalogued (deleted or replaced).
async fn sweep_derived(catalog: &dyn Catalog, blobs: &dyn BlobStore) -> Result<usize, StoreError> {
    let derived: Vec<(BlobKey, String)> = blobs
        .list(THUMBNAIL_PREFIX)
        .await?
        .into_iter()
        .filter_map(|e| e.key.source_of_derived().map(|source| (e.key, source.as_str().to_owned())))
        .collect();
    let sources: Vec<String> = derived.iter().map(|(_, s)| s.clone()).collect();
    let referenced = catalog.referenced_blob_keys(&sources).await?;
    let mut removed = 0;
    for (key, _) in derived.iter().filter(|(_, source)| !referenced.contains(source)) {
        blobs.delete(key).await?;
        removed += 1;
    }
    Ok(removed)
}
