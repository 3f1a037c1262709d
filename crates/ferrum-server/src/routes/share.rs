//! What a viewer link's holder may do, without an account: `GET /v/{token}` (the viewer page)
//! and `GET /api/share/{token}/…` (the study, its thumbnails and frames). Every request checks
//! the token's signature and then its row, and the link's one state ([`Link::state`]) decides
//! every route alike, so that expiry, revocation and a used-up opening limit take effect on
//! the next request. Reads run as the link's [`Principal`], so the catalog itself keeps them
//! to the link's study and series; each is audited with the link as actor — which is also the
//! link's access log.
//!
//! A link with a PIN or an opening limit is used through a proof cookie (HttpOnly,
//! SameSite=Strict, scoped to the link's share API) set when an opening is counted: by the
//! viewer page for a link without a PIN, by the right PIN otherwise. Holding the URL alone
//! then neither opens the share API nor uses up openings.
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use ferrum_store::access::LinkPrincipal;
use ferrum_store::model::{Link, LinkState};
use ferrum_store::Principal;

use super::images::{
    render_instance, thumbnail_of, values_of, visible_instance, visible_series, RenderedParams, ThumbnailParams,
    ValuesParams,
};
use super::webapp::{page, page_in_state};
use crate::audit::{self, Access, Action};
use crate::deid::{self, DeidView};
use crate::error::ApiError;
use crate::state::AppState;

const VIEWER_PAGE: &str = "viewer/page.html";
const GONE_PAGE: &str = "viewer/gone.html";
const PROOF_COOKIE: &str = "ferrum_link";
/// Wrong PINs in a row before a link refuses attempts; once there, every further wrong PIN
/// locks it again.
const PIN_MAX_FAILURES: i64 = 5;
const PIN_LOCK_SECS: i64 = 15 * 60;

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The link a token names; an unknown or forged token is 404.
async fn resolve(state: &AppState, token: &str) -> Result<Link, ApiError> {
    let not_found = || ApiError::NotFound("no such link".into());
    let id = state.tokens.links.verify(token).ok_or_else(not_found)?;
    state.catalog.find_link(&hex::encode(id)).await?.ok_or_else(not_found)
}

fn gone(state: LinkState) -> ApiError {
    match state {
        LinkState::Expired => ApiError::Gone { code: "link_expired", message: "this link has expired".into() },
        LinkState::Revoked => ApiError::Gone { code: "link_revoked", message: "this link has been revoked".into() },
        _ => ApiError::Gone {
            code: "link_used_up",
            message: "this link has been opened as often as it may be; ask the sender for a new one".into(),
        },
    }
}

/// The closed-link page's state for a [`gone`] code.
fn closed_state(code: &'static str) -> &'static str {
    match code {
        "link_expired" => "expired",
        "link_revoked" => "revoked",
        _ => "used_up",
    }
}

/// `GET /api/share/{token}/about`: what the link page shows before the PIN — who sent the
/// link, the sender's note, whether a PIN is asked and whether PINs are refused for now. No
/// patient data; the audit middleware records it in the link's access log.
pub async fn about(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let link = resolve(&state, &path).await?;
    req.extensions_mut().insert(audit::ActorName(format!("link:{}", link.id)));
    let link_state = link.state(&now());
    if matches!(link_state, LinkState::Expired | LinkState::Revoked) {
        return Err(gone(link_state));
    }
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(serde_json::json!({
        "sender": link.created_by,
        "note": link.note.as_ref().filter(|_| link.note_shown),
        "pin": link.pin_hash.is_some(),
        "state": link_state.as_str(),
        "pin_locked_until": if link_state == LinkState::PinLocked { link.pin_locked_until.clone() } else { None },
    })))
}

/// What the proof cookie is bound to: the PIN (a new PIN voids older proofs), else the fact
/// of an opening.
fn proof_subject(link: &Link) -> &str {
    link.pin_hash.as_deref().unwrap_or("opened")
}

fn needs_proof(link: &Link) -> bool {
    link.pin_hash.is_some() || link.max_opens.is_some()
}

fn holds_proof(req: &HttpRequest, state: &AppState, link: &Link) -> Result<bool, ApiError> {
    let id = hex::decode(&link.id).map_err(ApiError::internal)?;
    Ok(req
        .cookie(PROOF_COOKIE)
        .is_some_and(|c| state.tokens.links.verify_pin_proof(c.value(), &id, proof_subject(link))))
}

