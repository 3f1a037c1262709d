//! Spooling: an upload's bytes go to a temporary file (hashed and counted on the way) so that
//! no request is ever held in memory, whatever its size.
use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use tempfile::TempPath;

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

/// Bytes gathered in memory before they are written out in one blocking call.
const BUFFER: usize = 1024 * 1024;

/// An async writer for request bodies: chunks are hashed as they arrive and gathered into a
/// bounded buffer, so that a typical object reaches the disk in one write, off the executor.
pub struct SpoolWriter {
    file: Option<std::fs::File>,
    path: TempPath,
    buf: Vec<u8>,
    hasher: Sha256,
    len: u64,
    limit: u64,
}

impl SpoolWriter {
    pub async fn create(dir: &Path, limit: u64) -> Result<SpoolWriter, SpoolError> {
        let dir = dir.to_owned();
        let (file, path) = tokio::task::spawn_blocking(move || tempfile::Builder::new().prefix("up-").tempfile_in(dir))
            .await
            .map_err(|e| SpoolError::Io(std::io::Error::other(e)))??
            .into_parts();
        Ok(SpoolWriter {
            file: Some(file),
            path,
            buf: Vec::new(),
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
        self.buf.extend_from_slice(chunk);
        if self.buf.len() >= BUFFER {
            self.drain().await?;
        }
        Ok(())
    }

    async fn drain(&mut self) -> Result<(), SpoolError> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| SpoolError::Io(std::io::Error::other("spool file already closed")))?;
        let buf = std::mem::take(&mut self.buf);
        let (file, mut buf) = tokio::task::spawn_blocking(move || file.write_all(&buf).map(|()| (file, buf)))
            .await
            .map_err(|e| SpoolError::Io(std::io::Error::other(e)))??;
        buf.clear();
        self.buf = buf;
        self.file = Some(file);
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub async fn finish(mut self) -> Result<Spooled, SpoolError> {
        if !self.buf.is_empty() {
            self.drain().await?;
        }
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
