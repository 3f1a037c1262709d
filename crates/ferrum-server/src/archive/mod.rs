//! Exports as archives: studies laid out as a DICOM file-set, a `PATIENT/STUDY/SERIES/IMAGE`
//! tree of generated names ([`layout`]) with a DICOMDIR at the root, and `manifest.json`
//! mapping the names to the UIDs with the SHA-256 of every file ([`manifest`]).
//!
//! Written as a stream into a [`sink::Sink`] (a ZIP for the API, a ZIP file or a folder for
//! the command line): objects one at a time from the blob store, chunk by chunk, then the
//! DICOMDIR and the manifest, both made from the catalog's rows (not from the objects), so
//! memory stays flat whatever the size of what is exported — a few hundred bytes of plan per
//! object. Each object's bytes pass through a [`Transform`] (identity unless a caller gives
//! one); an identity export checks every object against its catalogued hash on the way and
//! stops, leaving an archive without its end, if one does not match.
pub mod deidentify;
pub mod layout;
pub mod manifest;
pub mod sink;
mod transform;

use std::sync::Arc;

use bytes::Bytes;
use ferrum_store::model::ExportScope;
use ferrum_store::{BlobKey, BlobStore};
use futures_util::{Stream, TryStreamExt};
use sha2::{Digest, Sha256};
use tokio_util::io::ReaderStream;

pub use layout::Layout;
use manifest::Written;
use sink::{Sink, ZipSink};
pub use transform::{ObjectFn, Transform};

/// Bytes in flight between the archive writer and the response.
const PIPE: usize = 256 * 1024;
/// The File-set ID of every export (CS: up to 16 characters).
pub const FILE_SET_ID: &str = "FERRUM_EXPORT";

/// What to write: the layout of the studies, the scope they came from (for the manifest),
/// and what to do to each object on the way.
#[derive(Debug, Clone)]
pub struct Export {
    pub scope: ExportScope,
    pub layout: Layout,
    pub transform: Transform,
    /// Set when the transform de-identifies: what the manifest says instead of the
    /// original scope, and what was left out.
    pub deidentified: Option<deidentify::Deidentification>,
}

/// What an export holds, for the audit trail and the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub studies: u64,
    pub series: u64,
    pub instances: u64,
    /// Of the objects as stored.
    pub bytes: u64,
    /// Objects of the scope not written because they declare burned-in annotation (a
    /// de-identified export without `--keep-burned-in`).
    pub left_out_burned_in: u64,
}

impl Export {
    pub fn new(scope: ExportScope, layout: Layout) -> Export {
        Export { scope, layout, transform: Transform::identity(), deidentified: None }
    }

    pub fn counts(&self) -> Counts {
        let mut counts = self.layout.studies().map(study_counts).fold(Counts::default(), |a, b| Counts {
            studies: a.studies + b.studies,
            series: a.series + b.series,
            instances: a.instances + b.instances,
            bytes: a.bytes + b.bytes,
            left_out_burned_in: 0,
        });
        counts.left_out_burned_in = self.deidentified.as_ref().map_or(0, |d| d.left_out_burned_in);
        counts
    }
}

/// One study's share of an export.
pub fn study_counts(study: &ferrum_store::model::ExportStudy) -> Counts {
    let instances = study.detail.series.iter().flat_map(|s| &s.instances);
    Counts {
        studies: 1,
        series: study.detail.series.len() as u64,
        instances: instances.clone().count() as u64,
        bytes: instances.map(|i| i.size_bytes.max(0) as u64).sum(),
        left_out_burned_in: 0,
    }
}

/// A file name safe on any system for `value` (a UID, an account name): digits, letters,
/// `.`, `-`, `_`, not starting with a dot; anything else becomes `_`.
pub fn file_name_segment(value: &str) -> String {
    let mut out: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let dots = out.len() - out.trim_start_matches('.').len();
    out.replace_range(..dots, &"_".repeat(dots));
    out
}

/// A new UID for the DICOMDIR itself (UUID-derived, PS3.5 B.2).
fn new_uid() -> String {
    format!("2.25.{}", uuid::Uuid::new_v4().as_u128())
}

