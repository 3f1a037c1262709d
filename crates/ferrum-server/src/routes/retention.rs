//! Retention periods and legal holds (admins): `PUT/DELETE /api/studies/{uid}/retention`
//! (`{"retain_until": "YYYY-MM-DD"}` or `{"days": N}` from today; `DELETE` goes back to
//! the deployment's default) and `PUT/DELETE /api/studies/{uid}/legal-hold`. A study under a
//! legal hold is never swept and no erase takes it. Each change is audited in its own
//! transaction; the study's JSON shows both ([`state_json`]).
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ferrum_store::model::RetentionState;
use serde::Deserialize;
use serde_json::json;

use super::studies::path_uid;
use crate::audit::{Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Longest retention that can be asked for in days (a century).
const MAX_DAYS: i64 = 36_525;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionBody {
    retain_until: Option<String>,
    days: Option<i64>,
}

fn no_study(e: ferrum_store::StoreError) -> ApiError {
    match e {
        ferrum_store::StoreError::NotFound => ApiError::NotFound("no such study".into()),
        other => other.into(),
    }
}

/// The last day the study is kept, and on what basis: its own date, or the default counted
/// from the upload's day; `None` without either.
pub fn effective(state: &RetentionState, default_days: Option<u32>) -> Option<(String, &'static str)> {
    if let Some(own) = &state.retain_until {
        return Some((own.clone(), "study"));
    }
    let days = default_days?;
    let uploaded = chrono::DateTime::parse_from_rfc3339(&state.uploaded_at).ok()?.date_naive();
    Some(((uploaded + chrono::Duration::days(i64::from(days))).format("%Y-%m-%d").to_string(), "default"))
}

/// What the study's JSON says of its retention and legal hold.
pub fn state_json(state: &RetentionState, default_days: Option<u32>) -> serde_json::Value {
    let (until, basis) = effective(state, default_days).map_or((None, None), |(u, b)| (Some(u), Some(b)));
    json!({
        "retention": { "retain_until": until, "basis": basis },
        "legal_hold": { "held": state.legal_hold_at.is_some(), "since": state.legal_hold_at, "by": state.legal_hold_by },
    })
}

async fn answer(state: &AppState, uid: &str) -> Result<HttpResponse, ApiError> {
    let now = state.catalog.retention(uid).await?.ok_or_else(|| ApiError::NotFound("no such study".into()))?;
    Ok(HttpResponse::Ok().json(state_json(&now, state.settings.retention_days)))
}

pub async fn put_retention(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<RetentionBody>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let uid = path_uid(&path, "study")?;
    let today = chrono::Utc::now().date_naive();
    let until = match (&body.retain_until, body.days) {
        (Some(date), None) => NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .ok()
            .filter(|d| d.format("%Y-%m-%d").to_string() == *date)
            .ok_or_else(|| ApiError::Unprocessable {
                code: "invalid_date",
                message: "retain_until is a date written YYYY-MM-DD".into(),
            })?,
        (None, Some(days)) if (0..=MAX_DAYS).contains(&days) => today + chrono::Duration::days(days),
        (None, Some(_)) => {
            return Err(ApiError::Unprocessable {
                code: "invalid_days",
                message: format!("days is a whole number from 0 to {MAX_DAYS}"),
            })
        }
        _ => return Err(ApiError::BadRequest("give either retain_until or days".into())),
    };
    let until = until.format("%Y-%m-%d").to_string();
    let access = Access::new(user.actor(), Action::SetRetention, &req).study(uid.as_str()).with("retain_until", &until);
    state.catalog.set_retention(uid.as_str(), Some(&until), access.event()).await.map_err(no_study)?;
    access.committed();
    answer(&state, uid.as_str()).await
}

pub async fn delete_retention(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let uid = path_uid(&path, "study")?;
    let access = Access::new(user.actor(), Action::ClearRetention, &req).study(uid.as_str());
    state.catalog.set_retention(uid.as_str(), None, access.event()).await.map_err(no_study)?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}

pub async fn put_hold(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let uid = path_uid(&path, "study")?;
    let access = Access::new(user.actor(), Action::PlaceLegalHold, &req).study(uid.as_str());
    state.catalog.set_legal_hold(uid.as_str(), Some(&user.username), access.event()).await.map_err(no_study)?;
    access.committed();
    answer(&state, uid.as_str()).await
}

pub async fn delete_hold(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let uid = path_uid(&path, "study")?;
    let access = Access::new(user.actor(), Action::LiftLegalHold, &req).study(uid.as_str());
    state.catalog.set_legal_hold(uid.as_str(), None, access.event()).await.map_err(no_study)?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}
