//! Reading the audit trail: `GET /api/audit` (admins: every event, filtered, as JSON, CSV
//! or FHIR R4 AuditEvent NDJSON), `GET /api/studies/{uid}/access` (the study's owner: who
//! accessed it) and `GET /api/me/activity` (anyone: their own actions). Reading the trail is
//! itself recorded.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::audit::{Action, AuditQuery, AuditRecord, Outcome};
use serde::Deserialize;
use serde_json::{json, Value};

use super::grants::owned_study;
use crate::audit::{self, export, Access};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 10_000;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    actor: Option<String>,
    /// One action or several, comma-separated.
    action: Option<String>,
    outcome: Option<String>,
    study_uid: Option<String>,
    patient_id: Option<String>,
    request_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
    /// `fhir` for FHIR R4 AuditEvent NDJSON, `csv`, or `json` (the default; `Accept:
    /// text/csv` also asks for CSV).
    format: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn timestamp(name: &str, v: &Option<String>) -> Result<Option<String>, ApiError> {
    let Some(v) = non_empty(v) else { return Ok(None) };
    audit::parse_time(&v)
        .map(Some)
        .ok_or_else(|| ApiError::BadRequest(format!("{name} must be an RFC 3339 time or a YYYY-MM-DD date")))
}

fn query_of(p: &AuditParams) -> Result<(AuditQuery, Vec<&'static str>), ApiError> {
    let mut used = Vec::new();
    let mut note = |name: &'static str, present: bool| {
        if present {
            used.push(name);
        }
    };
    let actions = match non_empty(&p.action) {
        Some(list) => list
            .split(',')
            .map(|a| a.trim().parse::<Action>().map_err(ApiError::BadRequest))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let outcome = non_empty(&p.outcome).map(|o| o.parse::<Outcome>().map_err(ApiError::BadRequest)).transpose()?;
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    let before_seq = non_empty(&p.cursor)
        .map(|c| {
            c.parse::<i64>().map_err(|_| ApiError::BadRequest("cursor is the next_cursor of an earlier page".into()))
        })
        .transpose()?;
    let query = AuditQuery {
        actor: non_empty(&p.actor),
        actions,
        outcome,
        study_uid: non_empty(&p.study_uid),
        patient_id: non_empty(&p.patient_id),
        request_id: non_empty(&p.request_id),
        from: timestamp("from", &p.from)?,
        to: timestamp("to", &p.to)?,
        before_seq,
        after_seq: None,
        limit,
    };
    note("actor", query.actor.is_some());
    note("action", !query.actions.is_empty());
    note("outcome", query.outcome.is_some());
    note("study_uid", query.study_uid.is_some());
    note("patient_id", query.patient_id.is_some());
    note("request_id", query.request_id.is_some());
    note("from", query.from.is_some());
    note("to", query.to.is_some());
    Ok((query, used))
}

enum Format {
    Json,
    Csv,
    Fhir,
}

fn format_of(req: &HttpRequest, p: &AuditParams) -> Result<Format, ApiError> {
    match non_empty(&p.format).as_deref() {
        Some("fhir") => return Ok(Format::Fhir),
        Some("csv") => return Ok(Format::Csv),
        Some("json") => return Ok(Format::Json),
        Some(_) => return Err(ApiError::BadRequest("format is json, csv or fhir".into())),
        None => {}
    }
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    Ok(if accept.contains("text/csv") { Format::Csv } else { Format::Json })
}

fn answer(format: Format, records: &[AuditRecord], limit: u32) -> Result<HttpResponse, ApiError> {
    let next = (records.len() as u32 == limit).then(|| records.last().map(|r| r.seq.to_string())).flatten();
    let mut ok = HttpResponse::Ok();
    ok.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(n) = &next {
        ok.insert_header(("x-next-cursor", n.as_str()));
    }
    Ok(match format {
        Format::Json => {
            ok.json(json!({ "items": records.iter().map(export::json).collect::<Vec<_>>(), "next_cursor": next }))
        }
        Format::Csv => {
            ok.content_type("text/csv; charset=utf-8").body(export::csv(records).map_err(ApiError::internal)?)
        }
        Format::Fhir => ok.content_type("application/fhir+ndjson").body(export::ndjson(records)),
    })
}

/// `GET /api/audit` (admin).
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let format = format_of(&req, &params)?;
    let (query, used) = query_of(&params)?;
    let records = state.catalog.query_audit(&query).await?;
    let action = if matches!(format, Format::Json) { Action::ReadAudit } else { Action::ExportAudit };
    let access = Access::new(user.actor(), action, &req).with("filters", &used).with("events", records.len());
    audit::record(&state, access).await?;
    answer(format, &records, query.limit)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

fn page_query(p: &PageParams) -> Result<AuditQuery, ApiError> {
    let params = AuditParams { limit: p.limit, cursor: p.cursor.clone(), ..Default::default() };
    Ok(query_of(&params)?.0)
}

/// `GET /api/studies/{uid}/access`: everyone who accessed the study (accounts, links, the
/// service), newest first, and a summary per actor. For its owner and admins.
pub async fn study_access(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let study = owned_study(&state, &user, &path).await?;
    let mut query = page_query(&params)?;
    query.study_uid = Some(study.clone());
    let records = state.catalog.query_audit(&query).await?;
    audit::record(&state, Access::new(user.actor(), Action::ReadStudyAccess, &req).study(&study)).await?;
    let mut by_actor: Vec<(String, Value)> = Vec::new();
    for r in &records {
        match by_actor.iter_mut().find(|(a, _)| *a == r.actor) {
            Some((_, s)) => {
                s["count"] = json!(s["count"].as_i64().unwrap_or(0) + r.count);
                s["first_at"] = json!(r.at);
            }
            None => {
                let kind = r.actor.split(':').next().unwrap_or("");
                by_actor.push((
                    r.actor.clone(),
                    json!({"actor": r.actor, "kind": kind, "last_at": r.at, "first_at": r.at, "count": r.count}),
                ));
            }
        }
    }
    let next = (records.len() as u32 == query.limit).then(|| records.last().map(|r| r.seq.to_string())).flatten();
    // An owner sees what was done to their study and by whom; where a colleague connected
    // from is that colleague's own data, for admins only. A link's visitors are the owner's
    // recipients: their address stays, as in the link's access log.
    let me = user.actor();
    let items: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut v = export::json(r);
            if !user.is_admin() && r.actor.starts_with("user:") && r.actor != me {
                for field in ["remote_addr", "user_agent", "request_id"] {
                    v[field] = Value::Null;
                }
            }
            v
        })
        .collect();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(json!({
        "study_uid": study,
        "actors": by_actor.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "items": items,
        "next_cursor": next,
    })))
}

/// `GET /api/me/activity`: the caller's own logins and actions, newest first.
pub async fn my_activity(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let mut query = page_query(&params)?;
    query.actor = Some(user.actor());
    let records = state.catalog.query_audit(&query).await?;
    audit::record(&state, Access::new(user.actor(), Action::ReadActivity, &req)).await?;
    answer(Format::Json, &records, query.limit)
}
