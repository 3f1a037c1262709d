//! Study listings and details, and the audit trail.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_dicom::Uid;
use ferrum_store::model::{Scope, StudyDetail, StudyQuery, StudySort, StudySummary};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Access, Action, Outcome};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ListParams {
    patient_name: Option<String>,
    patient_id: Option<String>,
    accession: Option<String>,
    birth_date: Option<String>,
    modality: Option<String>,
    date_from: Option<String>,
    date_to: Option<String>,
    time_from: Option<String>,
    time_to: Option<String>,
    description: Option<String>,
    referring_physician: Option<String>,
    institution: Option<String>,
    uploader: Option<String>,
    uploaded_from: Option<String>,
    uploaded_to: Option<String>,
    restricted: Option<String>,
    shared: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
    sort: Option<String>,
    scope: Option<String>,
    /// `csv` (or `Accept: text/csv`) for the whole listing as CSV; `json` (the default).
    format: Option<String>,
}

/// Longest text filter value taken (a search box, not a document).
const MAX_FILTER_CHARS: usize = 128;

/// A study as the API shows it: the catalog's summary plus where its thumbnail lives.
#[derive(Serialize)]
struct StudyItem<'a> {
    #[serde(flatten)]
    summary: &'a StudySummary,
    thumbnail_url: String,
}

fn item(summary: &StudySummary) -> StudyItem<'_> {
    StudyItem { summary, thumbnail_url: thumbnail_url(&summary.study_instance_uid) }
}

/// `YYYYMMDD` or `YYYY-MM-DD` → `YYYYMMDD`.
fn parse_date(name: &str, raw: &str) -> Result<String, ApiError> {
    let digits: String = raw.chars().filter(|c| *c != '-').collect();
    let valid = digits.len() == 8
        && digits.bytes().all(|b| b.is_ascii_digit())
        && chrono::NaiveDate::parse_from_str(&digits, "%Y%m%d").is_ok();
    if valid {
        Ok(digits)
    } else {
        Err(ApiError::BadRequest(format!("{name} must be a date as YYYYMMDD or YYYY-MM-DD")))
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// `HHMMSS`, `HHMM`, `HH` or with colons → six digits; a lower bound pads with 0, an upper
/// bound with 9 (so that `to=10:30` takes all of that minute).
fn parse_time_of_day(name: &str, raw: &str, pad: char) -> Result<String, ApiError> {
    let digits: String = raw.chars().filter(|c| *c != ':').collect();
    let valid = matches!(digits.len(), 2 | 4 | 6) && digits.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(ApiError::BadRequest(format!("{name} must be a time as HHMMSS or HH:MM[:SS]")));
    }
    let mut out = digits;
    while out.len() < 6 {
        out.push(pad);
    }
    Ok(out)
}

/// An upload-time bound: RFC 3339 or a `YYYY-MM-DD` date (for `to`, the whole day).
fn parse_upload_time(name: &str, raw: &str, end_of_day: bool) -> Result<String, ApiError> {
    let bad = || ApiError::BadRequest(format!("{name} must be an RFC 3339 time or a date as YYYY-MM-DD"));
    if end_of_day && chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok() {
        return Ok(format!("{raw}T23:59:59.999999Z"));
    }
    audit::parse_time(raw).ok_or_else(bad)
}

fn parse_bool(name: &str, raw: &str) -> Result<bool, ApiError> {
    match raw {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ApiError::BadRequest(format!("{name} must be true or false"))),
    }
}

/// A text filter, refused when longer than a search box takes.
fn text(name: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    match non_empty(v) {
        Some(s) if s.chars().count() > MAX_FILTER_CHARS => {
            Err(ApiError::BadRequest(format!("{name} is longer than {MAX_FILTER_CHARS} characters")))
        }
        other => Ok(other),
    }
}

