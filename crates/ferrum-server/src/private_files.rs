//! Everything Ferrum writes — the data directory, the SQLite catalog and its journal, blobs,
//! the upload spool, `jwt-secret` — is readable by its own user only: patient data and
//! signing secrets must not be open to every account on the host. A umask of 077 at the
//! start of the process covers every file whoever creates it (SQLite, tempfile, the blob
//! store); the data directory is also created 0700 explicitly. A directory that already
//! exists keeps its mode (it may be a mount the operator set up), with a warning if others
//! can enter it.
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

/// Files and directories created from now on by this process are private to its user.
pub fn restrict_new_files() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Creates `dir` (and its parents) with mode 0700.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if !dir.is_dir() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let mode = std::fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(dir = %dir.display(), mode = format!("{:o}", mode & 0o777), "the data directory is open to other users; chmod 700 it");
    }
    Ok(())
}

/// Writes a secret to `path` (mode 0600) and syncs it, so it survives a crash of the machine.
pub fn write_secret(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()
}
