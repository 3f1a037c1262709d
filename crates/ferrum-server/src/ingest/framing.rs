//! How the bodies of uploads are framed, in one place for every route that takes objects:
//! a body that is one object (or a ZIP), `multipart/form-data` (the web app, scripts) and
//! `multipart/related` (STOW-RS, PS3.18 10.5). Each part is spooled as it arrives and
//! handed to the one ingest session before the next part is read, so a body of any size
//! costs the memory of one part's spool buffer, and every framing gets the same decisions.
use std::path::Path;

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::spool::{SpoolError, SpoolWriter, Spooled};
use super::{FileReport, IngestError, Origin, Refusal, Session};

/// The multipart framings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Each part a file or a ZIP, named by its Content-Disposition file name.
    FormData,
    /// Each part one DICOM object (`application/dicom`); archives are not unpacked.
    Related,
}

/// Why a body could not be read to its end. The parts ingested before it stay ingested
/// (their rows are committed only when the session finishes, which the caller then skips).
#[derive(Debug, thiserror::Error)]
pub enum FramingError {
    #[error("malformed multipart body: {0}")]
    Malformed(String),
    #[error("the upload stream broke off: {0}")]
    BrokeOff(String),
    #[error("larger than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("spool i/o: {0}")]
    Spool(std::io::Error),
    #[error(transparent)]
    Ingest(#[from] IngestError),
}

impl From<SpoolError> for FramingError {
    fn from(e: SpoolError) -> Self {
        match e {
            SpoolError::TooLarge(limit) => FramingError::TooLarge(limit),
            SpoolError::Io(e) => FramingError::Spool(e),
        }
    }
}

/// Spools a stream of chunks (a request body or one part of it), at most `limit` bytes.
#[tracing::instrument(name = "spool", skip_all)]
pub async fn spool_stream<S, E>(
    dir: &Path,
    mut stream: S,
    limit: u64,
    size_hint: Option<u64>,
) -> Result<Spooled, FramingError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut writer = SpoolWriter::new(dir, limit, size_hint);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| FramingError::BrokeOff(e.to_string()))?;
        writer.write(&chunk).await?;
    }
    Ok(writer.finish().await?)
}

/// The headers a multipart reader is given for a `multipart/related` body: its boundary
/// only, so that a `type` parameter written without quotes (`type=application/dicom`, as
/// PS3.18's examples and many scripts do) does not make the media type unparseable.
pub fn related_headers(boundary: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = format!("multipart/related; boundary=\"{}\"", boundary.replace('"', ""));
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers
}

/// Ingests every part of a multipart body into `session`; answers how many parts it had.
/// `limit` bounds the whole body (what each part may take is what the earlier ones left).
pub async fn ingest_multipart(
    session: &mut Session<'_>,
    mut multipart: Multipart,
    framing: Framing,
    spool_dir: &Path,
    limit: u64,
) -> Result<usize, FramingError> {
    let mut remaining = limit;
    let mut parts = 0usize;
    while let Some(field) = multipart.next().await {
        let field = field.map_err(|e| FramingError::Malformed(e.to_string()))?;
        parts += 1;
        let file_name = field.content_disposition().and_then(|cd| cd.get_filename().map(str::to_owned));
        let name = file_name
            .or_else(|| {
                // A STOW part may name itself by Content-Location.
                field.headers().get(header::CONTENT_LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
            })
            .unwrap_or_else(|| format!("part-{parts}"));
        let refused_type = match framing {
            Framing::FormData => None,
            Framing::Related => {
                field.content_type().map(|m| m.essence_str().to_ascii_lowercase()).filter(|t| t != "application/dicom")
            }
        };
        let spooled = spool_stream(spool_dir, field, remaining, None).await?;
        remaining -= spooled.len;
        if let Some(t) = refused_type {
            session.report.push(FileReport::refused(
                name,
                Refusal::Unreadable,
                format!("the part is {t}; only application/dicom parts are stored"),
            ));
            continue;
        }
        if spooled.len == 0 {
            session.report.push(FileReport::rejected(name, "empty file"));
            continue;
        }
        match framing {
            Framing::FormData => session.add(name, spooled, Origin::Collection).await?,
            Framing::Related => session.add_instance(name, spooled, Origin::Direct).await?,
        }
    }
    Ok(parts)
}