/// The listing's query from the request's parameters (400 with the reason for a bad one).
pub fn study_query(p: ListParams) -> Result<StudyQuery, ApiError> {
    let sort = match p.sort.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            StudySort::parse(s)
                .ok_or_else(|| ApiError::BadRequest(format!("sort must be one of {}", StudySort::NAMES)))?,
        ),
    };
    let scope = match p.scope.as_deref().filter(|s| !s.is_empty()) {
        None => Scope::All,
        Some(s) => {
            Scope::parse(s).ok_or_else(|| ApiError::BadRequest("scope must be one of mine, shared, all".into()))?
        }
    };
    let limit = p.limit.unwrap_or(50);
    if limit == 0 || limit > 500 {
        return Err(ApiError::BadRequest("limit must be between 1 and 500".into()));
    }
    let modalities: Vec<String> = text("modality", p.modality)?
        .map(|m| m.split(',').map(|m| m.trim().to_ascii_uppercase()).filter(|m| !m.is_empty()).collect())
        .unwrap_or_default();
    Ok(StudyQuery {
        patient_name: text("patient_name", p.patient_name)?,
        patient_id: text("patient_id", p.patient_id)?,
        accession: text("accession", p.accession)?,
        birth_date: non_empty(p.birth_date).map(|d| parse_date("birth_date", &d)).transpose()?,
        modalities,
        date_from: non_empty(p.date_from).map(|d| parse_date("date_from", &d)).transpose()?,
        date_to: non_empty(p.date_to).map(|d| parse_date("date_to", &d)).transpose()?,
        time_from: non_empty(p.time_from).map(|t| parse_time_of_day("time_from", &t, '0')).transpose()?,
        time_to: non_empty(p.time_to).map(|t| parse_time_of_day("time_to", &t, '9')).transpose()?,
        description: text("description", p.description)?,
        referring_physician: text("referring_physician", p.referring_physician)?,
        institution: text("institution", p.institution)?,
        uploader: text("uploader", p.uploader)?,
        uploaded_from: non_empty(p.uploaded_from).map(|t| parse_upload_time("uploaded_from", &t, false)).transpose()?,
        uploaded_to: non_empty(p.uploaded_to).map(|t| parse_upload_time("uploaded_to", &t, true)).transpose()?,
        restricted: non_empty(p.restricted).map(|b| parse_bool("restricted", &b)).transpose()?,
        shared: non_empty(p.shared).map(|b| parse_bool("shared", &b)).transpose()?,
        q: text("q", p.q)?,
        scope,
        limit,
        cursor: non_empty(p.cursor),
        sort,
    })
}

