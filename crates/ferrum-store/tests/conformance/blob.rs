//! BlobStore cases.
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ferrum_store::blob::crypto::{KeyStore, MasterKeys};
use ferrum_store::blob::LocalBlobStore;
use ferrum_store::{BlobKey, BlobStore, StoreError};
use futures_util::TryStreamExt;

pub type Store = Arc<dyn BlobStore>;

async fn read(store: &Store, key: &BlobKey, range: Option<(u64, u64)>) -> Result<Vec<u8>, StoreError> {
    let stream = store.get(key, range).await?;
    let chunks: Vec<Bytes> = stream.try_collect().await.map_err(StoreError::from)?;
    Ok(chunks.concat())
}

fn key(n: u8) -> BlobKey {
    BlobKey::for_dicom(&format!("{n:02x}{}", "ab".repeat(31)))
}

pub async fn put_bytes_then_get_returns_the_same_bytes(store: Store) {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    store.put_bytes(&key(1), Bytes::from(data.clone()), None).await.unwrap();
    assert_eq!(read(&store, &key(1), None).await.unwrap(), data);
    assert_eq!(store.len(&key(1)).await.unwrap(), data.len() as u64);
}

pub async fn put_file_stores_the_file_content(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload");
    std::fs::write(&path, b"file content").unwrap();
    store.put_file(&key(2), &path, None).await.unwrap();
    assert_eq!(read(&store, &key(2), None).await.unwrap(), b"file content");
}

pub async fn content_sent_with_its_hash_is_stored_as_sent(store: Store) {
    use sha2::Digest;
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let sha = hex::encode(sha2::Sha256::digest(&data));
    store.put_bytes(&key(13), Bytes::from(data.clone()), Some(&sha)).await.unwrap();
    assert_eq!(read(&store, &key(13), None).await.unwrap(), data);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload");
    std::fs::write(&path, &data[..5000]).unwrap();
    let sha = hex::encode(sha2::Sha256::digest(&data[..5000]));
    store.put_file(&key(14), &path, Some(&sha)).await.unwrap();
    assert_eq!(read(&store, &key(14), None).await.unwrap(), &data[..5000]);
}

pub async fn ranged_get_returns_the_slice(store: Store) {
    store.put_bytes(&key(3), Bytes::from_static(b"0123456789"), None).await.unwrap();
    assert_eq!(read(&store, &key(3), Some((2, 5))).await.unwrap(), b"234");
    assert_eq!(read(&store, &key(3), Some((7, 10))).await.unwrap(), b"789");
}

pub async fn missing_objects_are_not_found(store: Store) {
    assert!(matches!(store.len(&key(4)).await, Err(StoreError::NotFound)));
    assert!(matches!(read(&store, &key(4), None).await, Err(StoreError::NotFound)));
}

pub async fn delete_removes_and_is_idempotent(store: Store) {
    store.put_bytes(&key(5), Bytes::from_static(b"x"), None).await.unwrap();
    store.delete(&key(5)).await.unwrap();
    assert!(matches!(store.len(&key(5)).await, Err(StoreError::NotFound)));
    store.delete(&key(5)).await.unwrap();
}

pub async fn list_answers_objects_under_a_prefix(store: Store) {
    for n in 6..9 {
        store.put_bytes(&key(n), Bytes::from_static(b"x"), None).await.unwrap();
    }
    let mut keys: Vec<String> =
        store.list("dicom/").await.unwrap().into_iter().map(|e| e.key.as_str().to_owned()).collect();
    keys.sort();
    assert_eq!(keys, vec![key(6).as_str().to_owned(), key(7).as_str().to_owned(), key(8).as_str().to_owned()]);
    assert!(store.list("derived/").await.unwrap().is_empty());
}

pub async fn putting_the_same_key_twice_keeps_one_object(store: Store) {
    store.put_bytes(&key(9), Bytes::from_static(b"same"), None).await.unwrap();
    store.put_bytes(&key(9), Bytes::from_static(b"same"), None).await.unwrap();
    assert_eq!(store.list("dicom/").await.unwrap().len(), 1);
}

pub async fn health_answers_ok(store: Store) {
    store.health().await.unwrap();
}

#[test]
fn keys_that_could_escape_the_store_are_refused() {
    for bad in ["", "/etc/passwd", "a/../b", "../x", "a//b", "a/./b", "a b", "a\\b"] {
        assert!(BlobKey::parse(bad).is_err(), "{bad:?}");
    }
    assert!(BlobKey::parse("dicom/ab/cd/abcd.dcm").is_ok());
}

