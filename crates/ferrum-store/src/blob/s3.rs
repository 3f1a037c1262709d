//! Blobs in S3 or any S3-compatible store. Every object is written with server-side
//! encryption unless configured off; objects over 8 MiB go up as a multipart upload that is
//! aborted if any part fails. The SDK retries throttling and 5xx answers with backoff.
//!
//! An object whose SHA-256 the caller already computed (ingest hashes while it spools) goes
//! up with that hash as its checksum (`x-amz-checksum-sha256`, kept by the store with the
//! object) and as the signed payload hash (`x-amz-content-sha256`): the store checks the
//! bytes it received against both, and the SDK does not read the payload again to hash it.
use std::path::Path;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream as S3Body;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};
use aws_sdk_s3::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use base64::Engine;
use bytes::Bytes;
use tokio_util::io::ReaderStream;

use super::{BlobEntry, BlobKey, BlobStore, ByteStream};
use crate::StoreError;

/// Objects above this size are sent as a multipart upload, in parts of this size.
const PART: u64 = 8 * 1024 * 1024;

/// Server-side encryption of stored objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// SSE-S3 (`AES256`), the default.
    S3Managed,
    /// SSE-KMS with this key id (or the bucket's default KMS key when `None`).
    Kms(Option<String>),
    /// No encryption header (for stores that reject it).
    Off,
}

#[derive(Debug, Clone)]
pub struct S3Settings {
    pub bucket: String,
    /// A custom endpoint (an S3-compatible server); `None` for AWS.
    pub endpoint: Option<String>,
    pub region: String,
    /// Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need.
    pub path_style: bool,
    /// A prefix under which every key lives (several deployments in one bucket).
    pub prefix: String,
    pub encryption: Encryption,
    /// The endpoint browsers reach the store at, when it differs from `endpoint` (a store
    /// inside a private network); presigned URLs are signed for it.
    pub public_endpoint: Option<String>,
}

pub struct S3BlobStore {
    client: Client,
    /// Signs presigned URLs for the public endpoint; the request client when there is none.
    presigner: Client,
    bucket: String,
    prefix: String,
    encryption: Encryption,
}

impl S3BlobStore {
    /// Connects with credentials from the standard AWS chain (environment, profile, IMDS).
    pub async fn open(settings: S3Settings) -> Result<Self, StoreError> {
        let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(settings.region.clone()))
            .load()
            .await;
        let mut builder = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(settings.path_style)
            .retry_config(RetryConfig::standard().with_max_attempts(5).with_initial_backoff(Duration::from_millis(100)))
            // SigV4 already signs the payload's SHA-256, which the store checks; a CRC32 on
            // top costs a second pass over every object for nothing.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
        let presigner = settings
            .public_endpoint
            .as_ref()
            .map(|public| Client::from_conf(builder.clone().endpoint_url(public).build()));
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        let mut store = Self::with_client(Client::from_conf(builder.build()), settings);
        if let Some(presigner) = presigner {
            store.presigner = presigner;
        }
        Ok(store)
    }

    pub fn with_client(client: Client, settings: S3Settings) -> Self {
        let prefix = if settings.prefix.is_empty() || settings.prefix.ends_with('/') {
            settings.prefix
        } else {
            format!("{}/", settings.prefix)
        };
        S3BlobStore {
            presigner: client.clone(),
            client,
            bucket: settings.bucket,
            prefix,
            encryption: settings.encryption,
        }
    }

    fn object(&self, key: &BlobKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    fn sse(&self) -> (Option<ServerSideEncryption>, Option<String>) {
        match &self.encryption {
            Encryption::S3Managed => (Some(ServerSideEncryption::Aes256), None),
            Encryption::Kms(key) => (Some(ServerSideEncryption::AwsKms), key.clone()),
            Encryption::Off => (None, None),
        }
    }

    /// One PUT, with the caller's hash as checksum and payload hash when it has one.
    async fn put_single(&self, object: &str, body: S3Body, hash: Option<KnownHash>) -> Result<(), StoreError> {
        let (sse, kms) = self.sse();
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(object)
            .content_type("application/dicom")
            .set_server_side_encryption(sse)
            .set_ssekms_key_id(kms)
            .set_checksum_sha256(hash.as_ref().map(|h| h.base64.clone()))
            .body(body);
        match hash {
            Some(h) => request.customize().interceptor(PrecomputedPayloadHash(h.hex)).send().await,
            None => request.send().await,
        }
        .map_err(map_err)?;
        Ok(())
    }

    async fn put_multipart(&self, key: &str, source: &Path, len: u64) -> Result<(), StoreError> {
        let (sse, kms) = self.sse();
        let upload = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/dicom")
            .set_server_side_encryption(sse)
            .set_ssekms_key_id(kms)
            .send()
            .await
            .map_err(map_err)?;
        let upload_id =
            upload.upload_id().ok_or_else(|| StoreError::Other("no multipart upload id".into()))?.to_owned();
        let result = async {
            let mut parts = Vec::new();
            let mut offset = 0u64;
            let mut number = 1;
            while offset < len {
                let size = PART.min(len - offset);
                let body = S3Body::read_from()
                    .path(source)
                    .offset(offset)
                    .length(aws_sdk_s3::primitives::Length::Exact(size))
                    .build()
                    .await
                    .map_err(|e| StoreError::Other(format!("reading the spooled object: {e}")))?;
                let part = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .part_number(number)
                    .body(body)
                    .send()
                    .await
                    .map_err(map_err)?;
                parts.push(
                    CompletedPart::builder().part_number(number).set_e_tag(part.e_tag().map(str::to_owned)).build(),
                );
                offset += size;
                number += 1;
            }
            self.client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
                .send()
                .await
                .map_err(map_err)?;
            Ok(())
        }
        .await;
        if result.is_err() {
            let _ =
                self.client.abort_multipart_upload().bucket(&self.bucket).key(key).upload_id(&upload_id).send().await;
        }
        result
    }
}