/// The proof cookies of an opening: one for the share API and one for the link's DICOMweb
/// root (`/share/{token}/dicomweb`, where a viewer such as OHIF reads the study), each
/// scoped to its own path.
fn proof_cookies(
    req: &HttpRequest,
    state: &AppState,
    link: &Link,
    token: &str,
) -> Result<Vec<actix_web::cookie::Cookie<'static>>, ApiError> {
    let id = hex::decode(&link.id).map_err(ApiError::internal)?;
    let proof = state.tokens.links.pin_proof(&id, proof_subject(link));
    let secure = crate::http::client_addr::request_origin(req).0 == "https";
    Ok([format!("/api/share/{token}"), format!("/share/{token}/dicomweb")]
        .into_iter()
        .map(|path| {
            actix_web::cookie::Cookie::build(PROOF_COOKIE, proof.clone())
                .path(path)
                .http_only(true)
                .same_site(actix_web::cookie::SameSite::Strict)
                .secure(secure)
                .finish()
        })
        .collect())
}

/// The link's holder as a principal, for the share API: a closed link is 410 with a code
/// saying why; a link with a PIN or an opening limit needs its proof cookie.
pub(crate) async fn link_principal(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
) -> Result<(Link, Principal), ApiError> {
    let link = resolve(state, token).await?;
    req.extensions_mut().insert(audit::ActorName(format!("link:{}", link.id)));
    if link.deidentified() {
        req.extensions_mut().insert(audit::Deidentified);
    }
    let link_state = link.state(&now());
    if matches!(link_state, LinkState::Expired | LinkState::Revoked) {
        return Err(gone(link_state));
    }
    if needs_proof(&link) && !holds_proof(req, state, &link)? {
        return Err(if link.pin_hash.is_some() {
            ApiError::PinRequired
        } else if link_state == LinkState::UsedUp {
            gone(link_state)
        } else {
            ApiError::Unauthorized("open the link's viewer page first".into())
        });
    }
    let principal = Principal::Link(LinkPrincipal {
        link_id: link.id.clone(),
        study_uid: link.study_uid.clone(),
        series: link.series_uids.clone(),
        allow_download: link.allow_download,
        deidentified: link.deidentified(),
    });
    Ok((link, principal))
}

#[derive(serde::Deserialize)]
pub struct Unlock {
    pin: String,
}

/// `POST /api/share/{token}/unlock {pin}`: the right PIN counts an opening and sets the proof
/// cookie; each attempt is counted before the PIN is checked, so a burst of guesses gets no
/// more checks than a sequence, and a locked link answers before any hash is computed.
pub async fn unlock(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Unlock>,
) -> Result<HttpResponse, ApiError> {
    let link = resolve(&state, &path).await?;
    let link_state = link.state(&now());
    if matches!(link_state, LinkState::Expired | LinkState::Revoked | LinkState::UsedUp) {
        return Err(gone(link_state));
    }
    let Some(pin_hash) = link.pin_hash.clone() else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let attempt = |denied: Option<&str>| {
        let mut access = Access::new(format!("link:{}", link.id), Action::UnlockLink, &req).study(&link.study_uid);
        if link.deidentified() {
            access = access.with("deidentified", true);
        }
        match denied {
            Some(reason) => access.denied(reason),
            None => access,
        }
    };
    let at = chrono::Utc::now();
    let until = at + chrono::Duration::seconds(PIN_LOCK_SECS);
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let Some(failures) = state.catalog.claim_pin_attempt(&link.id, &stamp(at), PIN_MAX_FAILURES, &stamp(until)).await?
    else {
        audit::record(&state, attempt(Some("locked"))).await?;
        let locked_until = state
            .catalog
            .find_link(&link.id)
            .await?
            .and_then(|l| l.pin_locked_until)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map_or(until, |t| t.with_timezone(&chrono::Utc));
        return Err(ApiError::PinLocked(locked_until));
    };
    if !crate::auth::password::verify(body.into_inner().pin, Some(pin_hash)).await? {
        audit::record(&state, attempt(Some("wrong_pin"))).await?;
        let left = (PIN_MAX_FAILURES - failures).max(0);
        return Err(ApiError::Unauthorized(if left > 0 {
            format!("wrong PIN; {left} attempt(s) left before the link locks")
        } else {
            format!("wrong PIN; the link is locked for {} minutes", PIN_LOCK_SECS / 60)
        }));
    }
    state.catalog.record_pin_success(&link.id).await?;
    if !state.catalog.claim_link_open(&link.id).await? {
        audit::record(&state, attempt(Some("used_up"))).await?;
        return Err(gone(LinkState::UsedUp));
    }
    audit::record(&state, attempt(None)).await?;
    let mut response = HttpResponse::NoContent().insert_header((header::CACHE_CONTROL, "no-store")).finish();
    for cookie in proof_cookies(&req, &state, &link, &path)? {
        response.add_cookie(&cookie).map_err(ApiError::internal)?;
    }
    Ok(response)
}

