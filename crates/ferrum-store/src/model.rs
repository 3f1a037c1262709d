//! The records the catalog stores and answers with.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Radiologist,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Radiologist => "radiologist",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "radiologist" => Some(Role::Radiologist),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: Option<String>,
    pub role: Role,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    pub deleted: bool,
    /// Disabled by an admin: cannot log in, has no open session.
    pub disabled: bool,
    /// TOTP is on (a secret verified by a first code).
    pub mfa_enabled: bool,
    pub created_at: String,
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Role, String> {
        Role::parse(&s).ok_or_else(|| format!("unknown role {s:?} in catalog"))
    }
}

/// A login session as it is opened.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub user_id: i64,
    /// SHA-256 (hex) of the refresh token's secret.
    pub refresh_hash: String,
    pub expires_at: String,
    /// The client's address and user agent at login, for the session list.
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// A login session with its account as it is now (role, deleted, disabled, MFA), and the
/// deployment's MFA policy as it is now (so that one query serves each request).
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub user_deleted: bool,
    pub user_disabled: bool,
    pub mfa_enabled: bool,
    pub refresh_hash: String,
    pub created_at: String,
    pub last_used_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    /// The stored `mfa_required_roles` setting (comma-separated roles), `None` when never set.
    pub mfa_required_roles: Option<String>,
}

impl Session {
    /// Whether tokens of this session are still honoured at `now` (an RFC 3339 timestamp as
    /// the catalog writes them): not logged out, not expired, not idle since before
    /// `idle_cutoff`, its account neither deleted nor disabled.
    pub fn is_open(&self, now: &str, idle_cutoff: &str) -> bool {
        self.revoked_at.is_none()
            && !self.user_deleted
            && !self.user_disabled
            && self.expires_at.as_str() > now
            && self.last_used_at.as_str() >= idle_cutoff
    }
}

/// An open session as its owner sees it in the session list.
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: String,
    pub last_used_at: String,
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// An account's TOTP state. The secrets are credentials: `Debug` never shows them.
#[derive(Clone, Default)]
pub struct TotpState {
    /// Base32 secret once MFA is on.
    pub secret: Option<String>,
    /// Base32 secret being enrolled, until a first code verifies it.
    pub pending: Option<String>,
    /// The last time step a code was accepted for.
    pub last_step: Option<i64>,
}

impl std::fmt::Debug for TotpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpState")
            .field("enabled", &self.secret.is_some())
            .field("pending", &self.pending.is_some())
            .field("last_step", &self.last_step)
            .finish()
    }
}

/// What an admin changes on an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    /// A new password's hash; setting one also lifts a login lockout and ends the account's
    /// sessions.
    pub password_hash: Option<String>,
    /// Disable (ends the account's sessions at once) or enable the account.
    pub disabled: Option<bool>,
}

/// One object to catalogue, with its blob already durable under `blob_key`.
#[derive(Debug, Clone)]
pub struct NewInstance {
    pub attributes: InstanceAttributes,
    pub size_bytes: i64,
    pub sha256: String,
    pub blob_key: String,
    pub uploaded_by: String,
    /// What the object does not conform to although it was accepted.
    pub warnings: Vec<InstanceWarning>,
    /// The header in the DICOM JSON model (text), kept with the row.
    pub metadata: Option<String>,
}

/// One thing an accepted object does not conform to (see `ferrum_dicom::warning`): a stable
/// code and a message for people. Kept as a JSON array in `instances.warnings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceWarning {
    pub code: String,
    pub message: String,
}

