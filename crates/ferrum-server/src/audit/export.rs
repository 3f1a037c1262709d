//! The trail as others read it: CSV for spreadsheets, FHIR R4 `AuditEvent` resources
//! (NDJSON) for hospital SIEM and ATNA tooling, coded with DICOM's audit vocabulary (PS3.15
//! A.5, PS3.16 CID 400–403) as FHIR's audit value sets take it.
use ferrum_store::audit::{Action, ActionKind, AuditRecord};
use serde_json::{json, Value};

const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";

/// An event as the API and `ferrum audit export --format json` answer it: the detail as
/// JSON rather than text.
pub fn json(r: &AuditRecord) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(detail) = &r.detail {
        v["detail"] = serde_json::from_str(detail).unwrap_or(Value::String(detail.clone()));
    }
    v
}

/// The CSV header and one line per event.
pub fn csv(records: &[AuditRecord]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "seq",
        "at",
        "actor",
        "action",
        "outcome",
        "study_uid",
        "series_uid",
        "sop_uid",
        "remote_addr",
        "user_agent",
        "request_id",
        "count",
        "detail",
        "hash",
    ])?;
    for r in records {
        let count = r.count.to_string();
        let seq = r.seq.to_string();
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([
            seq,
            r.at.clone(),
            r.actor.clone(),
            r.action.clone(),
            r.outcome.clone(),
            opt(&r.study_uid),
            opt(&r.series_uid),
            opt(&r.sop_uid),
            opt(&r.remote_addr),
            opt(&r.user_agent),
            opt(&r.request_id),
            count,
            opt(&r.detail),
            r.hash.clone(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

/// The event type (DCM, CID 400) and subtype (CID 401) of an action.
fn event_type(action: Option<Action>) -> (Value, Option<Value>) {
    use Action::*;
    let Some(action) = action else {
        return (coding(DCM, "110100", "Application Activity"), None);
    };
    let kind = match action.kind() {
        ActionKind::Authentication => coding(DCM, "110114", "User Authentication"),
        ActionKind::SecurityChange => coding(DCM, "110113", "Security Alert"),
        ActionKind::SecurityRead | ActionKind::Query => coding(DCM, "110112", "Query"),
        ActionKind::Import => coding(DCM, "110107", "Import"),
        ActionKind::Access | ActionKind::Update => coding(DCM, "110103", "DICOM Instances Accessed"),
        ActionKind::Transfer => coding(DCM, "110104", "DICOM Instances Transferred"),
        ActionKind::Export => coding(DCM, "110106", "Export"),
        ActionKind::Deletion => coding(DCM, "110105", "DICOM Study Deleted"),
        ActionKind::AuditRead => coding(DCM, "110101", "Audit Log Used"),
    };
    let sub = match action {
        Login | TokenRefresh | UnlockLink | MfaRecoveryUsed => Some(coding(DCM, "110122", "Login")),
        Logout | SessionEnd => Some(coding(DCM, "110123", "Logout")),
        MfaPolicyChange => Some(coding(DCM, "110129", "Security Configuration")),
        GrantStudy | WithdrawGrant | TransferStudy | RestrictStudy | LiftRestriction | CreateLink | RevokeLink
        | CreateGroup | RenameGroup | DeleteGroup | AddMember | RemoveMember => {
            Some(coding(DCM, "110136", "Security Roles Changed"))
        }
        _ if action.kind() == ActionKind::SecurityChange => {
            Some(coding(DCM, "110137", "User Security Attributes Changed"))
        }
        _ => None,
    };
    (kind, sub)
}

/// FHIR's AuditEvent.action: Create, Read, Update, Delete, Execute.
fn crude(action: Option<Action>) -> &'static str {
    use Action::*;
    match action {
        Some(Upload | Import | CreateUser | CreateGroup | CreateLink | MfaEnrol) => "C",
        Some(
            DeleteUser | DeleteGroup | RevokeLink | WithdrawGrant | PruneAudit | EraseStudy | EraseSeries
            | ErasePatient,
        ) => "D",
        Some(
            UpdateUser | RenameGroup | AddMember | RemoveMember | GrantStudy | TransferStudy | MfaEnable | MfaDisable
            | MfaPolicyChange | PasswordChange | ResetPassword | RestrictStudy | LiftRestriction | AccountDisable
            | AccountEnable | AccountUnlock | RectifyStudy | SetRetention | ClearRetention | PlaceLegalHold
            | LiftLegalHold,
        ) => "U",
        Some(Login | Logout | TokenRefresh | SessionEnd | UnlockLink | MfaRecoveryUsed) => "E",
        _ => "R",
    }
}

/// FHIR's outcome codes: 0 success, 4 minor failure (refused, not found), 8 serious failure.
fn outcome(outcome: &str) -> &'static str {
    match outcome {
        "allowed" => "0",
        "error" => "8",
        _ => "4",
    }
}

/// One event as a FHIR R4 AuditEvent resource.
pub fn fhir(r: &AuditRecord) -> Value {
    let action = r.action.parse::<Action>().ok();
    let (kind, sub) = event_type(action);
    let mut agent = json!({
        "type": { "coding": [coding(
            "http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user")] },
        "who": { "display": r.actor },
        "requestor": true,
    });
    if r.actor.starts_with("link:") || r.actor == "anonymous" {
        agent["type"] = json!({ "coding": [coding(DCM, "110153", "Source Role ID")] });
    } else if r.actor == "system" {
        agent["type"] = json!({ "coding": [coding(DCM, "110150", "Application")] });
    }
    if let Some(addr) = &r.remote_addr {
        agent["network"] = json!({ "address": addr, "type": "2" });
    }
    let mut entities = Vec::new();
    let mut entity = |uid: &Option<String>, code: &str, display: &str| {
        if let Some(uid) = uid {
            entities.push(json!({
                "what": { "identifier": {
                    "type": { "coding": [coding(DCM, code, display)] },
                    "value": uid,
                } },
                "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
                "role": coding("http://terminology.hl7.org/CodeSystem/object-role", "3", "Report"),
            }));
        }
    };
    entity(&r.study_uid, "110180", "Study Instance UID");
    entity(&r.series_uid, "112002", "Series Instance UID");
    entity(&r.sop_uid, "110181", "SOP Instance UID");
    let mut event = json!({
        "resourceType": "AuditEvent",
        "id": r.seq.to_string(),
        "type": kind,
        "action": crude(action),
        "recorded": r.at,
        "outcome": outcome(&r.outcome),
        "outcomeDesc": r.outcome,
        "agent": [agent],
        "source": {
            "observer": { "display": "Ferrum PACS" },
            "type": [coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
        },
        "extension": [{
            "url": "urn:ferrum:audit:chain",
            "extension": [
                { "url": "seq", "valueInteger": r.seq },
                { "url": "hash", "valueString": r.hash },
                { "url": "action", "valueString": r.action },
                { "url": "count", "valueInteger": r.count },
            ],
        }],
    });
    if let Some(sub) = sub {
        event["subtype"] = json!([sub]);
    }
    if !entities.is_empty() {
        event["entity"] = Value::Array(entities);
    }
    event
}

/// NDJSON: one resource a line.
pub fn ndjson(records: &[AuditRecord]) -> String {
    let mut out = String::new();
    for r in records {
        out.push_str(&fhir(r).to_string());
        out.push('\n');
    }
    out
}
