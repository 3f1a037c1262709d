//! Viewer links, as their owner manages them: `POST /api/studies/{study}/links`,
//! `GET /api/studies/{study}/links`, `DELETE /api/links/{id}`, `GET /api/links/{id}/access`.
//! Links are made by those who may share the study (its owner, an admin, or an account it is
//! shared with at `share` level); each sees and revokes the links it made, the owner and
//! admins all of the study's links.
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::model::{Link, NewLink};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

use super::studies::path_uid;
use crate::audit::{Access, Action};
use crate::auth::link_token::ID_LEN;
use crate::auth::{password, AuthUser};
use crate::error::ApiError;
use crate::state::AppState;
use ferrum_store::Level;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLinkBody {
    expires_in: Option<u64>,
    #[serde(default)]
    allow_download: bool,
    #[serde(default)]
    deidentify: bool,
    /// Narrows the link to these series of the study.
    #[serde(default)]
    series: Vec<String>,
    /// How many times the viewer page may be opened.
    max_opens: Option<u32>,
    /// A PIN the holder must also give (sent to the referrer separately): 6 to 12 digits.
    pin: Option<String>,
    /// For the link table: who it was sent to, why (at most 200 characters).
    note: Option<String>,
}

/// Six digits at least: with one attempt per lockout period once locked, a 6-digit PIN
/// outlives the longest link.
fn check_pin(pin: &str) -> Result<(), ApiError> {
    if (6..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::Unprocessable { code: "invalid_pin", message: "a PIN is 6 to 12 digits".into() })
    }
}

/// The URL a link is sent as: the configured public address, else the request's own.
fn link_url(req: &HttpRequest, state: &AppState, link: &Link) -> Result<String, ApiError> {
    let id: [u8; ID_LEN] = hex::decode(&link.id)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a stored link id is not {ID_LEN} hex bytes")))?;
    let token = state.tokens.links.sign(&id);
    let base = match &state.settings.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let (scheme, host) = crate::http::client_addr::request_origin(req);
            format!("{scheme}://{host}")
        }
    };
    Ok(format!("{base}/v/{token}"))
}