/// The indexed attributes of one instance, flattened: the catalog's own copy of what the
/// DICOM layer extracted, so that this crate parses no DICOM.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct InstanceAttributes {
    pub patient_name: Option<String>,
    pub patient_id: Option<String>,
    pub patient_birth_date: Option<String>,
    pub patient_sex: Option<String>,
    pub study_instance_uid: String,
    pub study_date: Option<String>,
    pub study_time: Option<String>,
    pub accession_number: Option<String>,
    pub study_description: Option<String>,
    pub referring_physician_name: Option<String>,
    pub study_id: Option<String>,
    pub institution_name: Option<String>,
    pub series_instance_uid: String,
    pub modality: Option<String>,
    pub series_number: Option<i64>,
    pub series_description: Option<String>,
    pub body_part_examined: Option<String>,
    pub sop_instance_uid: String,
    pub sop_class_uid: Option<String>,
    pub instance_number: Option<i64>,
    pub transfer_syntax_uid: String,
    pub rows: Option<i64>,
    pub columns: Option<i64>,
    pub number_of_frames: Option<i64>,
    pub slice_position: Option<f64>,
    pub pixel_spacing: Option<String>,
    pub image_orientation: Option<String>,
    pub slice_thickness: Option<f64>,
    pub photometric_interpretation: Option<String>,
    pub bits_allocated: Option<i64>,
    /// Burned In Annotation (0028,0301): `Some(true)` for YES.
    pub burned_in_annotation: Option<bool>,
}

/// What to do when a different object arrives under a SOP Instance UID already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictPolicy {
    Reject,
    Overwrite,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    Stored,
    /// The same object (same content hash) was already catalogued.
    Duplicate,
    /// Another object holds this SOP Instance UID and the policy is to reject.
    Conflict,
    /// Another object held this SOP Instance UID and was replaced; its blob's key went into
    /// the outbox in the same transaction (deleted after the grace period if still
    /// unreferenced then).
    Replaced {
        old_blob_key: String,
    },
    /// Not catalogued, for a reason of the access model (`code`: `study_not_writable`,
    /// `series_in_another_study`, `instance_in_another_study`).
    Refused {
        code: &'static str,
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InstanceRecord {
    #[sqlx(rename = "sop_uid")]
    pub sop_instance_uid: String,
    #[sqlx(rename = "series_uid")]
    pub series_instance_uid: String,
    #[sqlx(rename = "study_uid")]
    pub study_instance_uid: String,
    pub sop_class_uid: Option<String>,
    pub instance_number: Option<i64>,
    pub transfer_syntax_uid: String,
    pub rows: Option<i64>,
    pub columns: Option<i64>,
    pub number_of_frames: Option<i64>,
    pub slice_position: Option<f64>,
    pub pixel_spacing: Option<String>,
    pub image_orientation: Option<String>,
    pub slice_thickness: Option<f64>,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub blob_key: String,
    pub uploaded_by: String,
    pub created_at: String,
    #[sqlx(try_from = "Option<String>")]
    pub warnings: Warnings,
    /// Burned In Annotation = YES as read at ingest (`None`: ingested before it was read).
    pub burned_in_annotation: Option<bool>,
}

/// Which instances a metadata read covers.
#[derive(Debug, Clone)]
pub enum MetadataScope {
    Study { study_uid: String },
    Series { study_uid: String, series_uid: String },
    Instance { study_uid: String, series_uid: String, sop_uid: String },
}

/// One instance and its kept metadata.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstanceMetadata {
    #[sqlx(flatten)]
    pub instance: InstanceRecord,
    pub dataset: Option<String>,
}

/// One instance of a metadata answer: what the answer says of its row, and its kept
/// metadata (`None` until it is filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataLine {
    pub study_instance_uid: String,
    pub series_instance_uid: String,
    pub sop_instance_uid: String,
    pub transfer_syntax_uid: String,
    pub sop_class_uid: Option<String>,
    pub instance_number: Option<i64>,
    pub rows: Option<i64>,
    pub columns: Option<i64>,
    pub number_of_frames: Option<i64>,
    pub dataset: Option<String>,
}

/// An instance's warnings as the catalog keeps them: a JSON array in `instances.warnings`
/// (NULL when there are none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Warnings(pub Vec<InstanceWarning>);

