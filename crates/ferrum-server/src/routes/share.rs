//! What a viewer link's holder may do, without an account: `GET /v/{token}` (the viewer page)
//! and `GET /api/share/{token}/…` (the study, its thumbnails and frames). Every request checks
//! the token's signature and then its row, so that expiry and revocation take effect on the
//! next request; everything is scoped to the link's study (another study's UIDs are 404), and
//! audited with the link as actor — which is also the link's access log.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::model::{InstanceRecord, Link, StudyDetail};

use super::images::{render_instance, thumbnail_of, RenderedParams, ThumbnailParams};
use super::studies::path_uid;
use super::webapp::page;
use crate::audit::{self, Access};
use crate::auth::remote_addr;
use crate::error::ApiError;
use crate::state::AppState;

const VIEWER_PAGE: &str = "viewer/page.html";
const GONE_PAGE: &str = "viewer/gone.html";

/// Why a link no longer opens.
enum Closed {
    Expired,
    Revoked,
}

/// The live link a token names. An unknown or forged token is 404; a closed link 410.
async fn resolve(state: &AppState, token: &str) -> Result<Result<Link, Closed>, ApiError> {
    let not_found = || ApiError::NotFound("no such link".into());
    let id = state.tokens.links.verify(token).ok_or_else(not_found)?;
    let link = state.catalog.find_link(&hex::encode(id)).await?.ok_or_else(not_found)?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    Ok(if link.revoked_at.is_some() {
        Err(Closed::Revoked)
    } else if link.expires_at <= now {
        Err(Closed::Expired)
    } else {
        Ok(link)
    })
}

/// The open link a token names, for the share API: a closed link is 410 with a code saying
/// which; a link with a PIN needs the proof cookie that unlocking it set (401 `pin_required`).
pub(super) async fn live_link(req: &HttpRequest, state: &AppState, token: &str) -> Result<Link, ApiError> {
    let link = open_link(state, token).await?;
    if let Some(pin_hash) = &link.pin_hash {
        let given = req.cookie(PIN_COOKIE);
        let id = hex::decode(&link.id).map_err(ApiError::internal)?;
        if !given.is_some_and(|c| state.tokens.links.verify_pin_proof(c.value(), &id, pin_hash)) {
            return Err(ApiError::PinRequired);
        }
    }
    Ok(link)
}

async fn open_link(state: &AppState, token: &str) -> Result<Link, ApiError> {
    resolve(state, token).await?.map_err(|closed| match closed {
        Closed::Expired => ApiError::Gone { code: "link_expired", message: "this link has expired".into() },
        Closed::Revoked => ApiError::Gone { code: "link_revoked", message: "this link has been revoked".into() },
    })
}

const PIN_COOKIE: &str = "ferrum_pin";
/// Wrong PINs in a row before a link refuses attempts; once there, every further wrong PIN
/// locks it again.
const PIN_MAX_FAILURES: i64 = 5;
const PIN_LOCK_SECS: i64 = 15 * 60;

#[derive(serde::Deserialize)]
pub struct Unlock {
    pin: String,
}

/// `POST /api/share/{token}/unlock {pin}`: the right PIN sets an HttpOnly, SameSite=Strict
/// cookie scoped to this link's share API; wrong ones count towards a lockout.
pub async fn unlock(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Unlock>,
) -> Result<HttpResponse, ApiError> {
    let link = open_link(&state, &path).await?;
    let Some(pin_hash) = link.pin_hash.clone() else {
        return Ok(HttpResponse::NoContent().finish());
    };
    if link.max_opens.is_some_and(|m| link.opens >= m) {
        return Err(ApiError::Gone {
            code: "link_used_up",
            message: "this link has been opened as often as it may be".into(),
        });
    }
    let now = chrono::Utc::now();
    let attempt = |outcome: &'static str| {
        Access::new(actor(&link), "unlock_link", remote_addr(&req)).study(&link.study_uid).outcome(outcome)
    };
    let locked = link
        .pin_locked_until
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .filter(|until| *until > now);
    if let Some(until) = locked {
        audit::record(&state, attempt("locked")).await?;
        return Err(ApiError::PinLocked(until.with_timezone(&chrono::Utc)));
    }
    if !crate::auth::password::verify(body.into_inner().pin, Some(pin_hash.clone())).await? {
        let until =
            (now + chrono::Duration::seconds(PIN_LOCK_SECS)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let failures = state.catalog.record_pin_failure(&link.id, PIN_MAX_FAILURES, &until).await?;
        audit::record(&state, attempt("denied")).await?;
        let left = (PIN_MAX_FAILURES - failures).max(0);
        return Err(ApiError::Unauthorized(if left > 0 {
            format!("wrong PIN; {left} attempt(s) left before the link locks")
        } else {
            format!("wrong PIN; the link is locked for {} minutes", PIN_LOCK_SECS / 60)
        }));
    }
    state.catalog.record_pin_success(&link.id).await?;
    state.catalog.record_link_open(&link.id).await?;
    audit::record(&state, attempt("ok")).await?;
    let id = hex::decode(&link.id).map_err(ApiError::internal)?;
    let cookie = actix_web::cookie::Cookie::build(PIN_COOKIE, state.tokens.links.pin_proof(&id, &pin_hash))
        .path(format!("/api/share/{}", path.as_str()))
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .secure(req.connection_info().scheme() == "https")
        .finish();
    Ok(HttpResponse::NoContent().cookie(cookie).insert_header((header::CACHE_CONTROL, "no-store")).finish())
}

