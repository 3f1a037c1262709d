//! Blobs as files under a directory. A put is write-to-temp, fsync, rename, fsync of the
//! directory: after a crash an object is either whole under its key or absent. Directories
//! are created 0700 and files 0600: the objects are patient data.
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use async_trait::async_trait;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::{BlobEntry, BlobKey, BlobStore, ByteStream};
use crate::StoreError;

pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// Opens (creating) a store rooted at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        create_private_dirs(&root)
            .map_err(|e| StoreError::Unavailable(format!("cannot create blob directory: {e}")))?;
        Ok(LocalBlobStore { root })
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

/// Creates a fan-out directory once. `create_dir_all` alone costs a failing `mkdir` on every
/// call, which on ext4 is far dearer than the `stat` that usually answers here. A directory
/// made here is made durable too: its parent is synced, or after a crash the new directory
/// (and every blob renamed into it, each of whose own renames was synced) could be gone.
fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut d = dir;
    while !d.is_dir() {
        missing.push(d);
        d = d.parent().ok_or_else(|| std::io::Error::other("no existing ancestor"))?;
    }
    for made in missing.into_iter().rev() {
        match std::fs::DirBuilder::new().mode(0o700).create(made) {
            Ok(()) => {}
            // Another writer made it meanwhile; it syncs the parent itself, but so do we.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        if let Some(parent) = made.parent() {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    // The local store has nothing to send a checksum to; the hash is not checked here.
    async fn put_file(&self, key: &BlobKey, source: &Path, _sha256: Option<&str>) -> Result<(), StoreError> {
        let target = self.path(key);
        let source = source.to_owned();
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
        Ok(tokio::fs::metadata(self.path(key)).await?.len())
    }

    async fn age_secs(&self, key: &BlobKey) -> Result<u64, StoreError> {
        let modified = tokio::fs::metadata(self.path(key)).await?.modified()?;
        Ok(SystemTime::now().duration_since(modified).map_or(0, |d| d.as_secs()))
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
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

#[cfg(test)]
mod tests {
    #[test]
    fn fan_out_directories_are_made_private_and_a_race_is_no_error() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("dicom/ab/cd");
        super::ensure_dir(&dir).unwrap();
        super::ensure_dir(&dir).unwrap();
        for d in [root.path().join("dicom"), root.path().join("dicom/ab"), dir] {
            assert_eq!(std::fs::metadata(&d).unwrap().permissions().mode() & 0o777, 0o700, "{}", d.display());
        }
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let d = root.path().join("dicom/ef/01");
                std::thread::spawn(move || super::ensure_dir(&d))
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
    }
}