impl From<Option<String>> for Warnings {
    fn from(column: Option<String>) -> Warnings {
        Warnings(column.and_then(|w| serde_json::from_str(&w).ok()).unwrap_or_default())
    }
}

impl std::ops::Deref for Warnings {
    type Target = Vec<InstanceWarning>;
    fn deref(&self) -> &Vec<InstanceWarning> {
        &self.0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StudySummary {
    pub study_instance_uid: String,
    pub patient_name: Option<String>,
    pub patient_id: Option<String>,
    pub patient_birth_date: Option<String>,
    pub patient_sex: Option<String>,
    pub study_date: Option<String>,
    pub study_time: Option<String>,
    pub accession_number: Option<String>,
    pub study_description: Option<String>,
    pub referring_physician_name: Option<String>,
    pub institution_name: Option<String>,
    pub modalities: Vec<String>,
    pub num_series: i64,
    pub num_instances: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
    /// The account that owns the study now (`None`: no account does; admins only).
    pub owner: Option<String>,
    /// How the caller may use the study.
    pub access: crate::access::StudyAccess,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SeriesDetail {
    #[sqlx(rename = "series_uid")]
    pub series_instance_uid: String,
    pub modality: Option<String>,
    pub series_number: Option<i64>,
    pub series_description: Option<String>,
    pub body_part_examined: Option<String>,
    #[sqlx(skip)]
    pub num_instances: i64,
    #[sqlx(skip)]
    pub instances: Vec<InstanceRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StudyDetail {
    #[serde(flatten)]
    pub summary: StudySummary,
    pub series: Vec<SeriesDetail>,
}

/// Sort orders of the study listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StudySort {
    #[default]
    UploadedAtDesc,
    UploadedAtAsc,
    StudyDateDesc,
    StudyDateAsc,
    PatientNameAsc,
    PatientNameDesc,
    AccessionAsc,
    AccessionDesc,
    /// Best free-text match first (only with `q`; the default then).
    Relevance,
}

impl StudySort {
    pub const NAMES: &'static str =
        "uploaded_at, -uploaded_at, study_date, -study_date, patient_name, -patient_name, accession, -accession, relevance";

    pub fn parse(s: &str) -> Option<StudySort> {
        Some(match s {
            "-uploaded_at" => StudySort::UploadedAtDesc,
            "uploaded_at" => StudySort::UploadedAtAsc,
            "-study_date" => StudySort::StudyDateDesc,
            "study_date" => StudySort::StudyDateAsc,
            "patient_name" => StudySort::PatientNameAsc,
            "-patient_name" => StudySort::PatientNameDesc,
            "accession" => StudySort::AccessionAsc,
            "-accession" => StudySort::AccessionDesc,
            "relevance" => StudySort::Relevance,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StudySort::UploadedAtDesc => "-uploaded_at",
            StudySort::UploadedAtAsc => "uploaded_at",
            StudySort::StudyDateDesc => "-study_date",
            StudySort::StudyDateAsc => "study_date",
            StudySort::PatientNameAsc => "patient_name",
            StudySort::PatientNameDesc => "-patient_name",
            StudySort::AccessionAsc => "accession",
            StudySort::AccessionDesc => "-accession",
            StudySort::Relevance => "relevance",
        }
    }
}

/// A study search; every filter given must hold. Text is matched case- and
/// accent-insensitively (see `crate::search`): names and descriptions by word prefix in
/// any order, with the DICOM wildcards `*` and `?`; identifiers exactly, or as a prefix
/// with a trailing `*`.
#[derive(Debug, Clone, Default)]
pub struct StudyQuery {
    pub patient_name: Option<String>,
    pub patient_id: Option<String>,
    pub accession: Option<String>,
    /// `YYYYMMDD`.
    pub birth_date: Option<String>,
    /// Any of these (upper case) among the study's series.
    pub modalities: Vec<String>,
    /// `YYYYMMDD`, inclusive.
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    /// `HHMMSS`, inclusive.
    pub time_from: Option<String>,
    pub time_to: Option<String>,
    /// Words of the study's and its series' descriptions and body parts.
    pub description: Option<String>,
    pub referring_physician: Option<String>,
    pub institution: Option<String>,
    pub uploader: Option<String>,
    /// Catalog timestamps (RFC 3339 UTC), inclusive.
    pub uploaded_from: Option<String>,
    pub uploaded_to: Option<String>,
    pub restricted: Option<bool>,
    /// Shared with some account or group (`true`) or with none (`false`).
    pub shared: Option<bool>,
    /// Free text over names, IDs, accession, descriptions and institution; typo-tolerant.
    pub q: Option<String>,
    /// Which of the studies the principal may see.
    pub scope: Scope,
    pub limit: u32,
    pub cursor: Option<String>,
    /// `None`: relevance with `q`, else the newest upload first.
    pub sort: Option<StudySort>,
}

impl StudyQuery {
    /// The names of the filters given (not their values), for the audit trail.
    pub fn filters_used(&self) -> Vec<&'static str> {
        let given = [
            ("patient_name", self.patient_name.is_some()),
            ("patient_id", self.patient_id.is_some()),
            ("accession", self.accession.is_some()),
            ("birth_date", self.birth_date.is_some()),
            ("modality", !self.modalities.is_empty()),
            ("date_from", self.date_from.is_some()),
            ("date_to", self.date_to.is_some()),
            ("time_from", self.time_from.is_some()),
            ("time_to", self.time_to.is_some()),
            ("description", self.description.is_some()),
            ("referring_physician", self.referring_physician.is_some()),
            ("institution", self.institution.is_some()),
            ("uploader", self.uploader.is_some()),
            ("uploaded_from", self.uploaded_from.is_some()),
            ("uploaded_to", self.uploaded_to.is_some()),
            ("restricted", self.restricted.is_some()),
            ("shared", self.shared.is_some()),
            ("q", self.q.is_some()),
            ("cursor", self.cursor.is_some()),
        ];
        given.into_iter().filter(|(_, g)| *g).map(|(n, _)| n).collect()
    }

    /// The order the listing is in.
    pub fn effective_sort(&self) -> StudySort {
        match self.sort {
            Some(StudySort::Relevance) if self.q.is_none() => StudySort::default(),
            Some(s) => s,
            None if self.q.is_some() => StudySort::Relevance,
            None => StudySort::default(),
        }
    }
}

/// Which of the visible studies a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Every study the principal may see.
    #[default]
    All,
    /// The studies the principal owns.
    Mine,
    /// The studies shared with the principal (or one of its groups) by their owners.
    Shared,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "all" => Some(Scope::All),
            "mine" => Some(Scope::Mine),
            "shared" => Some(Scope::Shared),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StudyPage {
    pub items: Vec<StudySummary>,
    pub next_cursor: Option<String>,
    /// How many studies match in all: exact up to a threshold, an estimate above it.
    pub total: u64,
    pub total_exact: bool,
}

/// Work for the background workers: what to do (`kind`) to what (`subject`), not before
/// `run_after` (an RFC 3339 UTC timestamp as the catalog writes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    pub subject: String,
    pub run_after: String,
}

/// A claimed job. `generation` tells whether it was queued again while it ran.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub generation: i64,
    /// Claims so far, this one included.
    pub attempts: i64,
}

/// The due jobs of one kind.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobBacklog {
    pub kind: String,
    pub due: i64,
    /// The earliest `run_after` among them (RFC 3339).
    pub oldest_due_at: String,
}

