//! A de-identified link's archive: each object of its view de-identified as it is written
//! (one at a time, so memory holds one object), under `<series>/<instance>.dcm` named by the
//! new UIDs, with a `manifest.json` that carries the de-identified study JSON and the new
//! UIDs and hashes of the files written — no original value, no uploader or owner.
use std::sync::Arc;

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use bytes::Bytes;
use ferrum_dicom::deid::DeidError;
use ferrum_store::BlobStore;
use futures_util::Stream;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio_util::compat::TokioAsyncWriteCompatExt;
use tokio_util::io::ReaderStream;

use super::DeidView;

const PIPE: usize = 256 * 1024;

/// The archive's bytes, produced as the client reads them; cut short (no central
/// directory) if an object cannot be read part-way.
pub fn stream(
    blobs: Arc<dyn BlobStore>,
    view: DeidView,
    study: Value,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let (writer, reader) = tokio::io::duplex(PIPE);
    tokio::spawn(async move {
        if let Err(e) = write(blobs.as_ref(), &view, study, writer).await {
            tracing::warn!(error = %e, "a de-identified archive was cut short");
        }
    });
    ReaderStream::with_capacity(reader, 64 * 1024)
}

async fn write(
    blobs: &dyn BlobStore,
    view: &DeidView,
    study: Value,
    out: tokio::io::DuplexStream,
) -> anyhow::Result<()> {
    let mut zip = ZipFileWriter::new(out.compat_write());
    let mut files = Vec::new();
    let mut refused = 0usize;
    for instance in view.instances() {
        let bytes = super::read_object(blobs, instance).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let out = match super::deidentify(bytes, &view.context).await.map_err(|e| anyhow::anyhow!("{e}"))? {
            Ok(out) => out,
            Err(DeidError::BurnedIn) => {
                refused += 1;
                continue;
            }
            // An object that cannot be rewritten is left out, never sent as stored.
            Err(e) => {
                tracing::info!(error = %e, "an object was left out of a de-identified archive");
                refused += 1;
                continue;
            }
        };
        // New UIDs are `2.25.` and digits: safe as names on any system.
        let name = format!("{}/{}.dcm", out.series_instance_uid, out.sop_instance_uid);
        zip.write_entry_whole(ZipEntryBuilder::new(name.clone().into(), Compression::Stored), &out.bytes).await?;
        files.push(json!({
            "path": name,
            "sop_instance_uid": out.sop_instance_uid,
            "series_instance_uid": out.series_instance_uid,
            "transfer_syntax_uid": out.transfer_syntax_uid,
            "sha256": hex::encode(Sha256::digest(&out.bytes)),
            "bytes": out.bytes.len(),
        }));
    }
    let manifest = json!({
        "format": "ferrum-study-archive/1",
        "deidentified": true,
        "method": "PS3.15 Basic Application Confidentiality Profile; Retain Longitudinal Temporal Information \
                   with Modified Dates; Clean Descriptors; Retain Patient Characteristics",
        "exported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "study": study,
        "files": files,
        "left_out": view.left_out + refused,
    });
    let manifest = serde_json::to_vec_pretty(&manifest)?;
    zip.write_entry_whole(ZipEntryBuilder::new("manifest.json".to_owned().into(), Compression::Stored), &manifest)
        .await?;
    zip.close().await?;
    Ok(())
}