/// The archive as a ZIP, produced as the client reads it. A failure part-way (a blob store
/// outage, an object erased meanwhile) ends the stream early; the archive then lacks its
/// central directory, so no client mistakes it for a whole one.
pub fn zip_stream(blobs: Arc<dyn BlobStore>, export: Export) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let (writer, reader) = tokio::io::duplex(PIPE);
    tokio::spawn(async move {
        let sink = Box::new(ZipSink::new(writer));
        if let Err(e) = write(blobs.as_ref(), &export, sink).await {
            tracing::warn!(error = %e, "an archive was cut short");
        }
    });
    ReaderStream::with_capacity(reader, 64 * 1024)
}

/// Writes the whole archive into `sink`: the objects in layout order, the DICOMDIR, the
/// manifest.
pub async fn write(blobs: &dyn BlobStore, export: &Export, mut sink: Box<dyn Sink>) -> anyhow::Result<()> {
    let transform = export.transform.function();
    let mut written = Vec::new();
    // What each rewritten object says, for the DICOMDIR and the manifest.
    let mut described = Vec::new();
    for file in export.layout.files() {
        let key = BlobKey::parse(&file.instance.blob_key)?;
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        let blob = blobs.get(&key, None).await?;
        match &transform {
            None => {
                let mut body = blob.inspect_ok(|chunk| {
                    hasher.update(chunk);
                    bytes += chunk.len() as u64;
                });
                sink.entry(&file.path, &mut body).await?;
            }
            Some(f) => {
                let stored = blob
                    .try_fold(Vec::new(), |mut all, chunk| async move {
                        all.extend_from_slice(&chunk);
                        Ok(all)
                    })
                    .await?;
                let (f, record) = (f.clone(), file.instance.clone());
                let (changed, attributes) = tokio::task::spawn_blocking(move || {
                    let changed = f(&record, stored)?;
                    let inspected = ferrum_dicom::inspect(std::io::Cursor::new(&changed[..]))
                        .map_err(|e| anyhow::anyhow!("a rewritten object cannot be read back: {e}"))?;
                    anyhow::Ok((changed, inspected.attributes))
                })
                .await??;
                described.push(attributes);
                hasher.update(&changed);
                bytes = changed.len() as u64;
                sink.entry(&file.path, &mut whole(changed.into())).await?;
            }
        }
        let sha256 = hex::encode(hasher.finalize());
        if transform.is_none() && sha256 != file.instance.sha256 {
            // Never hand out an object that is not what was stored.
            anyhow::bail!("a stored object does not match its SHA-256; the archive was stopped");
        }
        written.push(Written { sha256, bytes });
    }
    // A rewritten archive is described by its files, never by the catalog's values.
    let described = match &transform {
        None => std::borrow::Cow::Borrowed(&export.layout),
        Some(_) => std::borrow::Cow::Owned(export.layout.described_by(&described)?),
    };
    let dicomdir = described.file_set(FILE_SET_ID, &new_uid()).encode()?;
    let dicomdir_written = Written { sha256: hex::encode(Sha256::digest(&dicomdir)), bytes: dicomdir.len() as u64 };
    sink.entry("DICOMDIR", &mut whole(dicomdir.into())).await?;
    let manifest =
        manifest::build(&export.scope, &described, &written, &dicomdir_written, export.deidentified.as_ref());
    sink.entry("manifest.json", &mut whole(serde_json::to_vec_pretty(&manifest)?.into())).await?;
    sink.finish().await
}

fn whole(bytes: Bytes) -> impl Stream<Item = std::io::Result<Bytes>> + Send + Unpin {
    futures_util::stream::iter([Ok(bytes)])
}

#[cfg(test)]
mod tests {
    use super::file_name_segment;

    #[test]
    fn file_names_of_lenient_uids_never_leave_their_folder() {
        assert_eq!(file_name_segment("1.2.3"), "1.2.3");
        assert_eq!(file_name_segment("../.."), "___..");
        assert_eq!(file_name_segment("..\\x/y:z"), "___x_y_z");
        assert_eq!(file_name_segment(".hidden"), "_hidden");
        assert_eq!(file_name_segment("a%2Fb"), "a_2Fb");
    }
}
