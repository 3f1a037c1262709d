//! The answer to an upload: one line per file or archive entry, totals, and the studies touched.
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Stored,
    Duplicate,
    Rejected,
    Skipped,
}

impl FileStatus {
    /// The word of the ingest metrics.
    pub fn label(self) -> &'static str {
        match self {
            FileStatus::Stored => "stored",
            FileStatus::Duplicate => "duplicate",
            FileStatus::Rejected => "rejected",
            FileStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub name: String,
    pub status: FileStatus,
    /// A stable code for refusals of the access model (`study_not_writable`,
    /// `series_in_another_study`, `instance_in_another_study`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sop_instance_uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub study_instance_uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// What the file does not conform to although it was read (`stored` or `duplicate`
    /// with warnings); absent when there is nothing to say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ferrum_dicom::Warning>,
    /// Not in the JSON report (which has `sop_instance_uid` and `study_instance_uid`): for
    /// answers that name the stored instance in full (STOW-RS).
    #[serde(skip)]
    pub series_instance_uid: Option<String>,
    #[serde(skip)]
    pub sop_class_uid: Option<String>,
    /// Why a `rejected` line was refused, as a kind every rendering of the outcome (the JSON
    /// report's reason, STOW-RS's Failure Reason) is derived from.
    #[serde(skip)]
    pub refusal: Option<Refusal>,
}

/// The kinds of refusal of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not DICOM, truncated, or not parseable.
    Unreadable,
    /// Read, but without the identifiers an instance needs (missing or unusable UIDs).
    Incomplete,
    /// A transfer syntax the server cannot read.
    TransferSyntax,
    /// A different object is already stored under its SOP Instance UID.
    Conflict,
    /// The access model refused it (the study is not the uploader's to add to, or a UID
    /// belongs to another study).
    NotWritable,
    /// Sent to a study (STOW-RS `/studies/{study}`) it is not part of.
    OtherStudy,
}

impl FileReport {
    pub fn rejected(name: impl Into<String>, reason: impl Into<String>) -> Self {
        FileReport {
            name: name.into(),
            status: FileStatus::Rejected,
            code: None,
            reason: Some(reason.into()),
            sop_instance_uid: None,
            study_instance_uid: None,
            bytes: None,
            warnings: Vec::new(),
            series_instance_uid: None,
            sop_class_uid: None,
            refusal: Some(Refusal::Unreadable),
        }
    }

    pub fn refused(name: impl Into<String>, refusal: Refusal, reason: impl Into<String>) -> Self {
        FileReport { refusal: Some(refusal), ..FileReport::rejected(name, reason) }
    }

    pub fn skipped(name: impl Into<String>, reason: impl Into<String>) -> Self {
        FileReport { status: FileStatus::Skipped, refusal: None, ..FileReport::rejected(name, reason) }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StudyTouched {
    pub study_instance_uid: String,
    pub instances: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct UploadReport {
    pub stored: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub skipped: usize,
    pub files: Vec<FileReport>,
    pub studies: Vec<StudyTouched>,
}

impl UploadReport {
    pub fn push(&mut self, file: FileReport) {
        self.files.push(file);
    }

    /// Computes the totals and the studies touched from the file lines.
    pub fn finish(&mut self) {
        let count = |s: FileStatus| self.files.iter().filter(|f| f.status == s).count();
        self.stored = count(FileStatus::Stored);
        self.duplicates = count(FileStatus::Duplicate);
        self.rejected = count(FileStatus::Rejected);
        self.skipped = count(FileStatus::Skipped);
        let mut studies: Vec<StudyTouched> = Vec::new();
        for f in &self.files {
            if !matches!(f.status, FileStatus::Stored | FileStatus::Duplicate) {
                continue;
            }
            let Some(uid) = &f.study_instance_uid else { continue };
            match studies.iter_mut().find(|s| &s.study_instance_uid == uid) {
                Some(s) => s.instances += 1,
                None => studies.push(StudyTouched { study_instance_uid: uid.clone(), instances: 1 }),
            }
        }
        self.studies = studies;
    }

    /// Whether anything was accepted (stored or recognised as already stored).
    pub fn accepted_any(&self) -> bool {
        self.stored + self.duplicates > 0
    }
}