async fn local() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Arc::new(LocalBlobStore::open(dir.path().join("blobs")).unwrap()), dir)
}

/// Every blob-store case, instantiated for one backend.
macro_rules! blob_cases {
    ($module:ident, $factory:ident) => {
        crate::backends!(
            $module,
            $factory,
            blob,
            [
                put_bytes_then_get_returns_the_same_bytes,
                put_file_stores_the_file_content,
                content_sent_with_its_hash_is_stored_as_sent,
                ranged_get_returns_the_slice,
                missing_objects_are_not_found,
                delete_removes_and_is_idempotent,
                list_answers_objects_under_a_prefix,
                putting_the_same_key_twice_keeps_one_object,
                health_answers_ok,
            ]
        );
    };
}

blob_cases!(local_directory, local);

const MASTER: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn key_store(dir: &std::path::Path, masters: &str) -> Arc<KeyStore> {
    Arc::new(KeyStore::open(dir.join("keys"), MasterKeys::parse(masters).unwrap()).unwrap())
}

async fn local_encrypted() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_store(dir.path(), MASTER);
    (Arc::new(LocalBlobStore::open_encrypted(dir.path().join("blobs"), keys).unwrap()), dir)
}

blob_cases!(local_directory_encrypted, local_encrypted);

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_objects_hold_no_plaintext_and_erasing_destroys_their_key_for_every_copy() {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_store(dir.path(), MASTER);
    let store: Store = Arc::new(LocalBlobStore::open_encrypted(dir.path().join("blobs"), keys).unwrap());
    let secret: Vec<u8> = b"DOE^JANE patient bytes ".iter().copied().cycle().take(200_000).collect();
    let sha = "ab".repeat(32);
    let dicom = BlobKey::for_dicom(&sha);
    let thumb = BlobKey::for_thumbnail(&sha, 128, "jpg");
    store.put_bytes(&dicom, Bytes::from(secret.clone()), None).await.unwrap();
    store.put_bytes(&thumb, Bytes::from_static(b"DOE^JANE thumbnail"), None).await.unwrap();
    for path in files_under(dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(8).any(|w| w == b"DOE^JANE"), "plaintext in {}", path.display());
    }
    assert_eq!(read(&store, &dicom, Some((100_000, 100_023))).await.unwrap(), &secret[100_000..100_023]);
    assert_eq!(store.len(&dicom).await.unwrap(), secret.len() as u64);

    // An old backup of the blob directory, taken before the erase.
    let backup = std::fs::read(dir.path().join("blobs").join(dicom.as_str())).unwrap();
    store.delete(&dicom).await.unwrap();
    assert!(matches!(store.len(&dicom).await, Err(StoreError::NotFound)));
    assert!(read(&store, &thumb, None).await.is_err(), "a derived copy is sealed by its source's destroyed key");
    std::fs::write(dir.path().join("blobs").join(dicom.as_str()), &backup).unwrap();
    assert!(read(&store, &dicom, None).await.is_err(), "a restored copy cannot be opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_objects_stay_readable_when_encryption_is_turned_on_and_keys_roll() {
    let dir = tempfile::tempdir().unwrap();
    let plain: Store = Arc::new(LocalBlobStore::open(dir.path().join("blobs")).unwrap());
    plain.put_bytes(&key(20), Bytes::from_static(b"written before"), None).await.unwrap();
    let sealed: Store =
        Arc::new(LocalBlobStore::open_encrypted(dir.path().join("blobs"), key_store(dir.path(), MASTER)).unwrap());
    assert_eq!(read(&sealed, &key(20), None).await.unwrap(), b"written before");
    sealed.put_bytes(&key(21), Bytes::from_static(b"written after"), None).await.unwrap();
    assert!(read(&plain, &key(21), None).await.is_err(), "no key configured: refused, not served as ciphertext");

    let new = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";
    let rolled = key_store(dir.path(), &format!("{new}\n{MASTER}"));
    assert_eq!(rolled.rewrap_all().unwrap().rewrapped, 1);
    let only_new: Store =
        Arc::new(LocalBlobStore::open_encrypted(dir.path().join("blobs"), key_store(dir.path(), new)).unwrap());
    assert_eq!(read(&only_new, &key(21), None).await.unwrap(), b"written after");
}