fn link_json(req: &HttpRequest, state: &AppState, link: &Link, now: &str) -> Result<serde_json::Value, ApiError> {
    Ok(json!({
        "id": link.id,
        "url": link_url(req, state, link)?,
        "study_instance_uid": link.study_uid,
        "created_by": link.created_by,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "allow_download": link.allow_download,
        "deidentify": link.deidentified(),
        "opens": link.opens,
        "max_opens": link.max_opens,
        "series": link.series_uids,
        "status": link.state(now).as_str(),
        "note": link.note,
        "pin": link.pin_hash.is_some(),
        "pin_locked_until": link.pin_locked_until,
    }))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// What the caller may do with the study if they may share it: 404 if they may not see it
/// (as if it did not exist), 403 if they may only read it.
async fn shareable_study(
    state: &AppState,
    user: &AuthUser,
    study_uid: &str,
) -> Result<ferrum_store::access::StudyAccess, ApiError> {
    let access = state
        .catalog
        .study_access(&user.principal, study_uid)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such study".into()))?;
    if !access.allows(Level::Share) {
        return Err(ApiError::Forbidden("this study is shared with you to read, not to share".into()));
    }
    Ok(access)
}

/// Whether the caller sees all of a study's links (owner, admin) or only those it made.
fn sees_all_links(access: &ferrum_store::access::StudyAccess) -> bool {
    access.allows(Level::Own)
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<NewLinkBody>,
) -> Result<HttpResponse, ApiError> {
    let study = path_uid(&path, "study")?;
    shareable_study(&state, &user, study.as_str()).await?;
    if body.max_opens == Some(0) {
        return Err(ApiError::BadRequest("max_opens must be at least 1".into()));
    }
    let note = body.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(ApiError::BadRequest("note is at most 200 characters".into()));
    }
    if !body.series.is_empty() {
        let detail = state
            .catalog
            .get_study(&user.principal, study.as_str())
            .await?
            .ok_or_else(|| ApiError::NotFound("no such study".into()))?;
        if let Some(stray) = body.series.iter().find(|s| !detail.series.iter().any(|d| &d.series_instance_uid == *s)) {
            return Err(ApiError::Unprocessable {
                code: "series_not_in_study",
                message: format!("series {stray} is not part of this study"),
            });
        }
    }
    let pin_hash = match &body.pin {
        Some(pin) => {
            check_pin(pin)?;
            Some(password::hash(pin.clone()).await?)
        }
        None => None,
    };
    let settings = &state.settings;
    let ttl = body.expires_in.unwrap_or(settings.link_default_ttl_secs);
    if ttl == 0 {
        return Err(ApiError::BadRequest("expires_in must be at least 1 second".into()));
    }
    let ttl = ttl.min(settings.link_max_ttl_secs);
    let expires = chrono::Utc::now() + chrono::Duration::seconds(ttl as i64);
    let mut id = [0u8; ID_LEN];
    rand::thread_rng().fill_bytes(&mut id);
    let mut access =
        Access::new(user.actor(), Action::CreateLink, &req).study(study.as_str()).with("link", hex::encode(id));
    if body.deidentify {
        access = access.with("deidentified", true);
    }
    let link = state
        .catalog
        .create_link(
            &NewLink {
                id: hex::encode(id),
                study_uid: study.as_str().to_owned(),
                created_by: user.username.clone(),
                expires_at: expires.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                allow_download: body.allow_download,
                series_uids: body.series.clone(),
                max_opens: body.max_opens.map(i64::from),
                pin_hash,
                note,
                deid_key: body.deidentify.then(crate::deid::new_key),
            },
            access.event(),
        )
        .await?;
    access.committed();
    Ok(HttpResponse::Created().json(link_json(&req, &state, &link, &now())?))
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let study = path_uid(&path, "study")?;
    let access = shareable_study(&state, &user, study.as_str()).await?;
    let now = now();
    let items: Result<Vec<_>, _> = state
        .catalog
        .list_links(study.as_str())
        .await?
        .iter()
        .filter(|l| sees_all_links(&access) || l.created_by == user.username)
        .map(|l| link_json(&req, &state, l, &now))
        .collect();
    // The expiry choices the share dialog may offer: the server caps what it is asked for.
    Ok(HttpResponse::Ok().json(json!({
        "items": items?,
        "default_expires_in": state.settings.link_default_ttl_secs,
        "max_expires_in": state.settings.link_max_ttl_secs,
    })))
}

/// The link, if the caller made it and may still share its study, or owns the study; 404
/// otherwise.
async fn owned_link(state: &AppState, user: &AuthUser, id: &str) -> Result<Link, ApiError> {
    let not_found = || ApiError::NotFound("no such link".into());
    let link = state.catalog.find_link(id).await?.ok_or_else(not_found)?;
    let access = shareable_study(state, user, &link.study_uid).await.map_err(|_| not_found())?;
    if !sees_all_links(&access) && link.created_by != user.username {
        return Err(not_found());
    }
    Ok(link)
}

pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let link = owned_link(&state, &user, &path).await?;
    let access = Access::new(user.actor(), Action::RevokeLink, &req).study(&link.study_uid).with("link", &link.id);
    state.catalog.revoke_link(&link.id, &now(), access.event()).await?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}

/// The link's access log: every request made through it, newest first.
pub async fn access_log(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let link = owned_link(&state, &user, &path).await?;
    let query =
        ferrum_store::audit::AuditQuery { actor: Some(format!("link:{}", link.id)), limit: 1000, ..Default::default() };
    let events = state.catalog.query_audit(&query).await?;
    let items: Vec<_> = events.iter().map(crate::audit::export::json).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}
