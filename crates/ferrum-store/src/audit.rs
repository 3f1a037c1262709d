//! The audit trail's vocabulary and its chain. An event says who (the principal as an actor
//! string), did what (an [`Action`] from a closed set), with which outcome, to which study,
//! series or instance, from where; the log gives it a sequence number, a time and the hash of
//! its canonical encoding chained to the previous event's, so that an edit or a deletion
//! anywhere breaks the chain where it happened.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

macro_rules! actions {
    ($($variant:ident => $name:literal: $kind:ident,)*) => {
        /// What was done. Closed: an event names one of these and nothing else.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// What kind of event this is, as the DICOM audit message vocabulary sorts them.
            pub fn kind(self) -> ActionKind {
                match self {
                    $(Action::$variant => ActionKind::$kind,)*
                }
            }
        }

        impl std::str::FromStr for Action {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok(Action::$variant),)*
                    other => Err(format!("no audit action is called {other:?}")),
                }
            }
        }
    };
}

actions! {
    Login => "login": Authentication,
    Logout => "logout": Authentication,
    TokenRefresh => "token_refresh": Authentication,
    MfaEnrol => "mfa_enrol": SecurityChange,
    MfaEnable => "mfa_enable": SecurityChange,
    MfaDisable => "mfa_disable": SecurityChange,
    MfaRecoveryUsed => "mfa_recovery_used": Authentication,
    MfaPolicyChange => "mfa_policy_change": SecurityChange,
    ReadSettings => "read_settings": SecurityRead,
    ListSessions => "list_sessions": SecurityRead,
    SessionEnd => "session_end": Authentication,
    PasswordChange => "password_change": SecurityChange,
    ResetPassword => "reset_password": SecurityChange,
    ViewAccount => "view_account": SecurityRead,
    CreateUser => "create_user": SecurityChange,
    ListUsers => "list_users": SecurityRead,
    UpdateUser => "update_user": SecurityChange,
    DeleteUser => "delete_user": SecurityChange,
    AccountDisable => "account_disable": SecurityChange,
    AccountEnable => "account_enable": SecurityChange,
    AccountUnlock => "account_unlock": SecurityChange,
    CreateGroup => "create_group": SecurityChange,
    ListGroups => "list_groups": SecurityRead,
    RenameGroup => "rename_group": SecurityChange,
    DeleteGroup => "delete_group": SecurityChange,
    AddMember => "add_member": SecurityChange,
    RemoveMember => "remove_member": SecurityChange,
    SearchDirectory => "search_directory": SecurityRead,
    Upload => "upload": Import,
    Import => "import": Import,
    SearchStudies => "search_studies": Query,
    ViewStudy => "view_study": Access,
    ViewThumbnail => "view_thumbnail": Access,
    ViewImage => "view_image": Access,
    DownloadInstance => "download_instance": Transfer,
    ExportStudy => "export_study": Export,
    EraseStudy => "erase_study": Deletion,
    EraseSeries => "erase_series": Deletion,
    ErasePatient => "erase_patient": Deletion,
    ListGrants => "list_grants": SecurityRead,
    GrantStudy => "grant_study": SecurityChange,
    WithdrawGrant => "withdraw_grant": SecurityChange,
    TransferStudy => "transfer_study": SecurityChange,
    RestrictStudy => "restrict_study": SecurityChange,
    LiftRestriction => "lift_restriction": SecurityChange,
    ReadRestriction => "read_restriction": SecurityRead,
    CreateLink => "create_link": SecurityChange,
    ListLinks => "list_links": SecurityRead,
    RevokeLink => "revoke_link": SecurityChange,
    ReadLinkLog => "read_link_log": AuditRead,
    OpenLink => "open_link": Access,
    UnlockLink => "unlock_link": Authentication,
    ReadAudit => "read_audit": AuditRead,
    ExportAudit => "export_audit": AuditRead,
    ReadStudyAccess => "read_study_access": AuditRead,
    ReadActivity => "read_activity": AuditRead,
    PruneAudit => "prune_audit": AuditRead,
    Request => "request": Access,
    RectifyStudy => "rectify_study": Update,
    SetRetention => "set_retention": SecurityChange,
    ClearRetention => "clear_retention": SecurityChange,
    PlaceLegalHold => "place_legal_hold": SecurityChange,
    LiftLegalHold => "lift_legal_hold": SecurityChange,
    CreateDicomNode => "create_dicom_node": SecurityChange,
    UpdateDicomNode => "update_dicom_node": SecurityChange,
    DeleteDicomNode => "delete_dicom_node": SecurityChange,
    ListDicomNodes => "list_dicom_nodes": SecurityRead,
    DicomAssociation => "dicom_association": Authentication,
    Backup => "backup": Export,
    Restore => "restore": Import,
}

/// The DICOM audit message an action belongs to (PS3.15 A.5, DCM codes), for FHIR export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Authentication,
    SecurityChange,
    SecurityRead,
    Import,
    Query,
    Access,
    Transfer,
    Export,
    /// Stored objects erased (DCM 110105 DICOM Study Deleted).
    Deletion,
    /// Stored objects replaced by corrected versions (DCM 110103 DICOM Instances Accessed,
    /// action U).
    Update,
    AuditRead,
}

/// How the attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allowed,
    Denied,
    NotFound,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::NotFound => "not_found",
            Outcome::Error => "error",
        }
    }

    /// The outcome of an HTTP answer with this status.
    pub fn of_status(status: u16) -> Outcome {
        match status {
            0..=399 => Outcome::Allowed,
            404 => Outcome::NotFound,
            400..=499 => Outcome::Denied,
            _ => Outcome::Error,
        }
    }
}