/// A fresh bucket on the test S3-compatible server (started by `./scripts/test.sh`), with
/// the credentials it checks. Missing, the case fails.
pub struct Bucket {
    dir: std::path::PathBuf,
}

impl Drop for Bucket {
    fn drop(&mut self) {
        // The test server keeps a bucket as a directory; removing it is the quickest clean-up.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with ./scripts/test.sh, which starts the S3 server")
    })
}

fn s3_client(secret: &str) -> aws_sdk_s3::Client {
    let credentials = aws_sdk_s3::config::Credentials::new(env("AWS_ACCESS_KEY_ID"), secret, None, None, "test");
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(env("FERRUM_TEST_S3_ENDPOINT"))
        .force_path_style(true)
        .credentials_provider(credentials)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

fn s3_settings(bucket: &str) -> ferrum_store::blob::S3Settings {
    ferrum_store::blob::S3Settings {
        bucket: bucket.to_owned(),
        endpoint: Some(env("FERRUM_TEST_S3_ENDPOINT")),
        region: "us-east-1".into(),
        path_style: true,
        prefix: String::new(),
        encryption: ferrum_store::blob::Encryption::S3Managed,
        public_endpoint: None,
    }
}

async fn s3() -> (Store, Bucket) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let bucket = format!("conf-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let client = s3_client(&env("AWS_SECRET_ACCESS_KEY"));
    client.create_bucket().bucket(&bucket).send().await.expect("cannot create a bucket on the test S3 server");
    let dir = std::path::Path::new(&env("FERRUM_TEST_S3_ROOT")).join(&bucket);
    (Arc::new(ferrum_store::blob::S3BlobStore::with_client(client, s3_settings(&bucket))), Bucket { dir })
}

blob_cases!(s3_store, s3);

#[tokio::test]
async fn s3_with_a_wrong_secret_is_refused_and_reported_unavailable() {
    let (_, bucket) = s3().await;
    let name = bucket.dir.file_name().unwrap().to_string_lossy().into_owned();
    let store = ferrum_store::blob::S3BlobStore::with_client(s3_client("not-the-secret"), s3_settings(&name));
    assert!(matches!(store.health().await, Err(StoreError::Unavailable(_))));
    assert!(store.put_bytes(&key(1), Bytes::from_static(b"x"), None).await.is_err());
}

#[tokio::test]
async fn s3_refuses_content_that_does_not_match_the_hash_sent_with_it() {
    use sha2::Digest;
    let (store, _bucket) = s3().await;
    let other = hex::encode(sha2::Sha256::digest(b"other bytes"));
    assert!(store.put_bytes(&key(15), Bytes::from_static(b"these bytes"), Some(&other)).await.is_err());
    assert!(matches!(store.len(&key(15)).await, Err(StoreError::NotFound)), "nothing stored under the key");
}

#[tokio::test]
async fn s3_objects_over_eight_mib_go_up_in_parts_and_come_back_whole() {
    let (store, _bucket) = s3().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    let data: Vec<u8> = (0..(20 * 1024 * 1024 + 7)).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    store.put_file(&key(10), &path, None).await.unwrap();
    assert_eq!(read(&store, &key(10), None).await.unwrap(), data);
    assert!(!path.exists(), "the spooled file is consumed");
}

#[tokio::test]
async fn s3_presigned_urls_fetch_the_object_until_they_expire_and_only_as_signed() {
    let (store, _bucket) = s3().await;
    store.put_bytes(&key(11), Bytes::from_static(b"presigned bytes"), None).await.unwrap();
    let http = reqwest::Client::new();
    let url = store.presigned_get(&key(11), Duration::from_secs(60)).await.unwrap().expect("S3 signs URLs");
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"presigned bytes");

    let forged = url.replace(key(11).as_str(), key(12).as_str());
    assert_eq!(http.get(&forged).send().await.unwrap().status(), 403, "the signature covers the key");

    let short = store.presigned_get(&key(11), Duration::from_secs(1)).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(http.get(&short).send().await.unwrap().status(), 403, "an expired URL is refused");
}

#[tokio::test]
async fn local_directory_has_no_presigned_urls() {
    let (store, _dir) = local().await;
    assert!(store.presigned_get(&key(1), Duration::from_secs(60)).await.unwrap().is_none());
}
