//! The ingest pipeline, shared by `POST /api/uploads` and `ferrum import`.
//!
//! For each object: inspect the header (off the async executor), recognise duplicates and
//! conflicts, write the blob durably, then commit the catalog rows in one transaction per
//! batch. A failure between the blob and the commit leaves only an unreferenced blob, which
//! the start-up sweep removes; never a row without its blob.
pub mod framing;
pub mod report;
pub mod spool;
pub mod zip;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use ferrum_dicom::DicomError;
use ferrum_store::audit::NewAuditEvent;
use ferrum_store::model::{ConflictPolicy, InsertOutcome, InstanceAttributes, InstanceWarning, NewInstance};
use ferrum_store::{BlobKey, BlobStore, Catalog, StoreError};

pub use self::zip::ZipLimits;
pub use report::{FileReport, FileStatus, Refusal, UploadReport};
pub use spool::{Content, SpoolError, SpoolWriter, Spooled};

/// What the inspector reads: the body in memory, or its spool file.
enum Source {
    Memory(bytes::Bytes),
    File(PathBuf),
}

/// Instances committed per catalog transaction when an upload carries many.
const BATCH: usize = 64;

/// A failure of the service itself (not of one file): the upload as a whole fails.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("ingest worker failed: {0}")]
    Worker(String),
}

pub struct Ingestor {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    /// Ingest counters (files by outcome, bytes, sessions in flight).
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    /// Where new series' thumbnails are asked for, off the request path.
    pub thumbnails: Arc<crate::jobs::ThumbnailQueue>,
    pub policy: ConflictPolicy,
    pub spool_dir: PathBuf,
    pub zip_limits: ZipLimits,
}

/// How a non-DICOM file is reported: inside an archive or a folder it is just skipped; sent
/// on its own as `application/dicom` it is a rejected upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Direct,
    Collection,
}

/// An object whose blob is durable, waiting for its catalog commit.
struct Pending {
    report_index: usize,
    instance: NewInstance,
}

/// Who is uploading, for the catalog and the audit trail.
#[derive(Debug, Clone)]
pub struct Uploader {
    /// Whose permissions the upload acts with: it may add to studies this principal owns
    /// or contributes to, and creates new studies owned by it.
    pub principal: ferrum_store::Principal,
    pub username: String,
    /// The upload's event (actor, action, address, request id), written once per study with
    /// the first commit of that study's rows.
    pub audit: NewAuditEvent,
}

/// Accumulates one upload's files and commits them in batches.
pub struct Session<'a> {
    ingestor: &'a Ingestor,
    uploader: Uploader,
    pub report: UploadReport,
    pending: Vec<Pending>,
    /// Studies whose ingest audit event is committed with their rows.
    audited: HashSet<String>,
    /// The one study this upload may add to (STOW-RS `/studies/{study}`); objects of other
    /// studies are refused before anything of them is stored.
    study: Option<String>,
    _in_flight: crate::metrics::InFlight,
}

impl Ingestor {
    pub fn session(&self, uploader: Uploader) -> Session<'_> {
        Session {
            ingestor: self,
            uploader,
            report: UploadReport::default(),
            pending: Vec::new(),
            audited: HashSet::new(),
            study: None,
            _in_flight: self.metrics.ingest_started(),
        }
    }
}

