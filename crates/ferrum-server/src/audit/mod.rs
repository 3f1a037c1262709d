//! The audit trail: who touched which patient data, when, from where, with what outcome.
//! One seam, [`AuditLog`]: handlers describe an access with [`Access`] and [`record`] it;
//! the middleware ([`middleware`]) gives every request an id and records whatever a handler
//! did not (denials, not-found probes, errors, routes without their own event), so that no
//! request to the API goes unrecorded. Reads of patient data fail closed: if the event cannot
//! be written, the data is not served.
pub mod cli;
mod coalesce;
pub mod export;
pub mod key;
pub mod middleware;
pub mod retention;
pub mod routes;
pub mod verify;

use std::sync::Arc;

use actix_web::{HttpMessage, HttpRequest};
pub use ferrum_store::audit::{Action, Outcome};
use ferrum_store::audit::{AuditRecord, NewAuditEvent};
use ferrum_store::Catalog;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

/// Longest user agent kept.
const USER_AGENT_MAX: usize = 256;

/// The request's id: given to every request, answered as `X-Request-Id`, kept on its events
/// and its log lines.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Longest incoming `X-Request-Id` taken as the request's own.
const REQUEST_ID_MAX: usize = 64;

impl RequestId {
    /// The id a proxy or client already gave the request, when it is a sane one (1 to 64
    /// letters, digits, `-`, `_`, `.`, `:`), so that a request can be followed across
    /// services; otherwise a new one. Anything else is refused: it would reach the log and
    /// the audit trail as sent.
    pub fn from_header(incoming: Option<&str>) -> RequestId {
        match incoming {
            Some(id)
                if !id.is_empty()
                    && id.len() <= REQUEST_ID_MAX
                    && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')) =>
            {
                RequestId(id.to_owned())
            }
            _ => RequestId(uuid::Uuid::new_v4().simple().to_string()),
        }
    }
}

/// Set on a request once an event for it is written, so the middleware does not add another.
#[derive(Debug, Clone, Copy)]
pub struct Audited;

/// Who the request proved to be, set by the extractors, for the middleware's events.
#[derive(Debug, Clone)]
pub struct ActorName(pub String);

/// Set on a request made through a de-identified link, so that the events the middleware
/// records for it (refusals, not-found probes) say so too.
pub struct Deidentified;

/// The one way events reach the catalog.
pub struct AuditLog {
    catalog: Arc<dyn Catalog>,
    coalescer: coalesce::Coalescer,
    metrics: Arc<crate::metrics::Metrics>,
}

impl AuditLog {
    /// `coalesce_secs`: the window of coalesced reads (0: every read its own event).
    pub fn new(catalog: Arc<dyn Catalog>, coalesce_secs: u64, metrics: Arc<crate::metrics::Metrics>) -> Arc<AuditLog> {
        let coalescer = coalesce::Coalescer::new(coalesce_secs);
        let every = coalescer.flush_every();
        let log = Arc::new(AuditLog { catalog, coalescer, metrics });
        coalesce::start_flusher(Arc::downgrade(&log), every);
        log
    }

    pub async fn append(&self, event: &NewAuditEvent) -> Result<AuditRecord, ApiError> {
        let started = std::time::Instant::now();
        let appended = self.catalog.append_audit(event).await;
        self.metrics.audit_appended(started.elapsed());
        appended.map_err(|e| {
            tracing::error!(error = %e, "audit event could not be written");
            ApiError::Unavailable("the audit trail cannot be written; access refused".into())
        })
    }

    /// Writes the window counts that are due (all of them when `all`).
    pub async fn flush_coalesced(&self, all: bool) {
        for event in self.coalescer.due(all) {
            if let Err(e) = self.catalog.append_audit(&event).await {
                tracing::error!(error = %e, "coalesced audit events could not be written");
            }
        }
    }
}

/// The facts of one access, filled by the handler.
pub struct Access {
    event: NewAuditEvent,
    req: Option<HttpRequest>,
}

