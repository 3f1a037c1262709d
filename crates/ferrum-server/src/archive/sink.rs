//! Where an archive's entries go: a ZIP written as a stream (to a response or a file), or a
//! folder on disk (`ferrum export --out DIR/`). Entries arrive one at a time as chunk streams,
//! so neither holds more than a chunk.
use std::path::{Component, Path, PathBuf};

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use bytes::Bytes;
use futures_util::{AsyncWriteExt as _, Stream, TryStreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

/// An entry's bytes, as they are produced.
pub type Chunks<'a> = &'a mut (dyn Stream<Item = std::io::Result<Bytes>> + Send + Unpin);

#[async_trait::async_trait]
pub trait Sink: Send {
    /// Writes the entry at `path` (`/`-separated, relative) from `body`.
    async fn entry(&mut self, path: &str, body: Chunks<'_>) -> anyhow::Result<()>;
    /// Completes the archive (a ZIP's central directory). An archive not finished is not
    /// whole: a ZIP without its directory, a folder without its manifest.
    async fn finish(self: Box<Self>) -> anyhow::Result<()>;
}

/// A ZIP of stored (not recompressed) entries: DICOM pixel data rarely shrinks and the bytes
/// must come back as they went in. ZIP64 where sizes need it.
pub struct ZipSink<W: AsyncWrite + Unpin + Send> {
    zip: ZipFileWriter<Compat<W>>,
}

impl<W: AsyncWrite + Unpin + Send> ZipSink<W> {
    pub fn new(out: W) -> Self {
        ZipSink { zip: ZipFileWriter::new(out.compat_write()) }
    }
}

#[async_trait::async_trait]
impl<W: AsyncWrite + Unpin + Send> Sink for ZipSink<W> {
    async fn entry(&mut self, path: &str, body: Chunks<'_>) -> anyhow::Result<()> {
        let mut entry =
            self.zip.write_entry_stream(ZipEntryBuilder::new(path.to_owned().into(), Compression::Stored)).await?;
        while let Some(chunk) = body.try_next().await? {
            entry.write_all(&chunk).await?;
        }
        entry.close().await?;
        Ok(())
    }

    async fn finish(self: Box<Self>) -> anyhow::Result<()> {
        let mut out = self.zip.close().await?.into_inner();
        out.shutdown().await?;
        Ok(())
    }
}

/// A folder: each entry a file under the root, its folders made as needed. Refuses to
/// overwrite anything.
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    /// The root must not exist yet, or be an empty folder.
    pub fn create(root: &Path) -> anyhow::Result<DirSink> {
        if root.exists() {
            anyhow::ensure!(root.is_dir(), "{} exists and is not a folder", root.display());
            anyhow::ensure!(std::fs::read_dir(root)?.next().is_none(), "{} is not empty", root.display());
        }
        std::fs::create_dir_all(root)?;
        Ok(DirSink { root: root.to_owned() })
    }
}

#[async_trait::async_trait]
impl Sink for DirSink {
    async fn entry(&mut self, path: &str, body: Chunks<'_>) -> anyhow::Result<()> {
        let relative = Path::new(path);
        // The names are the layout's own, but a folder write is where a bad one would hurt.
        anyhow::ensure!(
            relative.components().all(|c| matches!(c, Component::Normal(_))),
            "entry name {path:?} is not a plain relative path"
        );
        let file = self.root.join(relative);
        if let Some(dir) = file.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut out = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&file).await?;
        while let Some(chunk) = body.try_next().await? {
            out.write_all(&chunk).await?;
        }
        out.flush().await?;
        out.sync_all().await?;
        Ok(())
    }

    async fn finish(self: Box<Self>) -> anyhow::Result<()> {
        Ok(())
    }
}