impl Session<'_> {
    /// Restricts the upload to one study: objects of any other are refused.
    pub fn only_study(&mut self, study_instance_uid: String) {
        self.study = Some(study_instance_uid);
    }

    /// Ingests one spooled body: a ZIP (by its signature) or a DICOM object.
    pub async fn add(&mut self, name: String, spooled: Spooled, origin: Origin) -> Result<(), IngestError> {
        self.ingestor.metrics.ingest_bytes(spooled.len);
        if zip::looks_like_zip(&spooled.head) {
            self.add_zip(name, spooled).await
        } else {
            self.add_instance(name, spooled, origin).await
        }
    }

    /// Takes the last file's line out of the report, once nothing is pending (after
    /// [`Session::flush`]): for callers that answer file by file and keep no report.
    pub fn take_line(&mut self) -> Option<FileReport> {
        if !self.pending.is_empty() {
            return None;
        }
        let line = self.report.files.pop()?;
        self.ingestor.metrics.ingested_file(line.status.label());
        Some(line)
    }

    // Spans carry sizes and counts only: file names and DICOM attributes may name a patient.
    #[tracing::instrument(name = "ingest_zip", skip_all, fields(bytes = archive.len))]
    async fn add_zip(&mut self, name: String, archive: Spooled) -> Result<(), IngestError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel(2);
        let spool_dir = self.ingestor.spool_dir.clone();
        let limits = self.ingestor.zip_limits;
        let archive_name = name.clone();
        let span = tracing::Span::current();
        let walker = tokio::task::spawn_blocking(move || match spool::into_file_blocking(archive, &spool_dir) {
            Ok(path) => span.in_scope(|| zip::walk(&archive_name, &path, spool_dir, limits, tx)),
            Err(e) => {
                let report = FileReport::rejected(&archive_name, format!("cannot spool the archive: {e}"));
                let _ = tx.blocking_send(zip::ZipItem::Decided(report));
            }
        });
        while let Some(item) = rx.recv().await {
            match item {
                zip::ZipItem::Decided(report) => self.report.push(report),
                zip::ZipItem::Entry { name, spooled } => self.add_instance(name, spooled, Origin::Collection).await?,
            }
        }
        walker.await.map_err(|e| IngestError::Worker(e.to_string()))?;
        Ok(())
    }

    /// Ingests one spooled body as one DICOM object (never unpacked as an archive).
    #[tracing::instrument(name = "ingest_instance", skip_all, fields(bytes = spooled.len))]
    pub async fn add_instance(&mut self, name: String, spooled: Spooled, origin: Origin) -> Result<(), IngestError> {
        let source = match &spooled.content {
            Content::Memory(bytes) => Source::Memory(bytes.clone()),
            Content::File(path) => Source::File(path.to_path_buf()),
        };
        let inspected = tokio::task::spawn_blocking(move || {
            let inspection = match source {
                Source::Memory(bytes) => ferrum_dicom::inspect(std::io::Cursor::new(bytes)),
                Source::File(path) => {
                    let file = std::fs::File::open(&path)
                        .map_err(|e| DicomError::Malformed(format!("cannot read: {}", e.kind())))?;
                    ferrum_dicom::inspect(file)
                }
            }?;
            // Serialised here, off the async workers, as the catalog keeps it.
            let metadata = inspection.metadata.to_string();
            Ok::<_, DicomError>((inspection, metadata))
        })
        .await
        .map_err(|e| IngestError::Worker(e.to_string()))?;
        let (attributes, warnings, metadata) = match inspected {
            Ok((i, metadata)) => (flatten(i.attributes), i.warnings, metadata),
            Err(DicomError::NotDicom) if origin == Origin::Collection => {
                self.report.push(FileReport::skipped(name, "not a DICOM file"));
                return Ok(());
            }
            Err(DicomError::MediaDirectory) => {
                self.report.push(FileReport::skipped(name, DicomError::MediaDirectory.to_string()));
                return Ok(());
            }
            Err(e) => {
                let refusal = match &e {
                    DicomError::MissingAttribute { .. } | DicomError::InvalidUid { .. } => Refusal::Incomplete,
                    DicomError::UnsupportedTransferSyntax(_) => Refusal::TransferSyntax,
                    _ => Refusal::Unreadable,
                };
                self.report.push(FileReport::refused(name, refusal, e.to_string()));
                return Ok(());
            }
        };
        let mut line = FileReport {
            name,
            status: FileStatus::Stored,
            reason: None,
            sop_instance_uid: Some(attributes.sop_instance_uid.clone()),
            study_instance_uid: Some(attributes.study_instance_uid.clone()),
            bytes: Some(spooled.len),
            code: None,
            warnings: warnings.clone(),
            series_instance_uid: Some(attributes.series_instance_uid.clone()),
            sop_class_uid: attributes.sop_class_uid.clone(),
            refusal: None,
        };
        if self.study.as_ref().is_some_and(|s| *s != attributes.study_instance_uid) {
            line.status = FileStatus::Rejected;
            line.refusal = Some(Refusal::OtherStudy);
            line.reason = Some("the object belongs to another study than the one it was sent to".into());
            self.report.push(line);
            return Ok(());
        }
        // Most re-sent objects are caught here, before any blob is written.
        // Looked up as the uploader, so that nothing of a study they may not see is told.
        let existing =
            self.ingestor.catalog.find_instance(&self.uploader.principal, &attributes.sop_instance_uid).await?;
        if let Some(existing) = existing.filter(|e| e.study_instance_uid == attributes.study_instance_uid) {
            if existing.sha256 == spooled.sha256 {
                line.status = FileStatus::Duplicate;
                self.report.push(line);
                return Ok(());
            }
            if self.ingestor.policy == ConflictPolicy::Reject {
                line.status = FileStatus::Rejected;
                line.refusal = Some(Refusal::Conflict);
                line.reason = Some(CONFLICT_REASON.into());
                self.report.push(line);
                return Ok(());
            }
        }
        let key = BlobKey::for_dicom(&spooled.sha256);
        match spooled.content {
            Content::Memory(bytes) => self.ingestor.blobs.put_bytes(&key, bytes, Some(&spooled.sha256)).await?,
            Content::File(path) => self.ingestor.blobs.put_file(&key, &path, Some(&spooled.sha256)).await?,
        }
        self.pending.push(Pending {
            report_index: self.report.files.len(),
            instance: NewInstance {
                attributes,
                size_bytes: spooled.len as i64,
                sha256: spooled.sha256.clone(),
                blob_key: key.as_str().to_owned(),
                uploaded_by: self.uploader.username.clone(),
                warnings: warnings
                    .into_iter()
                    .map(|w| InstanceWarning { code: w.code.to_owned(), message: w.message })
                    .collect(),
                metadata: Some(metadata),
            },
        });
        self.report.push(line);
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Commits what is pending. Until this returns, nothing pending may be acknowledged.
    #[tracing::instrument(name = "ingest_commit", skip_all, fields(objects = self.pending.len()))]
    pub async fn flush(&mut self) -> Result<(), IngestError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let batch: Vec<NewInstance> = pending.iter().map(|p| p.instance.clone()).collect();
        let audit = self.audit_events(&batch);
        let outcomes = self
            .ingestor
            .catalog
            .insert_instances(&self.uploader.principal, &batch, self.ingestor.policy, &audit)
            .await?;
        self.audited.extend(audit.into_iter().filter_map(|e| e.study_uid));
        // Objects this commit stopped pointing at (replaced) or wrote for nothing (conflict,
        // refused) went into the catalog's outbox in the same transaction; the outbox job
        // deletes them after the grace period if no row points at them by then.
        let mut new_pictures: Vec<&str> = Vec::new();
        for (p, outcome) in pending.iter().zip(outcomes) {
            let line = &mut self.report.files[p.report_index];
            if matches!(outcome, InsertOutcome::Stored | InsertOutcome::Replaced { .. }) {
                new_pictures.push(&p.instance.attributes.series_instance_uid);
            }
            match outcome {
                InsertOutcome::Stored => {}
                InsertOutcome::Duplicate => line.status = FileStatus::Duplicate,
                InsertOutcome::Conflict => {
                    line.status = FileStatus::Rejected;
                    line.refusal = Some(Refusal::Conflict);
                    line.reason = Some(CONFLICT_REASON.into());
                }
                InsertOutcome::Replaced { .. } => {}
                InsertOutcome::Refused { code, reason } => {
                    line.status = FileStatus::Rejected;
                    line.refusal = Some(Refusal::NotWritable);
                    line.code = Some(code);
                    line.reason = Some(reason);
                }
            }
        }
        self.ingestor.queue_thumbnails(new_pictures);
        Ok(())
    }

    /// One event per study of the batch whose upload is not on the trail yet, committed
    /// with its rows: exactly one per upload and study, however many commits it takes.
    fn audit_events(&self, batch: &[NewInstance]) -> Vec<NewAuditEvent> {
        let mut per_study: Vec<(&str, usize)> = Vec::new();
        for i in batch {
            let study = i.attributes.study_instance_uid.as_str();
            if self.audited.contains(study) {
                continue;
            }
            match per_study.iter_mut().find(|(s, _)| *s == study) {
                Some((_, n)) => *n += 1,
                None => per_study.push((study, 1)),
            }
        }
        per_study.into_iter().map(|(study, n)| crate::audit::upload_event(&self.uploader.audit, study, n)).collect()
    }

    /// Commits the rest and answers the report.
    pub async fn finish(self) -> Result<UploadReport, IngestError> {
        Ok(self.finish_audited().await?.0)
    }

    /// Commits the rest; answers the report and the studies whose ingest is already on the
    /// audit trail (committed with their rows), so that the caller records only the rest.
    pub async fn finish_audited(mut self) -> Result<(UploadReport, HashSet<String>), IngestError> {
        self.flush().await?;
        for line in &self.report.files {
            self.ingestor.metrics.ingested_file(line.status.label());
        }
        self.report.finish();
        Ok((self.report, self.audited))
    }
}

