//! The data keys, one per stored DICOM object, each wrapped by the master key in a small file
//! of its own under a directory apart from the objects. Objects derived from a DICOM object
//! (its thumbnails) are sealed with their source's key, so erasing the source — which deletes
//! its key file first — leaves every copy of the object and of what was made from it
//! unreadable, in old backups of the blob directory too (crypto-shredding).
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::master::{DataKey, MasterKeys};
use crate::blob::fs::{ensure_dir, sync_dir};
use crate::blob::BlobKey;
use crate::StoreError;

pub struct KeyStore {
    dir: PathBuf,
    masters: MasterKeys,
}

/// What a re-wrap did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rewrapped {
    pub rewrapped: u64,
    pub already_current: u64,
}

impl KeyStore {
    pub fn open(dir: impl Into<PathBuf>, masters: MasterKeys) -> Result<KeyStore, StoreError> {
        let dir = dir.into();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| StoreError::Unavailable(format!("cannot create the data key directory: {e}")))?;
        Ok(KeyStore { dir, masters })
    }

    pub fn masters(&self) -> &MasterKeys {
        &self.masters
    }

    /// The object whose key seals `key`: itself, or the source it was derived from.
    fn owner(key: &BlobKey) -> BlobKey {
        key.source_of_derived().unwrap_or_else(|| key.clone())
    }

    fn path(&self, owner: &BlobKey) -> PathBuf {
        self.dir.join(format!("{}.key", owner.as_str()))
    }

    /// The data key that seals `key`, if one was ever made (and not destroyed).
    pub fn get(&self, key: &BlobKey) -> Result<Option<DataKey>, StoreError> {
        let owner = Self::owner(key);
        match std::fs::read(self.path(&owner)) {
            Ok(wrapped) => self.masters.unwrap(&wrapped, owner.as_str()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The data key for `key`, made and durably stored first if there is none. Two writers of
    /// the same content-addressed object at once agree on one key: the file is created by a
    /// hard link that fails when another writer's link won.
    pub fn get_or_create(&self, key: &BlobKey) -> Result<DataKey, StoreError> {
        if let Some(k) = self.get(key)? {
            return Ok(k);
        }
        let owner = Self::owner(key);
        let target = self.path(&owner);
        let parent = target.parent().ok_or_else(|| StoreError::Invalid("blob key has no parent".into()))?;
        ensure_dir(parent)?;
        let data_key = MasterKeys::new_data_key();
        let tmp = parent.join(format!(".{}.tmp", uuid::Uuid::new_v4()));
        let written = (|| -> std::io::Result<bool> {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
            f.write_all(&self.masters.wrap(&data_key, owner.as_str()))?;
            f.sync_all()?;
            match std::fs::hard_link(&tmp, &target) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(e),
            }
        })();
        let _ = std::fs::remove_file(&tmp);
        if !written? {
            return self.get(key)?.ok_or_else(|| StoreError::Other("a data key vanished while it was made".into()));
        }
        sync_dir(parent)?;
        Ok(data_key)
    }

    /// Destroys the data key of a DICOM object (not of a derived one: that is its source's).
    pub fn destroy(&self, key: &BlobKey) -> Result<(), StoreError> {
        if key.source_of_derived().is_some() {
            return Ok(());
        }
        let path = self.path(key);
        match std::fs::remove_file(&path) {
            Ok(()) => {
                if let Some(parent) = path.parent() {
                    sync_dir(parent)?;
                }
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Re-wraps every data key under the current master key, each file replaced atomically, so
    /// that an older master key can then be removed from the key file.
    pub fn rewrap_all(&self) -> Result<Rewrapped, StoreError> {
        let mut done = Rewrapped::default();
        let mut stack = vec![self.dir.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Some(owner) = self.owner_of_file(&path) else { continue };
                let wrapped = std::fs::read(&path)?;
                if self.masters.is_current(&wrapped) {
                    done.already_current += 1;
                    continue;
                }
                let data_key = self.masters.unwrap(&wrapped, owner.as_str())?;
                let tmp = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4()));
                let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
                f.write_all(&self.masters.wrap(&data_key, owner.as_str()))?;
                f.sync_all()?;
                std::fs::rename(&tmp, &path)?;
                sync_dir(&dir)?;
                done.rewrapped += 1;
            }
        }
        Ok(done)
    }

    fn owner_of_file(&self, path: &Path) -> Option<BlobKey> {
        let rel = path.strip_prefix(&self.dir).ok()?.to_str()?;
        BlobKey::parse(rel.strip_suffix(".key")?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const K2: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

    #[test]
    fn one_key_per_source_shared_by_its_derived_objects_destroyed_and_rewrapped() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path(), MasterKeys::parse(K1).unwrap()).unwrap();
        let sha = "ab".repeat(32);
        let dicom = BlobKey::for_dicom(&sha);
        let thumb = BlobKey::for_thumbnail(&sha, 128, "jpg");
        assert!(store.get(&dicom).unwrap().is_none());
        let k = store.get_or_create(&dicom).unwrap();
        assert_eq!(store.get_or_create(&dicom).unwrap(), k);
        assert_eq!(store.get_or_create(&thumb).unwrap(), k, "a thumbnail is sealed by its source's key");
        let other = BlobKey::for_dicom(&"cd".repeat(32));
        assert_ne!(store.get_or_create(&other).unwrap(), k);

        let rolled = KeyStore::open(dir.path(), MasterKeys::parse(&format!("{K2}\n{K1}")).unwrap()).unwrap();
        assert_eq!(rolled.rewrap_all().unwrap(), Rewrapped { rewrapped: 2, already_current: 0 });
        assert_eq!(rolled.rewrap_all().unwrap(), Rewrapped { rewrapped: 0, already_current: 2 });
        let only_new = KeyStore::open(dir.path(), MasterKeys::parse(K2).unwrap()).unwrap();
        assert_eq!(only_new.get(&dicom).unwrap(), Some(k));

        only_new.destroy(&thumb).unwrap();
        assert_eq!(only_new.get(&dicom).unwrap(), Some(k), "destroying a derived object keeps its source's key");
        only_new.destroy(&dicom).unwrap();
        assert!(only_new.get(&dicom).unwrap().is_none());
        assert!(only_new.get(&thumb).unwrap().is_none());
    }

    #[test]
    fn racing_writers_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(KeyStore::open(dir.path(), MasterKeys::parse(K1).unwrap()).unwrap());
        let key = BlobKey::for_dicom(&"ef".repeat(32));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (store, key) = (store.clone(), key.clone());
                std::thread::spawn(move || store.get_or_create(&key).unwrap())
            })
            .collect();
        let keys: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] == w[1]));
    }
}
