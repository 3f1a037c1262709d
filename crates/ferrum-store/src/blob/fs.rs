//! Durable, private files and directories for the local stores (objects and data keys).
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

/// Creates a fan-out directory once. `create_dir_all` alone costs a failing `mkdir` on every
/// call, which on ext4 is far dearer than the `stat` that usually answers here. A directory
/// made here is made durable too: its parent is synced, or after a crash the new directory
/// (and every blob renamed into it, each of whose own renames was synced) could be gone.
pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
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

pub fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
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