const CONFLICT_REASON: &str = "conflict: a different object is already stored under this SOPInstanceUID (0008,0018)";

impl Ingestor {
    /// Asks for a thumbnail of each series that got new instances. Best effort and never
    /// waits: the upload is committed already, and a thumbnail missing is made on its first
    /// request.
    fn queue_thumbnails(&self, mut series: Vec<&str>) {
        series.sort_unstable();
        series.dedup();
        self.thumbnails.request(series.into_iter().map(str::to_owned).collect());
    }
}

/// The catalog's flat copy of the attributes the DICOM layer extracted.
fn flatten(a: ferrum_dicom::InstanceAttributes) -> InstanceAttributes {
    InstanceAttributes {
        patient_name: a.patient.patient_name,
        patient_id: a.patient.patient_id,
        patient_birth_date: a.patient.patient_birth_date,
        patient_sex: a.patient.patient_sex,
        study_instance_uid: a.study.study_instance_uid.into_string(),
        study_date: a.study.study_date,
        study_time: a.study.study_time,
        accession_number: a.study.accession_number,
        study_description: a.study.study_description,
        referring_physician_name: a.study.referring_physician_name,
        study_id: a.study.study_id,
        institution_name: a.study.institution_name,
        series_instance_uid: a.series.series_instance_uid.into_string(),
        modality: a.series.modality,
        series_number: a.series.series_number,
        series_description: a.series.series_description,
        body_part_examined: a.series.body_part_examined,
        sop_instance_uid: a.instance.sop_instance_uid.into_string(),
        sop_class_uid: a.instance.sop_class_uid,
        instance_number: a.instance.instance_number,
        transfer_syntax_uid: a.instance.transfer_syntax_uid,
        rows: a.instance.rows,
        columns: a.instance.columns,
        number_of_frames: a.instance.number_of_frames,
        slice_position: a.instance.slice_position,
        pixel_spacing: a.instance.pixel_spacing,
        image_orientation: a.instance.image_orientation,
        slice_thickness: a.instance.slice_thickness,
        photometric_interpretation: a.instance.photometric_interpretation,
        bits_allocated: a.instance.bits_allocated,
        // The header has been read: an object that does not say YES declares none (kept as
        // NO, so that a de-identified view need not read the object again to find out).
        burned_in_annotation: Some(a.instance.burned_in_annotation == Some(true)),
    }
}
