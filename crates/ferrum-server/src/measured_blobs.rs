//! The blob store as the server uses it, with each call timed and its outcome counted for
//! `/metrics` (labels: the backend, the call, the outcome; never a key). Wraps whichever
//! store the settings opened, so S3 and the local directory are measured alike.
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use ferrum_store::blob::{BlobEntry, ByteStream};
use ferrum_store::{BlobKey, BlobStore, StoreError};

use crate::metrics::Metrics;

pub struct MeasuredBlobs {
    inner: Arc<dyn BlobStore>,
    backend: &'static str,
    metrics: Arc<Metrics>,
}

impl MeasuredBlobs {
    pub fn wrap(inner: Arc<dyn BlobStore>, backend: &'static str, metrics: Arc<Metrics>) -> Arc<dyn BlobStore> {
        Arc::new(MeasuredBlobs { inner, backend, metrics })
    }

    fn record<T>(&self, call: &'static str, started: Instant, result: &Result<T, StoreError>) {
        let outcome = match result {
            Ok(_) => "ok",
            // An absent object is an answer, not a failure (the outbox and `len` ask often).
            Err(StoreError::NotFound) => "not_found",
            Err(StoreError::Unavailable(_)) => "unavailable",
            Err(_) => "error",
        };
        self.metrics.blob_call(self.backend, call, outcome, started.elapsed());
    }
}

#[async_trait]
impl BlobStore for MeasuredBlobs {
    async fn put_file(&self, key: &BlobKey, source: &Path, sha256: Option<&str>) -> Result<(), StoreError> {
        let started = Instant::now();
        let r = self.inner.put_file(key, source, sha256).await;
        self.record("put", started, &r);
        r
    }

    async fn put_bytes(&self, key: &BlobKey, bytes: Bytes, sha256: Option<&str>) -> Result<(), StoreError> {
        let started = Instant::now();
        let r = self.inner.put_bytes(key, bytes, sha256).await;
        self.record("put", started, &r);
        r
    }

    /// Timed to the stream's start (the first byte's wait is the store's latency; the rest is
    /// the client's pace).
    async fn get(&self, key: &BlobKey, range: Option<(u64, u64)>) -> Result<ByteStream, StoreError> {
        let started = Instant::now();
        let r = self.inner.get(key, range).await;
        self.record("get", started, &r);
        r
    }

    async fn len(&self, key: &BlobKey) -> Result<u64, StoreError> {
        let started = Instant::now();
        let r = self.inner.len(key).await;
        self.record("head", started, &r);
        r
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        let started = Instant::now();
        let r = self.inner.delete(key).await;
        self.record("delete", started, &r);
        r
    }

    async fn age_secs(&self, key: &BlobKey) -> Result<u64, StoreError> {
        let started = Instant::now();
        let r = self.inner.age_secs(key).await;
        self.record("head", started, &r);
        r
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        let started = Instant::now();
        let r = self.inner.list(prefix).await;
        self.record("list", started, &r);
        r
    }

    async fn presigned_get(&self, key: &BlobKey, ttl: Duration) -> Result<Option<String>, StoreError> {
        self.inner.presigned_get(key, ttl).await
    }

    async fn health(&self) -> Result<(), StoreError> {
        let started = Instant::now();
        let r = self.inner.health().await;
        self.record("health", started, &r);
        r
    }
}
