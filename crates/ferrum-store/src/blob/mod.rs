//! The blob store: stored objects by opaque key.
pub mod crypto;
pub mod fs;
mod local;
mod s3;

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::Stream;

pub use local::LocalBlobStore;
pub use s3::{Encryption, S3BlobStore, S3Settings};

use crate::StoreError;

/// Where derived thumbnails live in the store.
pub const THUMBNAIL_PREFIX: &str = "derived/thumb/";

/// A key in the blob store. Keys are made by the server (from content hashes), never taken
/// from a client, and are checked again here so that no key can name a path outside the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn parse(key: &str) -> Result<BlobKey, StoreError> {
        let ok = !key.is_empty()
            && key.len() <= 512
            && !key.starts_with('/')
            && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_'));
        if ok {
            Ok(BlobKey(key.to_owned()))
        } else {
            Err(StoreError::Invalid("not a valid blob key".into()))
        }
    }

    /// The key of a stored DICOM object with the given SHA-256 (hex): content-addressed, so
    /// the same bytes uploaded twice, even at once, land on one object.
    pub fn for_dicom(sha256_hex: &str) -> BlobKey {
        BlobKey(format!("dicom/{}/{}/{}.dcm", &sha256_hex[..2], &sha256_hex[2..4], sha256_hex))
    }

    /// A thumbnail derived from the stored DICOM object with this SHA-256: derived objects
    /// live and die with their source (the sweep removes those whose source is gone).
    pub fn for_thumbnail(sha256_hex: &str, size: u32, extension: &str) -> BlobKey {
        BlobKey(format!("{THUMBNAIL_PREFIX}{sha256_hex}/{size}.{extension}"))
    }

    /// The DICOM object a derived object was made from.
    pub fn source_of_derived(&self) -> Option<BlobKey> {
        let rest = self.0.strip_prefix(THUMBNAIL_PREFIX)?;
        let sha = rest.split('/').next()?;
        (sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| BlobKey::for_dicom(sha))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// One listed object, for sweeps.
#[derive(Debug, Clone)]
pub struct BlobEntry {
    pub key: BlobKey,
    /// Seconds since the object was last written.
    pub age_secs: u64,
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores the content of the local file at `source` under `key` durably: when this
    /// answers, the bytes survive a crash. The file is consumed (moved or deleted).
    ///
    /// `sha256` is the content's SHA-256 (lowercase hex) when the caller computed it already
    /// (ingest hashes every object while spooling it): a store that sends a checksum with the
    /// object uses it rather than reading the content a second time to hash it, and may refuse
    /// content that does not match it.
    async fn put_file(&self, key: &BlobKey, source: &Path, sha256: Option<&str>) -> Result<(), StoreError>;
    /// Stores `bytes` under `key` durably; for objects small enough to be held in memory.
    /// `sha256` as for [`BlobStore::put_file`].
    async fn put_bytes(&self, key: &BlobKey, bytes: Bytes, sha256: Option<&str>) -> Result<(), StoreError>;
    /// The object's bytes from `start` (inclusive) to `end` (exclusive), or all of them.
    async fn get(&self, key: &BlobKey, range: Option<(u64, u64)>) -> Result<ByteStream, StoreError>;
    /// The object's length in bytes; `NotFound` when absent.
    async fn len(&self, key: &BlobKey) -> Result<u64, StoreError>;
    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError>;
    /// Seconds since the object was last written; `NotFound` when absent. The outbox job
    /// leaves alone an object written again since it was released (an upload of the same
    /// bytes in flight may be about to point at it).
    async fn age_secs(&self, key: &BlobKey) -> Result<u64, StoreError>;
    /// Every object whose key starts with `prefix`.
    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError>;
    /// A URL that fetches the object without credentials until `ttl` has passed, for stores
    /// that can sign one; `None` where the server must stream the bytes itself.
    async fn presigned_get(&self, _key: &BlobKey, _ttl: Duration) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    /// Answers once the store can be read and written.
    async fn health(&self) -> Result<(), StoreError>;
}