impl Access {
    /// An access by `actor` through the request `req` (its address, user agent and id); a
    /// request through a de-identified link says so on every event it records.
    pub fn new(actor: impl Into<String>, action: Action, req: &HttpRequest) -> Self {
        let mut event = NewAuditEvent::new(actor, action, Outcome::Allowed);
        fill_request(&mut event, req);
        let access = Access { event, req: Some(req.clone()) };
        if req.extensions().get::<Deidentified>().is_some() {
            return access.with("deidentified", true);
        }
        access
    }

    /// An action of the service itself (background jobs, the command line).
    pub fn system(action: Action) -> Self {
        Access { event: NewAuditEvent::new("system", action, Outcome::Allowed), req: None }
    }

    pub fn study(mut self, uid: &str) -> Self {
        self.event.study_uid = Some(uid.to_owned());
        self
    }

    pub fn series(mut self, study_uid: &str, series_uid: &str) -> Self {
        self.event.study_uid = Some(study_uid.to_owned());
        self.event.series_uid = Some(series_uid.to_owned());
        self
    }

    pub fn instance(mut self, study_uid: &str, series_uid: &str, sop_uid: &str) -> Self {
        self.event.study_uid = Some(study_uid.to_owned());
        self.event.series_uid = Some(series_uid.to_owned());
        self.event.sop_uid = Some(sop_uid.to_owned());
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.event.outcome = outcome;
        self
    }

    /// Denied, and why (`locked`, `used_up`, …).
    pub fn denied(self, reason: &str) -> Self {
        self.outcome(Outcome::Denied).with("reason", reason)
    }

    /// One structured fact. Never a patient name or ID: the trail is read by many.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        match &mut self.event.detail {
            Some(serde_json::Value::Object(map)) => {
                map.insert(key.to_owned(), value);
            }
            _ => {
                let mut map = serde_json::Map::new();
                map.insert(key.to_owned(), value);
                self.event.detail = Some(serde_json::Value::Object(map));
            }
        }
        self
    }

    pub fn event(&self) -> &NewAuditEvent {
        &self.event
    }

    /// Says the event was committed elsewhere (with the change it records, in the catalog's
    /// own transaction), so the middleware adds none.
    pub fn committed(&self) {
        self.mark();
    }

    fn mark(&self) {
        if let Some(req) = &self.req {
            req.extensions_mut().insert(Audited);
        }
    }
}

fn fill_request(event: &mut NewAuditEvent, req: &HttpRequest) {
    event.remote_addr = crate::auth::remote_addr(req);
    event.user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(USER_AGENT_MAX).collect());
    event.request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
}

/// Writes the event before the caller answers; an error means the access must not proceed.
pub async fn record(state: &AppState, access: Access) -> Result<(), ApiError> {
    state.audit.append(&access.event).await?;
    access.mark();
    Ok(())
}

/// Like [`record`] for high-rate reads (frames and thumbnails while scrolling): the first
/// access of an actor to a series for an action in a minute is written at once, the others
/// of that minute are counted and written as one event with their count when it is over.
pub async fn record_coalesced(state: &AppState, access: Access) -> Result<(), ApiError> {
    if state.audit.coalescer.absorb(&access.event) {
        access.mark();
        return Ok(());
    }
    record(state, access).await
}

/// An upload's event for one study, committed by ingest with that study's first rows.
pub fn upload_event(template: &NewAuditEvent, study_uid: &str, files: usize) -> NewAuditEvent {
    let mut event = template.clone();
    event.study_uid = Some(study_uid.to_owned());
    event.detail = Some(serde_json::json!({ "files_in_first_commit": files }));
    event
}

/// A time bound of an audit query: RFC 3339, or a `YYYY-MM-DD` date (its midnight, UTC), as
/// the catalog's timestamps are written.
pub fn parse_time(raw: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&chrono::Utc)).ok().or_else(|| {
        chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    })?;
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// What a request through `req` by `actor` would record, for events made elsewhere (ingest).
pub fn template(actor: impl Into<String>, action: Action, req: &HttpRequest) -> NewAuditEvent {
    Access::new(actor, action, req).event
}

/// Marks `req` as recorded (its events were committed elsewhere, e.g. with ingest's rows).
pub fn mark_recorded(req: &HttpRequest) {
    req.extensions_mut().insert(Audited);
}