/// A viewer link to create; `id` is random and made by the server.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub id: String,
    pub study_uid: String,
    pub created_by: String,
    pub expires_at: String,
    pub allow_download: bool,
    /// The series the link shows; empty: the whole study.
    pub series_uids: Vec<String>,
    /// How many times the viewer page may be opened; `None`: no limit.
    pub max_opens: Option<i64>,
    /// Argon2 hash of the PIN the holder must also give; `None`: no PIN.
    pub pin_hash: Option<String>,
    /// Who the link was sent to, why: in the owner's link table and on the holder's PIN page.
    pub note: Option<String>,
    /// The secret of a de-identified link (hex); `None`: the link shows the study as stored.
    pub deid_key: Option<String>,
}

/// A viewer link as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub id: String,
    pub study_uid: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub allow_download: bool,
    pub opens: i64,
    /// The series the link shows; empty: the whole study.
    pub series_uids: Vec<String>,
    pub max_opens: Option<i64>,
    #[serde(skip)]
    pub pin_hash: Option<String>,
    pub pin_failures: i64,
    pub pin_locked_until: Option<String>,
    pub note: Option<String>,
    /// Whether the note is shown to the link's holder on its PIN page: true for links made
    /// since the share dialog says so, false for older ones (their notes were written for
    /// the owner alone).
    pub note_shown: bool,
    /// The secret its de-identification is derived from; never shown.
    #[serde(skip)]
    pub deid_key: Option<String>,
}

