//! Study listings and details, and the audit trail.
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
    modality: Option<String>,
    date_from: Option<String>,
    date_to: Option<String>,
    description: Option<String>,
    uploader: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
    sort: Option<String>,
    scope: Option<String>,
}

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

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let sort = match p.sort.as_deref().filter(|s| !s.is_empty()) {
        None => StudySort::default(),
        Some(s) => StudySort::parse(s).ok_or_else(|| {
            ApiError::BadRequest(
                "sort must be one of uploaded_at, -uploaded_at, study_date, -study_date, patient_name, -patient_name"
                    .into(),
            )
        })?,
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
    let query = StudyQuery {
        patient_name: non_empty(p.patient_name),
        patient_id: non_empty(p.patient_id),
        accession: non_empty(p.accession),
        modality: non_empty(p.modality),
        date_from: non_empty(p.date_from).map(|d| parse_date("date_from", &d)).transpose()?,
        date_to: non_empty(p.date_to).map(|d| parse_date("date_to", &d)).transpose()?,
        description: non_empty(p.description),
        uploader: non_empty(p.uploader),
        q: non_empty(p.q),
        scope,
        limit,
        cursor: non_empty(p.cursor),
        sort,
    };
    let page = state.catalog.list_studies(&user.principal, &query).await?;
    let access = Access::new(user.actor(), Action::SearchStudies, &req)
        .with("filters", query.filters_used())
        .with("results", page.items.len())
        .with("study_uids", page.items.iter().map(|s| s.study_instance_uid.as_str()).collect::<Vec<_>>());
    audit::record(&state, access).await?;
    let items: Vec<StudyItem> = page.items.iter().map(item).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": page.next_cursor })))
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