/// Whether the link shows this series (a link without a series list shows the whole study).
fn in_scope(link: &Link, series_uid: &str) -> bool {
    link.series_uids.is_empty() || link.series_uids.iter().any(|s| s == series_uid)
}

/// The link's study, narrowed to the link's series.
pub(super) async fn scoped_study(state: &AppState, link: &Link) -> Result<StudyDetail, ApiError> {
    let mut study =
        state.catalog.get_study(&link.study_uid).await?.ok_or_else(|| ApiError::NotFound("no such study".into()))?;
    if !link.series_uids.is_empty() {
        // Nothing about the series left out, not even how many there are.
        study.series.retain(|s| in_scope(link, &s.series_instance_uid));
        study.summary.num_series = study.series.len() as i64;
        study.summary.num_instances = study.series.iter().map(|s| s.instances.len() as i64).sum();
        study.summary.modalities = study.series.iter().filter_map(|s| s.modality.clone()).collect();
        study.summary.modalities.sort();
        study.summary.modalities.dedup();
    }
    Ok(study)
}

fn actor(link: &Link) -> String {
    format!("link:{}", link.id)
}

/// The viewer page. It holds no patient data itself (it fetches the study through the
/// share API), so that nothing sensitive sits in a browser's page cache.
pub async fn viewer(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    match resolve(&state, &path).await {
        Ok(Ok(link)) if link.max_opens.is_some_and(|m| link.opens >= m) => {
            let access = Access::new(actor(&link), "open_link", remote_addr(&req))
                .study(&link.study_uid)
                .outcome("denied")
                .detail("the link's openings are used up");
            if let Err(e) = audit::record(&state, access).await {
                return actix_web::ResponseError::error_response(&e);
            }
            page(actix_web::http::StatusCode::GONE, GONE_PAGE)
        }
        Ok(Ok(link)) => {
            let agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
            let agent: String = agent.chars().take(200).collect();
            let access = Access::new(actor(&link), "open_link", remote_addr(&req))
                .study(&link.study_uid)
                .detail(format!("user-agent: {agent}"));
            if let Err(e) = audit::record(&state, access).await {
                return actix_web::ResponseError::error_response(&e);
            }
            // A PIN link counts its openings when the PIN is given, so that someone without
            // the PIN cannot use up its openings by loading the page.
            if link.pin_hash.is_none() {
                if let Err(e) = state.catalog.record_link_open(&link.id).await {
                    tracing::warn!(error = %e, "could not count a link opening");
                }
            }
            page(actix_web::http::StatusCode::OK, VIEWER_PAGE)
        }
        Ok(Err(_)) => page(actix_web::http::StatusCode::GONE, GONE_PAGE),
        Err(ApiError::NotFound(_)) => page(actix_web::http::StatusCode::NOT_FOUND, GONE_PAGE),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let link = live_link(&req, &state, &path).await?;
    let study = scoped_study(&state, &link).await?;
    let access = Access::new(actor(&link), "view_study", remote_addr(&req)).study(&link.study_uid);
    audit::record(&state, access).await?;
    let mut body = serde_json::to_value(&study).map_err(ApiError::internal)?;
    body["allow_download"] = link.allow_download.into();
    body["link_expires_at"] = link.expires_at.clone().into();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(body))
}

pub async fn series_thumbnail(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<ThumbnailParams>,
) -> Result<HttpResponse, ApiError> {
    let (token, series) = path.into_inner();
    let link = live_link(&req, &state, &token).await?;
    let series = path_uid(&series, "series")?;
    let instances = state.catalog.series_instances(series.as_str()).await?;
    if instances.first().is_none_or(|i| i.study_instance_uid != link.study_uid || !in_scope(&link, series.as_str())) {
        return Err(ApiError::NotFound("no such series".into()));
    }
    thumbnail_of(&req, &state, actor(&link), &instances, &params).await
}

async fn instance_in_study(state: &AppState, link: &Link, sop: &str) -> Result<InstanceRecord, ApiError> {
    let sop = path_uid(sop, "instance")?;
    state
        .catalog
        .find_instance(sop.as_str())
        .await?
        .filter(|i| i.study_instance_uid == link.study_uid && in_scope(link, &i.series_instance_uid))
        .ok_or_else(|| ApiError::NotFound("no such instance".into()))
}

pub async fn rendered(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<RenderedParams>,
) -> Result<HttpResponse, ApiError> {
    let (token, sop) = path.into_inner();
    let link = live_link(&req, &state, &token).await?;
    let instance = instance_in_study(&state, &link, &sop).await?;
    render_instance(&req, &state, actor(&link), &instance, &params).await
}
