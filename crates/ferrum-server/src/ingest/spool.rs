//! Spooling: an upload's bytes go to a temporary file (hashed and counted on the way) so that
//! no request is ever held in memory, whatever its size.
use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

/// A complete spooled file. The file is removed when this is dropped, unless the blob
/// store moved it into place first.
pub struct Spooled {
    pub path: TempPath,
    pub len: u64,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("larger than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("spool i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// An async writer for request bodies.
pub struct SpoolWriter {
    file: tokio::fs::File,
    path: TempPath,
    hasher: Sha256,
    len: u64,
    limit: u64,
}

impl SpoolWriter {
    pub async fn create(dir: &Path, limit: u64) -> Result<SpoolWriter, SpoolError> {
        let (file, path) = tempfile::Builder::new().prefix("up-").tempfile_in(dir)?.into_parts();
        Ok(SpoolWriter {
            file: tokio::fs::File::from_std(file),
            path,
            hasher: Sha256::new(),
            len: 0,
            limit,
        })
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), SpoolError> {
        self.len += chunk.len() as u64;
        if self.len > self.limit {
            return Err(SpoolError::TooLarge(self.limit));
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub async fn finish(mut self) -> Result<Spooled, SpoolError> {
        self.file.flush().await?;
        Ok(Spooled {
            path: self.path,
            len: self.len,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }
}

/// Copies a reader into a new spool file (blocking), refusing more than `limit` bytes.
pub fn spool_blocking(mut reader: impl Read, dir: &Path, limit: u64) -> Result<Spooled, SpoolError> {
    let (mut file, path) = tempfile::Builder::new().prefix("zip-").tempfile_in(dir)?.into_parts();
    let mut hasher = Sha256::new();
    let mut len = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        len += n as u64;
        if len > limit {
            return Err(SpoolError::TooLarge(limit));
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])?;
    }
    file.flush()?;
    Ok(Spooled {
        path,
        len,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Copies a local file into the spool (the blob store consumes what it stores, and a user's
/// own file must stay where it is).
pub fn spool_file_blocking(path: &Path, dir: &Path) -> Result<Spooled, SpoolError> {
    let file = std::fs::File::open(path)?;
    spool_blocking(std::io::BufReader::new(file), dir, u64::MAX)
}