impl Link {
    /// Whether every route of the link serves de-identified data only.
    pub fn deidentified(&self) -> bool {
        self.deid_key.is_some()
    }

    /// The link's one state, decided here for every route it opens.
    pub fn state(&self, now: &str) -> LinkState {
        if self.revoked_at.is_some() {
            LinkState::Revoked
        } else if self.expires_at.as_str() <= now {
            LinkState::Expired
        } else if self.max_opens.is_some_and(|m| self.opens >= m) {
            LinkState::UsedUp
        } else if self.pin_locked_until.as_deref().is_some_and(|t| t > now) {
            LinkState::PinLocked
        } else {
            LinkState::Active
        }
    }
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Active,
    Expired,
    Revoked,
    /// Opened as often as it may be.
    UsedUp,
    /// Too many wrong PINs; refuses PINs for a while.
    PinLocked,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Active => "active",
            LinkState::Expired => "expired",
            LinkState::Revoked => "revoked",
            LinkState::UsedUp => "used_up",
            LinkState::PinLocked => "pin_locked",
        }
    }
}

/// What an erase removes: a study, a series, or every study with a patient ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EraseTarget {
    Study(String),
    Series(String),
    Patient(String),
}

/// What an erase removed, in one transaction with its audit event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    pub studies: u64,
    pub series: u64,
    pub instances: u64,
    /// Distinct stored objects whose keys went into the outbox (their derived thumbnails go
    /// with them).
    pub blobs_released: u64,
    /// The studies removed whole (a series erase that took a study's last series counts it).
    #[serde(skip)]
    pub study_uids: Vec<String>,
    /// The keys released to the outbox.
    #[serde(skip)]
    pub released_keys: Vec<String>,
}

/// A released blob key claimed from the outbox. `generation` tells whether it was released
/// again while claimed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReleasedBlob {
    pub blob_key: String,
    pub generation: i64,
    /// Claims so far, this one included.
    pub attempts: i64,
}

/// What an export takes: one study, every study with a patient ID, or everything an account
/// uploaded (the instances it uploaded, in whichever studies they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportScope {
    Study(String),
    Patient(String),
    Uploader(String),
}

/// One study of an export: what of it the principal may see (for an uploader's export, only
/// the instances that account uploaded), with the Study ID a DICOMDIR's STUDY record needs.
#[derive(Debug, Clone, Serialize)]
pub struct ExportStudy {
    #[serde(flatten)]
    pub detail: StudyDetail,
    pub study_id: Option<String>,
}