impl std::str::FromStr for Outcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "allowed" => Ok(Outcome::Allowed),
            "denied" => Ok(Outcome::Denied),
            "not_found" => Ok(Outcome::NotFound),
            "error" => Ok(Outcome::Error),
            other => Err(format!("no audit outcome is called {other:?}")),
        }
    }
}

/// An event as its writer fills it; the log adds the sequence number, the time and the hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    /// `user:<name>`, `link:<id>`, `system`, `anonymous`.
    pub actor: String,
    pub action: Action,
    pub outcome: Outcome,
    pub study_uid: Option<String>,
    pub series_uid: Option<String>,
    pub sop_uid: Option<String>,
    pub remote_addr: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// Structured facts (filters used, studies returned, counts, a reason), never patient names.
    pub detail: Option<serde_json::Value>,
    /// How many accesses this event stands for (more than one when coalesced).
    pub count: i64,
}

impl NewAuditEvent {
    pub fn new(actor: impl Into<String>, action: Action, outcome: Outcome) -> Self {
        NewAuditEvent {
            actor: actor.into(),
            action,
            outcome,
            study_uid: None,
            series_uid: None,
            sop_uid: None,
            remote_addr: None,
            user_agent: None,
            request_id: None,
            detail: None,
            count: 1,
        }
    }
}

/// An event as the log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub study_uid: Option<String>,
    pub series_uid: Option<String>,
    pub sop_uid: Option<String>,
    pub remote_addr: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// JSON text, exactly as hashed.
    pub detail: Option<String>,
    pub count: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl AuditRecord {
    /// SHA-256 of the canonical encoding: a JSON array of every field but `hash`, in a fixed
    /// order (a JSON array of strings and integers has one encoding).
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.outcome,
            self.study_uid,
            self.series_uid,
            self.sop_uid,
            self.remote_addr,
            self.user_agent,
            self.request_id,
            self.detail,
            self.count,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    /// The record `event` becomes after `head` (seq, hash) at time `at`.
    pub fn chained(event: &NewAuditEvent, head: (i64, &str), at: String) -> AuditRecord {
        let mut record = AuditRecord {
            seq: head.0 + 1,
            at,
            actor: event.actor.clone(),
            action: event.action.as_str().to_owned(),
            outcome: event.outcome.as_str().to_owned(),
            study_uid: event.study_uid.clone(),
            series_uid: event.series_uid.clone(),
            sop_uid: event.sop_uid.clone(),
            remote_addr: event.remote_addr.clone(),
            user_agent: event.user_agent.clone(),
            request_id: event.request_id.clone(),
            detail: event.detail.as_ref().map(|d| d.to_string()),
            count: event.count.max(1),
            prev_hash: head.1.to_owned(),
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        record
    }
}

/// Filters of `GET /api/audit`; every one optional, all combined.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub actions: Vec<Action>,
    pub outcome: Option<Outcome>,
    pub study_uid: Option<String>,
    /// Events about any study whose patient has this ID (matched through the catalog's studies).
    pub patient_id: Option<String>,
    pub request_id: Option<String>,
    /// RFC 3339 bounds on `at`, inclusive from, exclusive to.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Newest first, before this sequence number (keyset cursor).
    pub before_seq: Option<i64>,
    /// Oldest first, after this sequence number (exports).
    pub after_seq: Option<i64>,
    pub limit: u32,
}

/// Where pruning cut the chain: the last pruned event, signed by the server's audit key, so
/// that `verify` starts from a point nobody with only database access could have moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditCheckpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub pruned: i64,
    pub key_id: String,
    pub signature: String,
}

/// A signed statement of the chain's head at a moment: event `seq` has hash `hash`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub key_id: String,
    pub signature: String,
}

impl AuditAnchor {
    pub fn signed_text(seq: i64, hash: &str, at: &str) -> String {
        format!("ferrum-audit-anchor\n{seq}\n{hash}\n{at}")
    }
}

/// Signs a checkpoint: `(seq, hash, at, pruned) -> (key id, signature)`.
pub type CheckpointSigner<'a> = dyn Fn(i64, &str, &str, i64) -> (String, String) + Send + Sync + 'a;

impl AuditCheckpoint {
    /// What the signature covers.
    pub fn signed_text(seq: i64, hash: &str, at: &str, pruned: i64) -> String {
        format!("ferrum-audit-checkpoint\n{seq}\n{hash}\n{at}\n{pruned}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_field_changes_the_hash() {
        let event = NewAuditEvent::new("user:a", Action::ViewStudy, Outcome::Allowed);
        let r = AuditRecord::chained(&event, (0, GENESIS), "2026-01-01T00:00:00.000000Z".into());
        assert_eq!(r.hash, r.compute_hash());
        let mut edited = r.clone();
        edited.actor = "user:b".into();
        assert_ne!(edited.compute_hash(), r.hash);
        let mut later = r.clone();
        later.seq = 2;
        assert_ne!(later.compute_hash(), r.hash);
    }

    #[test]
    fn every_action_parses_from_its_name() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), *a);
            assert_eq!(serde_json::to_value(a).unwrap(), serde_json::json!(a.as_str()));
        }
    }

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(Outcome::of_status(200), Outcome::Allowed);
        assert_eq!(Outcome::of_status(304), Outcome::Allowed);
        assert_eq!(Outcome::of_status(401), Outcome::Denied);
        assert_eq!(Outcome::of_status(404), Outcome::NotFound);
        assert_eq!(Outcome::of_status(503), Outcome::Error);
    }
}
