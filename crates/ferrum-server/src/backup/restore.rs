//! `ferrum restore DIR`: a snapshot back into an empty data directory. Everything is written
//! under `DATA_DIR/.restoring/` first, each file checked against the size and SHA-256 its
//! manifest recorded and synced; then the trees and secrets are renamed into place and the
//! catalog last, so a restore cut off leaves no catalog for a server to start on.
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use ferrum_store::blob::fs::{create_private_dirs, sync_dir};
use sha2::{Digest, Sha256};

use super::manifest::{safe_relative, Entry};
use super::repository::Repository;
use super::{backup_keys, embedded_only, sqlite_path, SECRETS, TREES};
use crate::config::Settings;

#[derive(serde::Serialize)]
pub struct Restored {
    pub snapshot: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub files: u64,
    pub bytes: u64,
    pub data_dir: String,
    pub seconds: f64,
}

/// The snapshots in the repository, oldest first, one JSON object a line.
pub fn list(dir: &Path, key_file: Option<&Path>) -> anyhow::Result<Vec<serde_json::Value>> {
    let repo = Repository::open(dir, backup_keys(key_file)?, false)?;
    repo.snapshots()?
        .iter()
        .map(|id| {
            let m = repo.read_manifest(id)?;
            Ok(serde_json::json!({
                "snapshot": m.id, "created": m.created, "files": m.files.len() + 1, "bytes": m.bytes(),
                "ferrum_version": m.ferrum_version,
            }))
        })
        .collect()
}

pub async fn restore(
    settings: &Settings,
    dir: &Path,
    key_file: Option<&Path>,
    snapshot: Option<String>,
) -> anyhow::Result<Restored> {
    embedded_only(settings, "restore")?;
    anyhow::ensure!(
        settings.database_url.is_none(),
        "ferrum restore writes the catalog into FERRUM_DATA_DIR; unset DATABASE_URL"
    );
    let data_dir = settings.data_dir.clone();
    let occupied = match std::fs::read_dir(&data_dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e).with_context(|| format!("reading {}", data_dir.display())),
    };
    anyhow::ensure!(
        !occupied,
        "{} is not empty: restore into a new data directory (a restore never overwrites an archive)",
        data_dir.display()
    );
    let started = Instant::now();
    let repo = Repository::open(dir, backup_keys(key_file)?, false)?;
    let id = match snapshot {
        Some(id) => id,
        None => repo.snapshots()?.pop().context("the repository holds no snapshot")?,
    };
    let manifest = repo.read_manifest(&id)?;
    let created = manifest.created;
    let target = data_dir.clone();
    let (files, bytes) = tokio::task::spawn_blocking(move || -> anyhow::Result<(u64, u64)> {
        crate::private_files::create_private_dir(&target)?;
        let stage = target.join(".restoring");
        let written = write_all(&repo, &stage, &manifest.catalog, &manifest.files);
        if written.is_err() {
            let _ = std::fs::remove_dir_all(&stage);
        }
        written?;
        for name in TREES.iter().chain(SECRETS).chain(&["catalog.db"]) {
            if stage.join(name).exists() {
                std::fs::rename(stage.join(name), target.join(name))?;
            }
        }
        std::fs::remove_dir(&stage)?;
        sync_dir(&target)?;
        Ok((manifest.files.len() as u64 + 1, manifest.bytes()))
    })
    .await??;
    let catalog = sqlite_path(&settings.database_url()).context("the catalog's path")?;
    anyhow::ensure!(catalog.is_file(), "the restored catalog is not at {}", catalog.display());

    // The restored archive's own trail says it was restored, and from what.
    let catalog = ferrum_store::catalog::open(&settings.database_url(), 1).await.context("opening the catalog")?;
    let mut event = NewAuditEvent::new("system", Action::Restore, Outcome::Allowed);
    event.detail = Some(serde_json::json!({ "via": "cli", "snapshot": id, "files": files }));
    catalog.append_audit(&event).await.context("the restored catalog's audit trail")?;
    Ok(Restored {
        snapshot: id,
        created,
        files,
        bytes,
        data_dir: data_dir.display().to_string(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn write_all(repo: &Repository, stage: &Path, catalog: &Entry, files: &[Entry]) -> anyhow::Result<()> {
    anyhow::ensure!(catalog.path == "catalog.db", "the snapshot's catalog entry is damaged");
    let mut dirs = std::collections::BTreeSet::new();
    for entry in std::iter::once(catalog).chain(files) {
        let relative =
            safe_relative(&entry.path).with_context(|| format!("the snapshot names a bad path {:?}", entry.path))?;
        let path = stage.join(&relative);
        let parent = path.parent().expect("under the stage");
        if !dirs.contains(parent) {
            create_private_dirs(parent)?;
            let mut d = parent;
            while d != stage && dirs.insert(d.to_path_buf()) {
                d = d.parent().expect("under the stage");
            }
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("writing {}", entry.path))?;
        let mut out = Hashing { inner: std::io::BufWriter::new(file), hasher: Sha256::new() };
        let size = repo.get(&entry.object, &mut out)?;
        out.inner.flush()?;
        out.inner.get_ref().sync_all()?;
        let sha256 = hex::encode(out.hasher.finalize());
        anyhow::ensure!(
            size == entry.size && sha256 == entry.sha256,
            "{} does not match its manifest (damaged repository)",
            entry.path
        );
    }
    // Every directory made, from the deepest up, so that the files renamed later are durable.
    for dir in dirs.iter().rev() {
        sync_dir(dir)?;
    }
    sync_dir(stage)?;
    Ok(())
}

struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
