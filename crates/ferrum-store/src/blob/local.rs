//! Blobs as files under a directory. A put is write-to-temp, fsync, rename, fsync of the
//! directory: after a crash an object is either whole under its key or absent. Directories
//! are created 0700 and files 0600: the objects are patient data. With a key store, objects
//! are written sealed (see `crypto`); objects written before encryption was turned on are
//! still read as they are.
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::crypto::{chunked, KeyStore};
use super::fs::{create_private_dirs, ensure_dir, sync_dir};
use super::{BlobEntry, BlobKey, BlobStore, ByteStream};
use crate::StoreError;

pub struct LocalBlobStore {
    root: PathBuf,
    keys: Option<Arc<KeyStore>>,
}

impl LocalBlobStore {
    /// Opens (creating) a store rooted at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        create_private_dirs(&root)
            .map_err(|e| StoreError::Unavailable(format!("cannot create blob directory: {e}")))?;
        Ok(LocalBlobStore { root, keys: None })
    }

    /// Opens a store that seals every object it writes with AES-256-GCM under a data key of
    /// `keys` (the key store lives apart from `root`, so that erasing destroys the key).
    pub fn open_encrypted(root: impl Into<PathBuf>, keys: Arc<KeyStore>) -> Result<Self, StoreError> {
        Ok(LocalBlobStore { keys: Some(keys), ..LocalBlobStore::open(root)? })
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    /// The header of a sealed object and its data key, or `None` for a plain one.
    async fn sealed(
        &self,
        key: &BlobKey,
        file: &mut tokio::fs::File,
    ) -> Result<Option<(chunked::Header, [u8; 32])>, StoreError> {
        let mut head = [0u8; chunked::HEADER_LEN];
        let mut got = 0;
        while got < head.len() {
            let n = file.read(&mut head[got..]).await?;
            if n == 0 {
                break;
            }
            got += n;
        }
        file.seek(std::io::SeekFrom::Start(0)).await?;
        let Some(header) = chunked::Header::parse(&head[..got]) else { return Ok(None) };
        let store = self.keys.as_ref().ok_or_else(|| {
            StoreError::Unavailable(
                "an object is encrypted but no encryption key is configured (FERRUM_ENCRYPTION_KEY_FILE)".into(),
            )
        })?;
        let (store, owned) = (store.clone(), key.clone());
        let found = tokio::task::spawn_blocking(move || store.get(&owned))
            .await
            .map_err(|e| StoreError::Other(format!("key reader panicked: {e}")))??;
        let data_key = found.ok_or_else(|| {
            StoreError::Other("an encrypted object's data key was destroyed (the object was erased)".into())
        })?;
        Ok(Some((header, data_key)))
    }
}

