//! The backup repository: a directory of sealed, content-addressed copies and the manifests
//! of the snapshots that use them.
//!
//! ```text
//! DIR/lock                       flock'd while a backup, prune or restore runs
//! DIR/objects/ab/<name>          wrapped data key ‖ the content, sealed in chunks
//! DIR/snapshots/<id>.manifest    wrapped data key ‖ the manifest (JSON), sealed likewise
//! ```
//!
//! Every copy has its own random data key, wrapped by the first key of the backup key file
//! and bound to the copy's name, in the same format as the encrypted blob directory
//! (`ferrum_store::blob::crypto`). A name is a keyed hash of the content's SHA-256, so content
//! already in the repository is not copied again, and names tell nothing to whoever lacks
//! the key.
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ferrum_store::blob::crypto::chunked;
use ferrum_store::blob::crypto::MasterKeys;
use ferrum_store::blob::fs::{create_private_dirs, ensure_dir, sync_dir};

use super::manifest::Manifest;

const WRAPPED_LEN: usize = ferrum_store::blob::crypto::WRAPPED_LEN;

pub struct Repository {
    root: PathBuf,
    keys: MasterKeys,
    /// The fan-out directories that got new copies, synced once before the manifest that
    /// names them is written rather than after every copy.
    unsynced: std::sync::Mutex<std::collections::BTreeSet<PathBuf>>,
    _lock: File,
}

impl Repository {
    /// Opens the repository at `root`, creating it when `create`, and takes its lock: one
    /// backup, prune or restore at a time.
    pub fn open(root: &Path, keys: MasterKeys, create: bool) -> anyhow::Result<Repository> {
        if create {
            create_private_dirs(&root.join("objects"))?;
            create_private_dirs(&root.join("snapshots"))?;
        } else {
            anyhow::ensure!(root.join("snapshots").is_dir(), "{} is not a backup repository", root.display());
        }
        let lock = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(root.join("lock"))?;
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive)
            .map_err(|_| anyhow::anyhow!("another backup, prune or restore is using {}", root.display()))?;
        Ok(Repository { root: root.to_path_buf(), keys, unsynced: Default::default(), _lock: lock })
    }

    pub fn name_of(&self, sha256: &[u8]) -> String {
        self.keys.name(sha256)
    }

    fn object_path(&self, name: &str) -> PathBuf {
        self.root.join("objects").join(&name[..2]).join(name)
    }

    fn manifest_path(&self, id: &str) -> PathBuf {
        self.root.join("snapshots").join(format!("{id}.manifest"))
    }

    pub fn has(&self, name: &str) -> bool {
        self.object_path(name).is_file()
    }

    /// Seals `len` bytes of `src` as the object `name`.
    pub fn put(&self, name: &str, src: impl Read, len: u64) -> anyhow::Result<()> {
        let path = self.object_path(name);
        let dir = path.parent().expect("under objects/");
        ensure_dir(dir)?;
        seal(&self.keys, &format!("backup object {name}"), src, len, &path)?;
        self.unsynced.lock().unwrap().insert(dir.to_path_buf());
        Ok(())
    }

    /// Opens the object `name` into `dst`; fails on any damage or a missing key.
    pub fn get(&self, name: &str, dst: impl Write) -> anyhow::Result<u64> {
        let file = File::open(self.object_path(name)).with_context(|| format!("object {name} is missing"))?;
        open(&self.keys, &format!("backup object {name}"), file, dst).with_context(|| format!("object {name}"))
    }

    /// Writes a snapshot's manifest, once every copy it names is durable.
    pub fn write_manifest(&self, manifest: &Manifest) -> anyhow::Result<()> {
        for dir in std::mem::take(&mut *self.unsynced.lock().unwrap()) {
            sync_dir(&dir)?;
        }
        let json = serde_json::to_vec(manifest)?;
        let path = self.manifest_path(&manifest.id);
        seal(&self.keys, &format!("backup manifest {}", manifest.id), &json[..], json.len() as u64, &path)?;
        sync_dir(path.parent().expect("under snapshots/"))?;
        Ok(())
    }

    pub fn read_manifest(&self, id: &str) -> anyhow::Result<Manifest> {
        let file = File::open(self.manifest_path(id)).with_context(|| format!("no snapshot {id}"))?;
        let mut json = Vec::new();
        open(&self.keys, &format!("backup manifest {id}"), file, &mut json)
            .with_context(|| format!("snapshot {id}"))?;
        let manifest: Manifest = serde_json::from_slice(&json).with_context(|| format!("snapshot {id}"))?;
        anyhow::ensure!(
            manifest.format <= super::manifest::FORMAT,
            "snapshot {id} was written by a newer version (format {})",
            manifest.format
        );
        Ok(manifest)
    }

    /// The snapshot ids, oldest first.
    pub fn snapshots(&self) -> anyhow::Result<Vec<String>> {
        let mut ids: Vec<String> = std::fs::read_dir(self.root.join("snapshots"))?
            .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".manifest").map(str::to_owned))
            .collect();
        ids.sort();
        Ok(ids)
    }

    pub fn remove_snapshot(&self, id: &str) -> std::io::Result<()> {
        std::fs::remove_file(self.manifest_path(id))?;
        sync_dir(&self.root.join("snapshots"))
    }

    /// Every object's name, and the leftovers of copies cut off half-way (`.…tmp`).
    pub fn objects(&self) -> anyhow::Result<(Vec<String>, Vec<PathBuf>)> {
        let (mut names, mut partial) = (Vec::new(), Vec::new());
        for fan in std::fs::read_dir(self.root.join("objects"))? {
            for entry in std::fs::read_dir(fan?.path())? {
                let entry = entry?;
                match entry.file_name().to_str() {
                    Some(n) if n.starts_with('.') => partial.push(entry.path()),
                    Some(n) => names.push(n.to_owned()),
                    None => partial.push(entry.path()),
                }
            }
        }
        Ok((names, partial))
    }

    pub fn remove_object(&self, name: &str) -> std::io::Result<()> {
        std::fs::remove_file(self.object_path(name))
    }
}

/// Writes `src` sealed under a fresh data key to a temporary file beside `path`, syncs it and
/// renames it into place: a copy is whole or absent. The caller syncs the directory.
fn seal(keys: &MasterKeys, context: &str, src: impl Read, len: u64, path: &Path) -> anyhow::Result<()> {
    let parent = path.parent().expect("a file in a directory");
    let tmp = parent.join(format!(".{}.tmp", uuid::Uuid::new_v4()));
    let written = (|| -> anyhow::Result<()> {
        let key = MasterKeys::new_data_key();
        let mut out =
            std::io::BufWriter::new(std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?);
        out.write_all(&keys.wrap(&key, context))?;
        chunked::encrypt(&key, src, len, &mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn open(keys: &MasterKeys, context: &str, file: File, dst: impl Write) -> anyhow::Result<u64> {
    let mut src = std::io::BufReader::new(file);
    let mut wrapped = [0u8; WRAPPED_LEN];
    src.read_exact(&mut wrapped).context("truncated")?;
    let key = keys.unwrap(&wrapped, context)?;
    Ok(chunked::decrypt(&key, src, dst)?)
}