/// A SHA-256 the caller computed, in the two spellings S3 wants.
struct KnownHash {
    /// Lowercase hex: the signed payload hash.
    hex: String,
    /// Base64 of the 32 bytes: the object's checksum header.
    base64: String,
}

impl KnownHash {
    /// `None` for anything but 64 hex digits (then the SDK hashes as usual).
    fn parse(hex_digest: Option<&str>) -> Option<KnownHash> {
        let bytes = hex::decode(hex_digest?).ok().filter(|b| b.len() == 32)?;
        Some(KnownHash {
            hex: hex_digest?.to_ascii_lowercase(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        })
    }
}

/// Signs the request with a payload hash computed beforehand instead of one the signer
/// would compute by reading the body (SigV4's `x-amz-content-sha256`).
#[derive(Debug)]
struct PrecomputedPayloadHash(String);

impl Intercept for PrecomputedPayloadHash {
    fn name(&self) -> &'static str {
        "PrecomputedPayloadHash"
    }

    fn modify_before_signing(
        &self,
        _context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(aws_runtime::auth::PayloadSigningOverride::Precomputed(self.0.clone()));
        Ok(())
    }
}

/// Turns SDK failures into store errors: a missing object is `NotFound`; no answer at all,
/// throttling or a 5xx is `Unavailable`; a refused credential is `Unavailable` too (the
/// store cannot be used), with the service's code in the message.
fn map_err<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(e: SdkError<E>) -> StoreError {
    match &e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let code = se.err().code().unwrap_or("unknown");
            if status == 404 || matches!(code, "NoSuchKey" | "NotFound") {
                StoreError::NotFound
            } else {
                StoreError::Unavailable(format!("S3 answered {status} {code}"))
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(format!(
                "S3 unreachable: {}",
                aws_smithy_types::error::display::DisplayErrorContext(&e)
            ))
        }
        _ => StoreError::Other(format!("S3: {}", aws_smithy_types::error::display::DisplayErrorContext(&e))),
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put_file(&self, key: &BlobKey, source: &Path, sha256: Option<&str>) -> Result<(), StoreError> {
        let len = tokio::fs::metadata(source).await?.len();
        let object = self.object(key);
        if len > PART {
            // Parts are checked by the store one by one (their ETags); a whole-object
            // checksum over parts is not what S3 compares, so the hash is not sent.
            self.put_multipart(&object, source, len).await?;
        } else {
            let body = S3Body::from_path(source)
                .await
                .map_err(|e| StoreError::Other(format!("reading the spooled object: {e}")))?;
            self.put_single(&object, body, KnownHash::parse(sha256)).await?;
        }
        let _ = tokio::fs::remove_file(source).await;
        Ok(())
    }

    async fn put_bytes(&self, key: &BlobKey, bytes: Bytes, sha256: Option<&str>) -> Result<(), StoreError> {
        self.put_single(&self.object(key), S3Body::from(bytes), KnownHash::parse(sha256)).await
    }

    async fn get(&self, key: &BlobKey, range: Option<(u64, u64)>) -> Result<ByteStream, StoreError> {
        if let Some((start, end)) = range {
            if end <= start {
                return Ok(Box::pin(futures_util::stream::empty()));
            }
        }
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.object(key))
            .set_range(range.map(|(start, end)| format!("bytes={start}-{}", end - 1)))
            .send()
            .await
            .map_err(map_err)?;
        Ok(Box::pin(ReaderStream::with_capacity(out.body.into_async_read(), 256 * 1024)))
    }

    async fn len(&self, key: &BlobKey) -> Result<u64, StoreError> {
        let head =
            self.client.head_object().bucket(&self.bucket).key(self.object(key)).send().await.map_err(map_err)?;
        Ok(head.content_length().unwrap_or(0).max(0) as u64)
    }

    async fn age_secs(&self, key: &BlobKey) -> Result<u64, StoreError> {
        let head =
            self.client.head_object().bucket(&self.bucket).key(self.object(key)).send().await.map_err(map_err)?;
        Ok(head
            .last_modified()
            .and_then(|t| SystemTime::try_from(*t).ok())
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .map_or(0, |d| d.as_secs()))
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        self.client.delete_object().bucket(&self.bucket).key(self.object(key)).send().await.map_err(map_err)?;
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(format!("{}{prefix}", self.prefix))
            .into_paginator()
            .send();
        let now = SystemTime::now();
        while let Some(page) = pages.next().await {
            let page = page.map_err(map_err)?;
            for object in page.contents() {
                let Some(full) = object.key() else { continue };
                let Ok(key) = BlobKey::parse(&full[self.prefix.len()..]) else { continue };
                let age = object
                    .last_modified()
                    .and_then(|t| SystemTime::try_from(*t).ok())
                    .and_then(|t| now.duration_since(t).ok())
                    .map_or(0, |d| d.as_secs());
                out.push(BlobEntry { key, age_secs: age });
            }
        }
        Ok(out)
    }

    async fn presigned_get(&self, key: &BlobKey, ttl: Duration) -> Result<Option<String>, StoreError> {
        let config = PresigningConfig::expires_in(ttl).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let request = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(self.object(key))
            .response_content_type("application/dicom")
            .response_cache_control("private, no-store")
            .presigned(config)
            .await
            .map_err(map_err)?;
        Ok(Some(request.uri().to_owned()))
    }

    async fn health(&self) -> Result<(), StoreError> {
        self.client.head_bucket().bucket(&self.bucket).send().await.map_err(map_err)?;
        Ok(())
    }
}
