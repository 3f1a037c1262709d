//! `ferrum backup DIR`: one snapshot. The catalog is snapshotted first (`VACUUM INTO`), then
//! the blob tree, the data keys and the secrets are walked: a blob stored after the catalog
//! snapshot is copied too and is simply unreferenced after a restore (the start-up sweep
//! removes it), while every blob the snapshot lists is still there, since an erased object's
//! blob and key go only after `FERRUM_BLOB_DELETE_GRACE_SECS`. A file whose size and time
//! match the previous snapshot's entry is not read again.
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use sha2::{Digest, Sha256};

use super::manifest::{Entry, Manifest, FORMAT};
use super::repository::Repository;
use super::{backup_keys, embedded_only, sqlite_path, SECRETS, TREES};
use crate::config::Settings;

#[derive(Default, serde::Serialize)]
pub struct Summary {
    pub snapshot: String,
    pub files: u64,
    pub bytes: u64,
    /// Copies written by this backup (content the repository lacked).
    pub new_objects: u64,
    pub new_bytes: u64,
    /// Files taken from the previous snapshot's manifest without reading them.
    pub unchanged: u64,
    /// Files gone between the listing and the copy (objects erased meanwhile).
    pub vanished: u64,
    pub pruned_snapshots: u64,
    pub pruned_objects: u64,
    pub seconds: f64,
}

pub async fn backup(
    settings: &Settings,
    dir: &Path,
    key_file: Option<&Path>,
    keep_days: u32,
) -> anyhow::Result<Summary> {
    embedded_only(settings, "backup")?;
    let started = Instant::now();
    let url = settings.database_url();
    let catalog_path = sqlite_path(&url).context("DATABASE_URL is not a SQLite file")?;
    anyhow::ensure!(catalog_path.is_file(), "no catalog at {}: nothing to back up", catalog_path.display());
    let repo = Repository::open(dir, backup_keys(key_file)?, true)?;
    let previous = match repo.snapshots()?.last() {
        Some(id) => repo.read_manifest(id)?.files.into_iter().map(|e| (e.path.clone(), e)).collect(),
        None => HashMap::new(),
    };
    let id = format!("{}-{:04x}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"), rand::random::<u16>());

    // Recorded before anything is read, and part of the snapshot: a backup the trail cannot
    // hold does not happen.
    let catalog = ferrum_store::catalog::open(&settings.database_url(), 1).await.context("opening the catalog")?;
    let mut event = NewAuditEvent::new("system", Action::Backup, Outcome::Allowed);
    event.detail = Some(serde_json::json!({ "via": "cli", "snapshot": id }));
    catalog.append_audit(&event).await.context("the audit trail cannot be written; nothing backed up")?;
    drop(catalog);

    let tmp = settings.data_dir.join(format!(".backup-{id}.db"));
    ferrum_store::catalog::snapshot_sqlite(&url, &tmp).await?;
    let data_dir = settings.data_dir.clone();
    let (repo, manifest, mut summary) = tokio::task::spawn_blocking(move || {
        let copied = copy_all(&repo, &data_dir, &tmp, &id, &previous);
        let _ = std::fs::remove_file(&tmp);
        copied.map(|(manifest, summary)| (repo, manifest, summary))
    })
    .await??;
    repo.write_manifest(&manifest)?;
    let pruned = tokio::task::spawn_blocking(move || super::prune::prune(&repo, keep_days)).await??;
    summary.pruned_snapshots = pruned.snapshots;
    summary.pruned_objects = pruned.objects;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn copy_all(
    repo: &Repository,
    data_dir: &Path,
    catalog_snapshot: &Path,
    id: &str,
    previous: &HashMap<String, Entry>,
) -> anyhow::Result<(Manifest, Summary)> {
    let mut summary = Summary { snapshot: id.to_owned(), ..Summary::default() };
    let catalog = copy_file(repo, catalog_snapshot, "catalog.db".into(), None, &mut summary)?
        .context("the catalog snapshot vanished")?;
    let mut files = Vec::new();
    let mut paths = Vec::new();
    for tree in TREES {
        walk(&data_dir.join(tree), tree, &mut paths)?;
    }
    for secret in SECRETS {
        if data_dir.join(secret).is_file() {
            paths.push((data_dir.join(secret), (*secret).to_owned()));
        }
    }
    for (path, relative) in paths {
        let before = previous.get(&relative);
        match copy_file(repo, &path, relative, before, &mut summary)? {
            Some(entry) => files.push(entry),
            None => summary.vanished += 1,
        }
    }
    let manifest = Manifest {
        format: FORMAT,
        id: id.to_owned(),
        created: chrono::Utc::now(),
        ferrum_version: env!("CARGO_PKG_VERSION").to_owned(),
        catalog,
        files,
    };
    summary.files = manifest.files.len() as u64 + 1;
    summary.bytes = manifest.bytes();
    Ok((manifest, summary))
}

/// Every file under `dir`, with its path under the data directory. Half-written files
/// (`.…tmp`) and the configuration check's probe objects are not data.
fn walk(dir: &Path, relative: &str, out: &mut Vec<(PathBuf, String)>) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        if name.starts_with('.') || (relative == "blobs" && name == "probe") {
            continue;
        }
        let path = entry.path();
        let child = format!("{relative}/{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, &child, out)?;
        } else if kind.is_file() {
            out.push((path, child));
        }
    }
    Ok(())
}

/// Copies one file into the repository unless its content is there already; `None` when it
/// is gone.
fn copy_file(
    repo: &Repository,
    path: &Path,
    relative: String,
    previous: Option<&Entry>,
    summary: &mut Summary,
) -> anyhow::Result<Option<Entry>> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mtime_ns =
        meta.modified()?.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or_default();
    if let Some(before) = previous.filter(|b| b.size == meta.len() && b.mtime_ns == mtime_ns && repo.has(&b.object)) {
        summary.unchanged += 1;
        return Ok(Some(before.clone()));
    }
    let open = |path: &Path| match std::fs::File::open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
    };
    let Some(mut file) = open(path)? else { return Ok(None) };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    let digest = hasher.finalize();
    let object = repo.name_of(&digest);
    if !repo.has(&object) {
        let Some(file) = open(path)? else { return Ok(None) };
        repo.put(&object, file, size).with_context(|| format!("copying {relative} (did it change while read?)"))?;
        summary.new_objects += 1;
        summary.new_bytes += size;
    }
    Ok(Some(Entry { path: relative, size, sha256: hex::encode(digest), object, mtime_ns }))
}
