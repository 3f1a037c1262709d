//! Reading a spooled ZIP one entry at a time, on a blocking thread, with the guards an
//! archive from outside needs: unsafe names, encryption, ZIP bombs (per-entry ratio and a
//! total), corrupt entries. Each entry is spooled and handed to the async side over a
//! bounded channel, so at most a couple of entries exist on disk at once.
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use tokio::sync::mpsc;
use zip::result::ZipError;

use super::report::FileReport;
use super::spool::{spool_blocking, SpoolError, Spooled};

#[derive(Debug, Clone, Copy)]
pub struct ZipLimits {
    pub max_total_uncompressed: u64,
    pub max_ratio: u64,
}

pub enum ZipItem {
    /// An entry's bytes, spooled, to inspect and store.
    Entry { name: String, spooled: Spooled },
    /// An entry (or the archive) already decided: skipped or rejected.
    Decided(FileReport),
}

/// Entries smaller than this are not held to the ratio limit: a tiny file full of zeros
/// compresses well and is harmless.
const RATIO_EXEMPT_BYTES: u64 = 1024 * 1024;

pub fn walk(archive_name: &str, archive: &Path, spool_dir: PathBuf, limits: ZipLimits, tx: mpsc::Sender<ZipItem>) {
    let send = |item: ZipItem| tx.blocking_send(item).is_ok();
    let file = match std::fs::File::open(archive) {
        Ok(f) => f,
        Err(e) => {
            send(ZipItem::Decided(FileReport::rejected(
                archive_name,
                format!("cannot read the spooled archive: {}", e.kind()),
            )));
            return;
        }
    };
    let mut zip = match zip::ZipArchive::new(BufReader::with_capacity(256 * 1024, file)) {
        Ok(z) => z,
        Err(e) => {
            send(ZipItem::Decided(FileReport::rejected(archive_name, format!("corrupt ZIP archive: {e}"))));
            return;
        }
    };
    let mut total = 0u64;
    for index in 0..zip.len() {
        let fallback_name =
            zip.name_for_index(index).map(str::to_owned).unwrap_or_else(|| format!("{archive_name}#{index}"));
        let entry = match zip.by_index(index) {
            Ok(e) => e,
            Err(ZipError::UnsupportedArchive(msg)) if msg == ZipError::PASSWORD_REQUIRED => {
                if !send(ZipItem::Decided(FileReport::rejected(
                    fallback_name,
                    "encrypted ZIP entries are not supported; upload the archive without a password",
                ))) {
                    return;
                }
                continue;
            }
            Err(e) => {
                if !send(ZipItem::Decided(FileReport::rejected(fallback_name, format!("corrupt ZIP entry: {e}")))) {
                    return;
                }
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_owned();
        let decided = if entry.enclosed_name().is_none() {
            Some(FileReport::rejected(&name, "unsafe path in archive (absolute, or leaving the archive with '..')"))
        } else if entry.size() > RATIO_EXEMPT_BYTES && entry.size() / entry.compressed_size().max(1) > limits.max_ratio
        {
            Some(FileReport::rejected(
                &name,
                format!(
                    "compression ratio {}:1 exceeds the limit of {}:1 (possible ZIP bomb)",
                    entry.size() / entry.compressed_size().max(1),
                    limits.max_ratio
                ),
            ))
        } else if total.saturating_add(entry.size()) > limits.max_total_uncompressed {
            Some(FileReport::rejected(
                &name,
                format!(
                    "the archive expands beyond the limit of {} bytes (possible ZIP bomb)",
                    limits.max_total_uncompressed
                ),
            ))
        } else {
            None
        };
        if let Some(report) = decided {
            if !send(ZipItem::Decided(report)) {
                return;
            }
            continue;
        }
        // The declared size bounds what is read, so a lying header cannot expand further.
        let declared = entry.size();
        let limited = entry.take(declared.saturating_add(1));
        let item = match spool_blocking(limited, &spool_dir, declared) {
            Ok(spooled) => {
                total += spooled.len;
                ZipItem::Entry { name, spooled }
            }
            Err(SpoolError::TooLarge(_)) => ZipItem::Decided(FileReport::rejected(
                name,
                "entry is larger than its header declares (corrupt or hostile archive)",
            )),
            Err(SpoolError::Io(e))
                if e.kind() == std::io::ErrorKind::InvalidData
                    || e.kind() == std::io::ErrorKind::UnexpectedEof
                    || e.kind() == std::io::ErrorKind::Other =>
            {
                ZipItem::Decided(FileReport::rejected(name, format!("corrupt ZIP entry: {e}")))
            }
            Err(SpoolError::Io(e)) => {
                ZipItem::Decided(FileReport::rejected(name, format!("could not extract entry: {}", e.kind())))
            }
        };
        if !send(item) {
            return;
        }
    }
}

/// Whether the first bytes are a ZIP local-file or end-of-directory signature.
pub fn looks_like_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}