/// The viewer page. It holds no patient data itself (it fetches the study through the
/// share API), so that nothing sensitive sits in a browser's page cache. Opening it counts
/// an opening (atomically: parallel openings never overshoot the limit), except for a PIN
/// link, which counts when its PIN is given — otherwise anyone holding only the URL could
/// use the openings up.
pub async fn viewer(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    match open_viewer(&req, &state, &path).await {
        Ok(response) => response,
        // An unknown or forged token says no more than before: the generic message.
        Err(ApiError::NotFound(_)) => page(StatusCode::NOT_FOUND, GONE_PAGE),
        // Only a token the server signed learns why its link is closed.
        Err(ApiError::Gone { code, .. }) => page_in_state(StatusCode::GONE, GONE_PAGE, closed_state(code)),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

async fn open_viewer(req: &HttpRequest, state: &AppState, token: &str) -> Result<HttpResponse, ApiError> {
    let link = resolve(state, token).await?;
    let link_state = link.state(&now());
    let access = |denied: Option<&str>| {
        let mut access = Access::new(format!("link:{}", link.id), Action::OpenLink, req).study(&link.study_uid);
        if link.deidentified() {
            access = access.with("deidentified", true);
        }
        match denied {
            Some(reason) => access.denied(reason),
            None => access,
        }
    };
    if !matches!(link_state, LinkState::Active | LinkState::PinLocked) {
        audit::record(state, access(Some(link_state.as_str()))).await?;
        return Err(gone(link_state));
    }
    if link.pin_hash.is_some() {
        audit::record(state, access(None)).await?;
        return Ok(page(StatusCode::OK, VIEWER_PAGE));
    }
    if !state.catalog.claim_link_open(&link.id).await? {
        audit::record(state, access(Some("used_up"))).await?;
        return Err(gone(LinkState::UsedUp));
    }
    audit::record(state, access(None)).await?;
    let mut response = page(StatusCode::OK, VIEWER_PAGE);
    if link.max_opens.is_some() {
        for cookie in proof_cookies(req, state, &link, token)? {
            response.add_cookie(&cookie).map_err(ApiError::internal)?;
        }
    }
    Ok(response)
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (link, principal) = link_principal(&req, &state, &path).await?;
    let mut body = if let Some(context) = deid::context(&link)? {
        let view = DeidView::load(&state, &principal, &link.study_uid, context).await?;
        let body = view.json(&state).await?;
        let access = Access::new(principal.actor(), Action::ViewStudy, &req).study(&link.study_uid);
        audit::record(&state, access).await?;
        body
    } else {
        let study = state
            .catalog
            .get_study(&principal, &link.study_uid)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such study".into()))?;
        audit::record(&state, Access::new(principal.actor(), Action::ViewStudy, &req).study(&link.study_uid)).await?;
        serde_json::to_value(&study).map_err(ApiError::internal)?
    };
    body["allow_download"] = link.allow_download.into();
    // OHIF reads the study through the link's DICOMweb root (de-identified as the link is).
    body["ohif"] = state.settings.ohif_dir.is_some().into();
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
    let (link, principal) = link_principal(&req, &state, &token).await?;
    if let Some(context) = deid::context(&link)? {
        let view = DeidView::load(&state, &principal, &link.study_uid, context).await?;
        let series = view.series(&series).ok_or_else(|| ApiError::NotFound("no such series".into()))?;
        return thumbnail_of(&req, &state, principal.actor(), &series.instances, &params, Some(&view.context)).await;
    }
    let instances = visible_series(&state, &principal, &series).await?;
    thumbnail_of(&req, &state, principal.actor(), &instances, &params, None).await
}

pub async fn rendered(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<RenderedParams>,
) -> Result<HttpResponse, ApiError> {
    let (token, sop) = path.into_inner();
    let (link, principal) = link_principal(&req, &state, &token).await?;
    if let Some(context) = deid::context(&link)? {
        let view = DeidView::load(&state, &principal, &link.study_uid, context).await?;
        let instance = view.instance(&sop).ok_or_else(|| ApiError::NotFound("no such instance".into()))?;
        return render_instance(&req, &state, principal.actor(), instance, &params, Some(&view.context)).await;
    }
    let instance = visible_instance(&state, &principal, &sop).await?;
    render_instance(&req, &state, principal.actor(), &instance, &params, None).await
}

/// One frame's modality values, through the link as its principal (see
/// [`super::images::values`]).
pub async fn values(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<ValuesParams>,
) -> Result<HttpResponse, ApiError> {
    let (token, sop) = path.into_inner();
    let (link, principal) = link_principal(&req, &state, &token).await?;
    if let Some(context) = deid::context(&link)? {
        let view = DeidView::load(&state, &principal, &link.study_uid, context).await?;
        let instance = view.instance(&sop).ok_or_else(|| ApiError::NotFound("no such instance".into()))?;
        return values_of(&req, &state, principal.actor(), instance, &params, Some(&view.context)).await;
    }
    let instance = visible_instance(&state, &principal, &sop).await?;
    values_of(&req, &state, principal.actor(), &instance, &params, None).await
}