/// Seals `len` bytes from `src` into a new private file next to `target` and renames it into
/// place, durably.
fn write_sealed(
    keys: &KeyStore,
    key: &BlobKey,
    target: &Path,
    src: impl std::io::Read,
    len: u64,
) -> Result<(), StoreError> {
    let parent = target.parent().ok_or_else(|| StoreError::Invalid("blob key has no parent".into()))?;
    ensure_dir(parent)?;
    let data_key = keys.get_or_create(key)?;
    let tmp = parent.join(format!(".{}.tmp", uuid::Uuid::new_v4()));
    let written = (|| {
        let f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, f);
        chunked::encrypt(&data_key, src, len, &mut out)?;
        let f = out.into_inner().map_err(|e| e.into_error())?;
        f.sync_data()?;
        std::fs::rename(&tmp, target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    sync_dir(parent)?;
    Ok(())
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    // The local store has nothing to send a checksum to; the hash is not checked here.
    async fn put_file(&self, key: &BlobKey, source: &Path, _sha256: Option<&str>) -> Result<(), StoreError> {
        let target = self.path(key);
        let source = source.to_owned();
        if let Some(keys) = self.keys.clone() {
            let key = key.clone();
            return tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
                let file = std::fs::File::open(&source)?;
                let len = file.metadata()?.len();
                write_sealed(&keys, &key, &target, std::io::BufReader::with_capacity(256 * 1024, file), len)?;
                let _ = std::fs::remove_file(&source);
                Ok(())
            })
            .await
            .map_err(|e| StoreError::Other(format!("blob writer panicked: {e}")))?;
        }
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let parent = target.parent().ok_or_else(|| StoreError::Invalid("blob key has no parent".into()))?;
            ensure_dir(parent)?;
            std::fs::File::open(&source)?.sync_all()?;
            if std::fs::rename(&source, &target).is_err() {
                // Another file system: copy next to the target, then rename into place.
                let tmp = parent.join(format!(".{}.tmp", uuid::Uuid::new_v4()));
                std::fs::copy(&source, &tmp)?;
                std::fs::File::open(&tmp)?.sync_all()?;
                std::fs::rename(&tmp, &target)?;
                let _ = std::fs::remove_file(&source);
            }
            sync_dir(parent)?;
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Other(format!("blob writer panicked: {e}")))?
    }

    async fn put_bytes(&self, key: &BlobKey, bytes: bytes::Bytes, _sha256: Option<&str>) -> Result<(), StoreError> {
        let target = self.path(key);
        if let Some(keys) = self.keys.clone() {
            let key = key.clone();
            return tokio::task::spawn_blocking(move || {
                write_sealed(&keys, &key, &target, &bytes[..], bytes.len() as u64)
            })
            .await
            .map_err(|e| StoreError::Other(format!("blob writer panicked: {e}")))?;
        }
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            use std::io::Write;
            let parent = target.parent().ok_or_else(|| StoreError::Invalid("blob key has no parent".into()))?;
            ensure_dir(parent)?;
            let tmp = parent.join(format!(".{}.tmp", uuid::Uuid::new_v4()));
            let written = (|| {
                let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
                f.write_all(&bytes)?;
                f.sync_data()?;
                std::fs::rename(&tmp, &target)
            })();
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
            sync_dir(parent)?;
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Other(format!("blob writer panicked: {e}")))?
    }

    async fn get(&self, key: &BlobKey, range: Option<(u64, u64)>) -> Result<ByteStream, StoreError> {
        let mut file = tokio::fs::File::open(self.path(key)).await?;
        if let Some((header, data_key)) = self.sealed(key, &mut file).await? {
            let (start, end) = range.unwrap_or((0, header.len));
            return Ok(Box::pin(chunked::decrypt_range(&data_key, file, header, start, end)));
        }
        match range {
            None => Ok(Box::pin(ReaderStream::with_capacity(file, 256 * 1024))),
            Some((start, end)) => {
                file.seek(std::io::SeekFrom::Start(start)).await?;
                let limited = file.take(end.saturating_sub(start));
                Ok(Box::pin(ReaderStream::with_capacity(limited, 256 * 1024)))
            }
        }
    }

    async fn len(&self, key: &BlobKey) -> Result<u64, StoreError> {
        let mut file = tokio::fs::File::open(self.path(key)).await?;
        let mut head = [0u8; chunked::HEADER_LEN];
        match file.read_exact(&mut head).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
            Err(e) => return Err(e.into()),
        }
        match chunked::Header::parse(&head) {
            Some(header) => Ok(header.len),
            None => Ok(file.metadata().await?.len()),
        }
    }

    async fn age_secs(&self, key: &BlobKey) -> Result<u64, StoreError> {
        let modified = tokio::fs::metadata(self.path(key)).await?.modified()?;
        Ok(SystemTime::now().duration_since(modified).map_or(0, |d| d.as_secs()))
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        // The key goes first: once it is gone, the object (and any copy of it) is unreadable,
        // whether or not its file is removed next.
        if let Some(keys) = self.keys.clone() {
            let k = key.clone();
            tokio::task::spawn_blocking(move || keys.destroy(&k))
                .await
                .map_err(|e| StoreError::Other(format!("key destroyer panicked: {e}")))??;
        }
        match tokio::fs::remove_file(self.path(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || -> Result<Vec<BlobEntry>, StoreError> {
            let mut out = Vec::new();
            let mut stack = vec![root.clone()];
            let now = SystemTime::now();
            while let Some(dir) = stack.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e.into()),
                };
                for entry in entries {
                    let entry = entry?;
                    let meta = entry.metadata()?;
                    if meta.is_dir() {
                        stack.push(entry.path());
                        continue;
                    }
                    let Ok(rel) = entry.path().strip_prefix(&root).map(|p| p.to_string_lossy().into_owned()) else {
                        continue;
                    };
                    if !rel.starts_with(&prefix) {
                        continue;
                    }
                    // Half-written copies (".….tmp") are not objects yet; they are listed so
                    // that a sweep removes them after a crash.
                    let key = match BlobKey::parse(&rel) {
                        Ok(k) => k,
                        Err(_) => continue,
                    };
                    let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).map_or(0, |d| d.as_secs());
                    out.push(BlobEntry { key, age_secs: age });
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::Other(format!("blob lister panicked: {e}")))?
    }

    async fn health(&self) -> Result<(), StoreError> {
        let probe = self.root.join(".health");
        tokio::fs::write(&probe, b"ok")
            .await
            .map_err(|e| StoreError::Unavailable(format!("blob directory not writable: {e}")))?;
        Ok(())
    }
}