/// The patient and study attributes a rectification sets on a study's row: `None` leaves
/// one as it is, `Some(None)` empties it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudyCorrection {
    pub patient_name: Option<Option<String>>,
    pub patient_id: Option<Option<String>>,
    pub patient_birth_date: Option<Option<String>>,
    pub patient_sex: Option<Option<String>>,
    pub accession_number: Option<Option<String>>,
    pub study_description: Option<Option<String>>,
}

impl StudyCorrection {
    /// The names of the attributes it changes (never their values), for the audit trail.
    pub fn attributes(&self) -> Vec<&'static str> {
        [
            ("patient_name", self.patient_name.is_some()),
            ("patient_id", self.patient_id.is_some()),
            ("patient_birth_date", self.patient_birth_date.is_some()),
            ("patient_sex", self.patient_sex.is_some()),
            ("accession_number", self.accession_number.is_some()),
            ("study_description", self.study_description.is_some()),
        ]
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(name, _)| name)
        .collect()
    }
}

/// A new version of a stored instance, written by a rectification: its object is durable
/// under `blob_key` already. Catalogued only if the row still holds `expected_sha256` (the
/// version the new one was made from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceVersion {
    pub sop_uid: String,
    pub expected_sha256: String,
    pub sha256: String,
    pub blob_key: String,
    pub size_bytes: i64,
    /// The new version's header in the DICOM JSON model (see [`NewInstance::metadata`]).
    pub metadata: Option<String>,
}

/// A study's retention and legal hold as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RetentionState {
    /// The last day (`YYYY-MM-DD`) the study is kept, set for this study; `None`: the
    /// deployment's default applies.
    pub retain_until: Option<String>,
    pub legal_hold_at: Option<String>,
    pub legal_hold_by: Option<String>,
    pub uploaded_at: String,
}

/// What becomes of the studies an account owns when it is deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedStudies {
    /// They stay owned by the tombstone: only admins (and grantees) see them.
    Keep,
    /// Another live account owns them from now on.
    Reassign(String),
    /// Erased, as `DELETE /api/studies/{uid}` does, each with its own event.
    Erase,
}

/// What an account deletion did to the account's studies and links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountDeletion {
    pub studies_reassigned: u64,
    pub studies_erased: u64,
    pub links_revoked: u64,
}

/// A DIMSE service a known remote application entity may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DicomService {
    /// C-STORE to this server.
    Store,
    /// C-FIND.
    Find,
    /// C-MOVE (this server sends to a known node).
    Move,
    /// C-GET (this server sends back on the same association).
    Get,
}

impl DicomService {
    pub const ALL: [DicomService; 4] = [DicomService::Store, DicomService::Find, DicomService::Move, DicomService::Get];

    pub fn as_str(self) -> &'static str {
        match self {
            DicomService::Store => "store",
            DicomService::Find => "find",
            DicomService::Move => "move",
            DicomService::Get => "get",
        }
    }

    pub fn parse(s: &str) -> Option<DicomService> {
        DicomService::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A known remote application entity: the account whose permissions it acts with, the
/// host it must call from (and where C-MOVE reaches it), the services it may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DicomNode {
    pub ae_title: String,
    pub host: String,
    pub port: u16,
    /// The account's name.
    pub account: String,
    #[serde(skip)]
    pub account_id: i64,
    /// The account is neither deleted nor disabled: only then may the node associate.
    pub account_active: bool,
    /// Sorted, without repeats.
    pub services: Vec<DicomService>,
    pub created_at: String,
    pub updated_at: String,
}

impl DicomNode {
    pub fn may(&self, service: DicomService) -> bool {
        self.services.contains(&service)
    }
}

/// A new node, or every field of a node as a change sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDicomNode {
    pub ae_title: String,
    pub host: String,
    pub port: u16,
    pub account: String,
    pub services: Vec<DicomService>,
}

/// What a change of a node sets (`None`: kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DicomNodeChange {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub account: Option<String>,
    pub services: Option<Vec<DicomService>>,
}
