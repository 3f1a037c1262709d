//! Spooling: an upload's bytes are gathered (hashed and counted on the way) into a bounded
//! memory buffer, and only a body larger than that goes to a temporary file. No request is
//! ever held in memory whole; a typical CT or MR object (under 2 MiB) never touches a spool
//! file and reaches the blob store in one write.
use std::io::{Read, Write};
use std::path::Path;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tempfile::TempPath;

/// Largest body kept in memory; above it, the body is spooled to a file.
pub const MEMORY_LIMIT: usize = 2 * 1024 * 1024;
/// Bytes gathered before one blocking write to the spool file.
const FILE_BUFFER: usize = 1024 * 1024;

/// Where a complete body is.
pub enum Content {
    Memory(Bytes),
    /// A spool file, removed when dropped unless the blob store moved it into place.
    File(TempPath),
}

/// A complete upload body (or archive entry), with its hash.
pub struct Spooled {
    pub content: Content,
    pub len: u64,
    pub sha256: String,
    /// The first bytes, to tell a ZIP from a DICOM object without reading again.
    pub head: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("larger than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("spool i/o: {0}")]
    Io(#[from] std::io::Error),
}

fn joined(e: tokio::task::JoinError) -> SpoolError {
    SpoolError::Io(std::io::Error::other(e))
}

const HEAD: usize = 8;

/// An async writer for request bodies.
pub struct SpoolWriter {
    dir: std::path::PathBuf,
    file: Option<(std::fs::File, TempPath)>,
    buf: Vec<u8>,
    head: Vec<u8>,
    hasher: Sha256,
    len: u64,
    limit: u64,
}

impl SpoolWriter {
    /// `size_hint` (a Content-Length) sizes the buffer once instead of growing it.
    pub fn new(dir: &Path, limit: u64, size_hint: Option<u64>) -> SpoolWriter {
        let capacity = size_hint.map_or(64 * 1024, |n| n.min(MEMORY_LIMIT as u64) as usize);
        SpoolWriter {
            dir: dir.to_owned(),
            file: None,
            buf: Vec::with_capacity(capacity),
            head: Vec::with_capacity(HEAD),
            hasher: Sha256::new(),
            len: 0,
            limit,
        }
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), SpoolError> {
        self.len += chunk.len() as u64;
        if self.len > self.limit {
            return Err(SpoolError::TooLarge(self.limit));
        }
        if self.head.len() < HEAD {
            let n = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..n]);
        }
        self.hasher.update(chunk);
        self.buf.extend_from_slice(chunk);
        let threshold = if self.file.is_some() { FILE_BUFFER } else { MEMORY_LIMIT };
        if self.buf.len() > threshold {
            self.drain().await?;
        }
        Ok(())
    }

    /// Writes the buffer to the spool file (creating it on first use), off the executor.
    async fn drain(&mut self) -> Result<(), SpoolError> {
        let file = self.file.take();
        let dir = self.dir.clone();
        let buf = std::mem::take(&mut self.buf);
        let (file, mut buf) = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
            let (mut f, path) = match file {
                Some(fp) => fp,
                None => tempfile::Builder::new().prefix("up-").tempfile_in(dir)?.into_parts(),
            };
            f.write_all(&buf)?;
            Ok(((f, path), buf))
        })
        .await
        .map_err(joined)??;
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
        let content = if self.file.is_none() {
            Content::Memory(Bytes::from(std::mem::take(&mut self.buf)))
        } else {
            if !self.buf.is_empty() {
                self.drain().await?;
            }
            let (_, path) = self.file.take().ok_or_else(|| SpoolError::Io(std::io::Error::other("spool file lost")))?;
            Content::File(path)
        };
        Ok(Spooled { content, len: self.len, sha256: hex::encode(self.hasher.finalize()), head: self.head })
    }
}

/// Copies a reader into memory or a spool file (blocking), refusing more than `limit` bytes.
pub fn spool_blocking(mut reader: impl Read, dir: &Path, limit: u64) -> Result<Spooled, SpoolError> {
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(HEAD);
    let mut len = 0u64;
    let mut mem: Vec<u8> = Vec::new();
    let mut file: Option<(std::fs::File, TempPath)> = None;
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
        let chunk = &buf[..n];
        if head.len() < HEAD {
            head.extend_from_slice(&chunk[..(HEAD - head.len()).min(n)]);
        }
        hasher.update(chunk);
        match &mut file {
            Some((f, _)) => f.write_all(chunk)?,
            None if mem.len() + n <= MEMORY_LIMIT => mem.extend_from_slice(chunk),
            None => {
                let (mut f, path) = tempfile::Builder::new().prefix("zip-").tempfile_in(dir)?.into_parts();
                f.write_all(&mem)?;
                f.write_all(chunk)?;
                mem = Vec::new();
                file = Some((f, path));
            }
        }
    }
    let content = match file {
        Some((mut f, path)) => {
            f.flush()?;
            Content::File(path)
        }
        None => Content::Memory(Bytes::from(mem)),
    };
    Ok(Spooled { content, len, sha256: hex::encode(hasher.finalize()), head })
}

/// Reads a local file through the spool (the blob store consumes what it stores, and a
/// user's own file must stay where it is).
pub fn spool_file_blocking(path: &Path, dir: &Path) -> Result<Spooled, SpoolError> {
    let file = std::fs::File::open(path)?;
    spool_blocking(std::io::BufReader::new(file), dir, u64::MAX)
}

/// Makes sure a body is in a file (for the ZIP reader, which needs a seekable file).
pub fn into_file_blocking(spooled: Spooled, dir: &Path) -> Result<TempPath, SpoolError> {
    match spooled.content {
        Content::File(path) => Ok(path),
        Content::Memory(bytes) => {
            let (mut f, path) = tempfile::Builder::new().prefix("up-").tempfile_in(dir)?.into_parts();
            f.write_all(&bytes)?;
            Ok(path)
        }
    }
}
