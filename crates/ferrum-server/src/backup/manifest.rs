//! What one snapshot holds: every file of the data directory it copied, by its path there,
//! its size and SHA-256, and the name of the sealed copy in the repository.
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The format of the manifests written by this version.
pub const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// `YYYYMMDDTHHMMSS.ffffffZ-xxxx`: sorts by time.
    pub id: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub ferrum_version: String,
    /// The catalog snapshot, restored as `catalog.db`.
    pub catalog: Entry,
    /// The blobs, data keys and secrets, by path under the data directory.
    pub files: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// The sealed copy in the repository.
    pub object: String,
    /// The source file's modification time (ns since the epoch): with the size, what lets the
    /// next backup reuse this entry without reading the file again.
    #[serde(default)]
    pub mtime_ns: i128,
}

impl Manifest {
    pub fn bytes(&self) -> u64 {
        self.catalog.size + self.files.iter().map(|f| f.size).sum::<u64>()
    }
}

/// `path` as a relative path that stays under the directory it is joined to: no root, no
/// `..`, no `.`, nothing empty. A damaged or forged manifest must not write outside the
/// data directory being restored.
pub fn safe_relative(path: &str) -> Option<PathBuf> {
    let plain = |segment: &str| !segment.is_empty() && segment != "." && segment != "..";
    if path.contains('\0') || !path.split('/').all(plain) {
        return None;
    }
    Some(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_restored() {
        assert!(safe_relative("blobs/dicom/ab/cd/x").is_some());
        assert!(safe_relative("jwt-keys").is_some());
        for bad in ["", "/etc/passwd", "../x", "blobs/../../x", "./x", "a/./b", "a\0b"] {
            assert!(safe_relative(bad).is_none(), "{bad:?}");
        }
    }
}
