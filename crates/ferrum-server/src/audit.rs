//! The audit trail: who touched which patient data, when, from where, with what outcome.
//! Reads of patient data fail closed: if the event cannot be written, the data is not served.
use ferrum_store::model::AuditEvent;

use crate::error::ApiError;
use crate::state::AppState;

/// The facts of one access, filled by the handler.
pub struct Access<'a> {
    pub actor: String,
    pub action: &'a str,
    pub study_uid: Option<&'a str>,
    pub series_uid: Option<&'a str>,
    pub sop_uid: Option<&'a str>,
    pub remote_addr: Option<String>,
    pub outcome: &'a str,
    pub detail: Option<String>,
}

impl<'a> Access<'a> {
    pub fn new(actor: String, action: &'a str, remote_addr: Option<String>) -> Self {
        Access {
            actor,
            action,
            study_uid: None,
            series_uid: None,
            sop_uid: None,
            remote_addr,
            outcome: "ok",
            detail: None,
        }
    }

    pub fn study(mut self, uid: &'a str) -> Self {
        self.study_uid = Some(uid);
        self
    }

    pub fn instance(mut self, study_uid: &'a str, series_uid: &'a str, sop_uid: &'a str) -> Self {
        self.study_uid = Some(study_uid);
        self.series_uid = Some(series_uid);
        self.sop_uid = Some(sop_uid);
        self
    }

    pub fn outcome(mut self, outcome: &'a str) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

pub async fn record(state: &AppState, access: Access<'_>) -> Result<(), ApiError> {
    let event = AuditEvent {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor: access.actor,
        action: access.action.to_owned(),
        study_uid: access.study_uid.map(str::to_owned),
        series_uid: access.series_uid.map(str::to_owned),
        sop_uid: access.sop_uid.map(str::to_owned),
        remote_addr: access.remote_addr,
        outcome: access.outcome.to_owned(),
        detail: access.detail,
    };
    state.catalog.append_audit(&event).await.map_err(|e| {
        tracing::error!(error = %e, "audit event could not be written");
        ApiError::Unavailable("the audit trail cannot be written; access refused".into())
    })
}
