//! A study as a ZIP: every stored object byte for byte under `<series>/<instance>.dcm`
//! (stored, not recompressed: DICOM pixel data rarely shrinks and the bytes must come back as
//! they went in) and a `manifest.json` listing each file with its SHA-256. Streamed: the
//! archive is written into a bounded pipe while the response reads from it, so memory stays
//! flat whatever the study's size.
use std::sync::Arc;

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use bytes::Bytes;
use ferrum_store::model::StudyDetail;
use ferrum_store::{BlobKey, BlobStore};
use futures_util::{AsyncWriteExt, Stream, TryStreamExt};
use serde_json::json;
use tokio_util::compat::TokioAsyncWriteCompatExt;
use tokio_util::io::ReaderStream;

/// Bytes in flight between the archive writer and the response.
const PIPE: usize = 256 * 1024;

/// The entry's name. UIDs are accepted leniently (they may hold `/`, `..`, `\\` or `:`), and
/// an archive's names become paths on whoever unpacks it: a UID that is not plainly safe is
/// made so, and an instance's name then gets its content hash to stay unique. The manifest
/// keeps the UIDs as stored.
fn path(series_uid: &str, sop_uid: &str, sha256: &str) -> String {
    let series = file_name_segment(series_uid);
    let sop = file_name_segment(sop_uid);
    if sop == sop_uid {
        format!("{series}/{sop}.dcm")
    } else {
        format!("{series}/{sop}-{}.dcm", &sha256[..sha256.len().min(12)])
    }
}

/// `uid` when it is safe as one file name on any system (digits, letters, `.`, `-`, `_`,
/// not starting with a dot), else the same with every other character and leading dots
/// replaced by `_`.
pub fn file_name_segment(uid: &str) -> String {
    let mut out: String =
        uid.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let dots = out.len() - out.trim_start_matches('.').len();
    out.replace_range(..dots, &"_".repeat(dots));
    out
}

/// The archive's bytes, produced as the client reads them. A failure part-way (a blob store
/// outage) ends the stream early; the archive then lacks its central directory, so no
/// client mistakes it for a whole one.
pub fn stream(blobs: Arc<dyn BlobStore>, study: StudyDetail) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let (writer, reader) = tokio::io::duplex(PIPE);
    tokio::spawn(async move {
        if let Err(e) = write(blobs.as_ref(), &study, writer).await {
            tracing::warn!(error = %e, "a study archive was cut short");
        }
    });
    ReaderStream::with_capacity(reader, 64 * 1024)
}

async fn write(blobs: &dyn BlobStore, study: &StudyDetail, out: tokio::io::DuplexStream) -> anyhow::Result<()> {
    let mut zip = ZipFileWriter::new(out.compat_write());
    let mut files = Vec::new();
    for series in &study.series {
        for instance in &series.instances {
            let name = path(&series.series_instance_uid, &instance.sop_instance_uid, &instance.sha256);
            let mut entry =
                zip.write_entry_stream(ZipEntryBuilder::new(name.clone().into(), Compression::Stored)).await?;
            let mut blob = blobs.get(&BlobKey::parse(&instance.blob_key)?, None).await?;
            while let Some(chunk) = blob.try_next().await? {
                entry.write_all(&chunk).await?;
            }
            entry.close().await?;
            files.push(json!({
                "path": name,
                "sop_instance_uid": instance.sop_instance_uid,
                "series_instance_uid": series.series_instance_uid,
                "sha256": instance.sha256,
                "bytes": instance.size_bytes,
            }));
        }
    }
    let manifest = json!({
        "format": "ferrum-study-archive/1",
        "exported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "study": study,
        "files": files,
    });
    let manifest = serde_json::to_vec_pretty(&manifest)?;
    zip.write_entry_whole(ZipEntryBuilder::new("manifest.json".to_owned().into(), Compression::Stored), &manifest)
        .await?;
    zip.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{file_name_segment, path};

    #[test]
    fn entry_names_of_lenient_uids_never_leave_the_archive() {
        assert_eq!(path("1.2.3", "1.2.3.4", "abcdef0123456789"), "1.2.3/1.2.3.4.dcm");
        assert_eq!(path("1.2.A3", "1.2.03", "ab"), "1.2.A3/1.2.03.dcm", "safe characters stay as sent");
        assert_eq!(path("../..", "..\\x/y:z", "abcdef0123456789"), "___../___x_y_z-abcdef012345.dcm");
        assert_eq!(file_name_segment(".hidden"), "_hidden");
        assert_eq!(file_name_segment("a%2Fb"), "a_2Fb");
    }
}
