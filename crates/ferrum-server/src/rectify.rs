//! Rectification of a study: every instance gets a new version with the corrected patient
//! and study attributes (ferrum-dicom's [`correct`] patches the header in the object's own
//! encoding, the rest of the object is copied byte for byte), each new object is checked by
//! reading it back and written to the blob store, then the catalog takes all of them in one
//! transaction with the study's fields and the audit event, the old objects going into the
//! outbox. If the study changed meanwhile (an upload, another correction) the new objects
//! are released and the whole is done again from what is stored now, a few times, then it
//! is a conflict. Thumbnails are made again from the new objects.
use bytes::Bytes;
use ferrum_dicom::correct::{self, Attribute, CorrectionError, Corrections, Edit};
use ferrum_dicom::DicomError;
use ferrum_store::audit::NewAuditEvent;
use ferrum_store::model::{InstanceRecord, InstanceVersion, StudyCorrection};
use ferrum_store::{BlobKey, Principal, StoreError};
use futures_util::TryStreamExt;

use crate::ingest::spool::{Content, SpoolWriter, Spooled};
use crate::jobs::{job_after, THUMBNAIL};
use crate::state::AppState;

/// How much of an object is read to find the attributes (they sit in its first few KiB).
const HEAD: u64 = 1 << 20;
/// Tries before a study that keeps changing underneath is a conflict.
const ATTEMPTS: usize = 3;
/// The largest object read whole when its first [`HEAD`] bytes are not enough (a deflated
/// data set, or an enormous header).
const MAX_WHOLE: u64 = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RectifyError {
    #[error("no such study")]
    NotFound,
    #[error("the study is under legal hold; lift the hold before correcting it")]
    LegalHold,
    #[error("the study kept changing while it was being corrected; try again")]
    Conflict,
    /// A value the object's character set cannot hold, or an object that cannot be patched.
    #[error("{0}")]
    Unprocessable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

/// What a rectification did.
#[derive(Debug, serde::Serialize)]
pub struct Rectified {
    pub attributes: Vec<&'static str>,
    pub instances: usize,
    pub blobs_released: usize,
}

/// The catalog's copy of the corrections.
pub fn study_change(corrections: &Corrections) -> StudyCorrection {
    let get = |a: Attribute| corrections.get(a).map(|v| Some(v.as_str().to_owned()).filter(|s| !s.is_empty()));
    StudyCorrection {
        patient_name: get(Attribute::PatientName),
        patient_id: get(Attribute::PatientId),
        patient_birth_date: get(Attribute::PatientBirthDate),
        patient_sex: get(Attribute::PatientSex),
        accession_number: get(Attribute::AccessionNumber),
        study_description: get(Attribute::StudyDescription),
    }
}

pub async fn rectify(
    state: &AppState,
    study_uid: &str,
    corrections: &Corrections,
    audit: &NewAuditEvent,
) -> Result<Rectified, RectifyError> {
    let change = study_change(corrections);
    let attributes = change.attributes();
    for _ in 0..ATTEMPTS {
        let retention = state.catalog.retention(study_uid).await?.ok_or(RectifyError::NotFound)?;
        if retention.legal_hold_at.is_some() {
            return Err(RectifyError::LegalHold);
        }
        let study = state.catalog.get_study(&Principal::System, study_uid).await?.ok_or(RectifyError::NotFound)?;
        let instances: Vec<&InstanceRecord> = study.series.iter().flat_map(|s| &s.instances).collect();
        let mut versions = Vec::with_capacity(instances.len());
        for instance in &instances {
            match new_version(state, instance, corrections).await {
                Ok(v) => versions.push(v),
                Err(e) => {
                    release_new(state, &versions).await;
                    return Err(e);
                }
            }
        }
        let mut event = audit.clone();
        event.study_uid = Some(study_uid.to_owned());
        event.detail = Some(serde_json::json!({ "attributes": attributes, "instances": versions.len() }));
        match state.catalog.rectify_study(study_uid, &change, &versions, &event).await {
            Ok(released) => {
                let series: Vec<_> = study
                    .series
                    .iter()
                    .map(|s| job_after(THUMBNAIL, &s.series_instance_uid, std::time::Duration::ZERO))
                    .collect();
                if let Err(e) = state.catalog.enqueue_jobs(&series).await {
                    // Made on their first request instead.
                    tracing::warn!(error = %e, "cannot queue thumbnails of a corrected study");
                }
                state.jobs.wake.notify_waiters();
                return Ok(Rectified { attributes, instances: versions.len(), blobs_released: released.len() });
            }
            Err(StoreError::Conflict(_)) => release_new(state, &versions).await,
            Err(StoreError::NotFound) => {
                release_new(state, &versions).await;
                return Err(RectifyError::NotFound);
            }
            Err(e) => {
                release_new(state, &versions).await;
                return Err(e.into());
            }
        }
    }
    Err(RectifyError::Conflict)
}

/// New objects no row took: into the outbox (the job keeps any another row holds).
async fn release_new(state: &AppState, versions: &[InstanceVersion]) {
    let keys: Vec<String> =
        versions.iter().filter(|v| v.sha256 != v.expected_sha256).map(|v| v.blob_key.clone()).collect();
    if let Err(e) = state.catalog.release_blobs(&keys).await {
        tracing::warn!(error = %e, "cannot release objects of an abandoned correction; the orphan sweep removes them");
    }
}

async fn read(state: &AppState, key: &BlobKey, range: (u64, u64)) -> Result<Vec<u8>, RectifyError> {
    let stream = state.blobs.get(key, Some(range)).await?;
    let chunks: Vec<Bytes> = stream.try_collect().await.map_err(|e| RectifyError::Other(format!("read: {e}")))?;
    Ok(chunks.concat())
}

fn unprocessable(sop_uid: &str, e: CorrectionError) -> RectifyError {
    match e {
        CorrectionError::Unrepresentable { .. } => RectifyError::Unprocessable(e.to_string()),
        other => RectifyError::Unprocessable(format!("instance {sop_uid} cannot be corrected: {other}")),
    }
}

/// Writes the corrected version of one instance and answers it (not yet catalogued).
async fn new_version(
    state: &AppState,
    instance: &InstanceRecord,
    corrections: &Corrections,
) -> Result<InstanceVersion, RectifyError> {
    let key = BlobKey::parse(&instance.blob_key)?;
    let size = state.blobs.len(&key).await?;
    let mut prefix = read(state, &key, (0, size.min(HEAD))).await?;
    let plan = |prefix: Vec<u8>, c: Corrections| async move {
        tokio::task::spawn_blocking(move || (correct::plan(&prefix, size, &c), prefix))
            .await
            .map_err(|e| RectifyError::Other(e.to_string()))
    };
    let (mut edit, back) = plan(prefix, corrections.clone()).await?;
    prefix = back;
    if matches!(edit, Err(CorrectionError::NeedMore)) && (prefix.len() as u64) < size {
        if size > MAX_WHOLE {
            return Err(RectifyError::Unprocessable(format!(
                "instance {} is too large to correct ({size} bytes)",
                instance.sop_instance_uid
            )));
        }
        (edit, _) = plan(read(state, &key, (0, size)).await?, corrections.clone()).await?;
    }
    let edit = edit.map_err(|e| unprocessable(&instance.sop_instance_uid, e))?;
    let spool_dir = state.ingestor.spool_dir.clone();
    let mut spool = SpoolWriter::new(&spool_dir, u64::MAX, Some(size + 1024));
    let spool_err = |e: crate::ingest::SpoolError| RectifyError::Other(format!("spool: {e}"));
    match edit {
        Edit::Whole(bytes) => spool.write(&bytes).await.map_err(spool_err)?,
        Edit::Splice { head, resume_at } => {
            spool.write(&head).await.map_err(spool_err)?;
            if resume_at < size {
                let mut rest = state.blobs.get(&key, Some((resume_at, size))).await?;
                while let Some(chunk) = rest.try_next().await.map_err(|e| RectifyError::Other(format!("read: {e}")))? {
                    spool.write(&chunk).await.map_err(spool_err)?;
                }
            }
        }
    }
    let spooled = spool.finish().await.map_err(spool_err)?;
    let (spooled, metadata) = check(spooled, instance, corrections.clone()).await?;
    let new_key = BlobKey::for_dicom(&spooled.sha256);
    if spooled.sha256 != instance.sha256 {
        match spooled.content {
            Content::Memory(bytes) => state.blobs.put_bytes(&new_key, bytes, Some(&spooled.sha256)).await?,
            Content::File(path) => state.blobs.put_file(&new_key, &path, Some(&spooled.sha256)).await?,
        }
    }
    Ok(InstanceVersion {
        sop_uid: instance.sop_instance_uid.clone(),
        expected_sha256: instance.sha256.clone(),
        sha256: spooled.sha256,
        blob_key: new_key.as_str().to_owned(),
        size_bytes: spooled.len as i64,
        metadata: Some(metadata),
    })
}

/// Reads the new object back as ingest would: it must be whole, name the same instance and
/// hold the corrected values. Nothing is stored otherwise.
async fn check(
    spooled: Spooled,
    instance: &InstanceRecord,
    corrections: Corrections,
) -> Result<(Spooled, String), RectifyError> {
    let source: Box<dyn FnOnce() -> Result<ferrum_dicom::Inspection, DicomError> + Send> = match &spooled.content {
        Content::Memory(bytes) => {
            let bytes = bytes.clone();
            Box::new(move || ferrum_dicom::inspect(std::io::Cursor::new(bytes)))
        }
        Content::File(path) => {
            let path = path.to_path_buf();
            Box::new(move || {
                let file = std::fs::File::open(&path).map_err(|e| DicomError::Malformed(e.kind().to_string()))?;
                ferrum_dicom::inspect(file)
            })
        }
    };
    let inspected = tokio::task::spawn_blocking(source).await.map_err(|e| RectifyError::Other(e.to_string()))?;
    let broken = |why: &str| {
        RectifyError::Other(format!("the corrected version of instance {} {why}", instance.sop_instance_uid))
    };
    let inspected = inspected.map_err(|e| broken(&format!("does not read back: {e}")))?;
    let a = &inspected.attributes;
    if a.instance.sop_instance_uid.as_str() != instance.sop_instance_uid
        || a.instance.transfer_syntax_uid != instance.transfer_syntax_uid
    {
        return Err(broken("names another instance or transfer syntax"));
    }
    for attribute in corrections.attributes() {
        let wanted = corrections.get(attribute).map(|v| v.as_str()).filter(|v| !v.is_empty());
        let read = match attribute {
            Attribute::PatientName => a.patient.patient_name.as_deref(),
            Attribute::PatientId => a.patient.patient_id.as_deref(),
            Attribute::PatientBirthDate => a.patient.patient_birth_date.as_deref(),
            Attribute::PatientSex => a.patient.patient_sex.as_deref(),
            Attribute::AccessionNumber => a.study.accession_number.as_deref(),
            Attribute::StudyDescription => a.study.study_description.as_deref(),
        };
        if read != wanted {
            return Err(broken(&format!("reads back another {}", attribute.name())));
        }
    }
    // The metadata kept at ingest follows the object, as a new upload's would.
    Ok((spooled, inspected.metadata.to_string()))
}
