//! Keeping `FERRUM_BACKUP_KEEP_DAYS`: snapshots older than that go (the newest always stays),
//! then every copy no remaining snapshot names. Erased patients leave the backups this way
//! too, at the latest after that many days.
use std::collections::HashSet;

use super::repository::Repository;

#[derive(Default)]
pub struct Pruned {
    pub snapshots: u64,
    pub objects: u64,
}

pub fn prune(repo: &Repository, keep_days: u32) -> anyhow::Result<Pruned> {
    let mut pruned = Pruned::default();
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(keep_days));
    let ids = repo.snapshots()?;
    let mut kept = HashSet::new();
    for (n, id) in ids.iter().enumerate() {
        let manifest = repo.read_manifest(id)?;
        if manifest.created < cutoff && n + 1 < ids.len() {
            repo.remove_snapshot(id)?;
            pruned.snapshots += 1;
            continue;
        }
        kept.insert(manifest.catalog.object);
        kept.extend(manifest.files.into_iter().map(|f| f.object));
    }
    let (names, partial) = repo.objects()?;
    for name in names.iter().filter(|n| !kept.contains(*n)) {
        repo.remove_object(name)?;
        pruned.objects += 1;
    }
    // Copies cut off half-way by a backup that did not finish (the lock is ours now).
    for path in partial {
        let _ = std::fs::remove_file(path);
    }
    Ok(pruned)
}