/// CSV when `format=csv` or the client accepts `text/csv`; 400 for another format.
fn wants_csv(req: &HttpRequest, p: &ListParams) -> Result<bool, ApiError> {
    match p.format.as_deref().filter(|f| !f.is_empty()) {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(ApiError::BadRequest("format is json or csv".into())),
        None => {
            let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
            Ok(accept.contains("text/csv"))
        }
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    if wants_csv(&req, &params)? {
        return export_csv(req, state, user, params).await;
    }
    let query = study_query(params)?;
    let page = state.catalog.list_studies(&user.principal, &query).await?;
    let access = Access::new(user.actor(), Action::SearchStudies, &req)
        .with("filters", query.filters_used())
        .with("results", page.items.len())
        .with("study_uids", page.items.iter().map(|s| s.study_instance_uid.as_str()).collect::<Vec<_>>());
    audit::record(&state, access).await?;
    let items: Vec<StudyItem> = page.items.iter().map(item).collect();
    Ok(HttpResponse::Ok().json(json!({
        "items": items,
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_exact": page.total_exact,
    })))
}

/// The listing as CSV. Pages are read through the keyset cursor and written as they come;
/// the answer is sent once complete, so that the audit event holds the exact rows before any
/// of them leaves. Cut at `studies_csv::MAX_ROWS` (then `X-Ferrum-Truncated: true`).
async fn export_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    params: ListParams,
) -> Result<HttpResponse, ApiError> {
    use super::studies_csv::{header as csv_header, paged, row, MAX_ROWS};
    let mut query = paged(study_query(params)?);
    let mut w = csv::Writer::from_writer(Vec::new());
    csv_header(&mut w).map_err(ApiError::internal)?;
    let mut uids: Vec<String> = Vec::new();
    let mut total = None;
    let truncated = loop {
        let page = state.catalog.list_studies(&user.principal, &query).await?;
        total.get_or_insert((page.total, page.total_exact));
        let room = MAX_ROWS - uids.len();
        for s in page.items.iter().take(room) {
            row(&mut w, s).map_err(ApiError::internal)?;
            uids.push(s.study_instance_uid.clone());
        }
        let more = page.next_cursor.is_some() && !page.items.is_empty();
        if page.items.len() > room || (uids.len() == MAX_ROWS && more) {
            break true;
        }
        match page.next_cursor {
            Some(c) if more => query.cursor = Some(c),
            _ => break false,
        }
    };
    let body = w.into_inner().map_err(|e| ApiError::internal(e.into_error()))?;
    let access = Access::new(user.actor(), Action::SearchStudies, &req)
        .with("format", "csv")
        .with("filters", query.filters_used())
        .with("results", uids.len())
        .with("truncated", truncated)
        .with("study_uids", &uids);
    audit::record(&state, access).await?;
    let (total, exact) = total.unwrap_or((0, true));
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"studies-{stamp}.csv\"")))
        .insert_header(("x-ferrum-rows", uids.len().to_string()))
        .insert_header(("x-ferrum-total", total.to_string()))
        .insert_header(("x-ferrum-total-exact", exact.to_string()))
        .insert_header(("x-ferrum-truncated", truncated.to_string()))
        .body(body))
}

/// The study's thumbnail route. A stored UID may hold any printable character (ingest keeps
/// what devices send), so it is percent-encoded as a path segment.
fn thumbnail_url(study_uid: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');
    format!("/api/studies/{}/thumbnail", percent_encoding::utf8_percent_encode(study_uid, SEGMENT))
}

/// Parses a UID from the path (percent-decoded by the router). Leniently, as ingest does:
/// a stored UID may break PS3.5's syntax and must still open. One that could never have been
/// stored (empty, not printable ASCII, too long) is 404 like any unknown.
pub fn path_uid(raw: &str, what: &str) -> Result<Uid, ApiError> {
    Uid::parse(raw).map_err(|_| ApiError::NotFound(format!("no such {what}")))
}

/// The study, if `user` may see it.
pub async fn visible_study(state: &AppState, user: &AuthUser, uid: &Uid) -> Result<Option<StudyDetail>, ApiError> {
    Ok(state.catalog.get_study(&user.principal, uid.as_str()).await?)
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uid = path_uid(&path, "study")?;
    let Some(study) = visible_study(&state, &user, &uid).await? else {
        audit::record(
            &state,
            Access::new(user.actor(), Action::ViewStudy, &req).study(uid.as_str()).outcome(Outcome::NotFound),
        )
        .await?;
        return Err(ApiError::NotFound("no such study".into()));
    };
    audit::record(&state, Access::new(user.actor(), Action::ViewStudy, &req).study(uid.as_str())).await?;
    let mut body = serde_json::to_value(&study).map_err(ApiError::internal)?;
    body["thumbnail_url"] = json!(thumbnail_url(uid.as_str()));
    if let Some(kept) = state.catalog.retention(uid.as_str()).await? {
        if let (Some(body), serde_json::Value::Object(extra)) =
            (body.as_object_mut(), super::retention::state_json(&kept, state.settings.retention_days))
        {
            body.extend(extra);
        }
    }
    Ok(HttpResponse::Ok().json(body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_thumbnail_url_keeps_an_odd_uid_in_its_path_segment() {
        assert_eq!(super::thumbnail_url("1.2.840.10008"), "/api/studies/1.2.840.10008/thumbnail");
        assert_eq!(super::thumbnail_url("1.2.3 4/5?x#y%"), "/api/studies/1.2.3%204%2F5%3Fx%23y%25/thumbnail");
    }
}
