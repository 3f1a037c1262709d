//! Login, session renewal and logout, and the caller's own account. A login opens a session
//! row; access tokens name it and a refresh token (its id and a secret kept hashed) renews
//! them until the session ends. A refresh token works once: a replayed one ends the session,
//! since one of its two holders is not its owner.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ferrum_store::model::NewSession;
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, Access, Action};
use crate::auth::{password, remote_addr, AuthUser};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Login {
    username: String,
    password: String,
}

const WRONG: &str = "wrong username or password";

/// `POST /api/auth/login`. The attempt is counted before the password is checked (so a
/// burst of guesses gets no more checks than a sequence, and a locked account answers before
/// any hash is computed); unknown names are answered exactly like wrong passwords, a dummy
/// hash included, and lock like real accounts do.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let Login { username, password } = body.into_inner();
    let username = username.trim().to_owned();
    let addr = remote_addr(&req);
    let ip = addr.as_deref().and_then(|a| a.parse::<std::net::IpAddr>().ok());
    if let Some(wait) = state.login_throttle.address_wait(ip) {
        return Err(ApiError::Throttled(wait));
    }
    let event = || Access::new(format!("user:{username}"), Action::Login, &req);
    let settings = &state.settings;
    let now = chrono::Utc::now();
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let until = now + chrono::Duration::seconds(settings.login_lock_secs as i64);
    let user = state.catalog.find_user(&username).await?.filter(|u| !u.deleted);
    let claimed = match &user {
        Some(u) => {
            state.catalog.claim_login_attempt(u.id, &stamp(now), settings.login_max_failures, &stamp(until)).await?
        }
        // Counted before the (dummy) check too, so that bursts behave alike.
        None => i64::from(state.login_throttle.unknown_name_failed(&username)) <= settings.login_max_failures,
    };
    if !claimed {
        audit::record(&state, event().denied("locked")).await?;
        return Err(ApiError::Locked);
    }
    let ok = password::verify(password, user.as_ref().and_then(|u| u.password_hash.clone())).await?;
    let Some(user) = user.filter(|_| ok) else {
        state.login_throttle.address_failed(ip);
        audit::record(&state, event().denied("wrong_credentials")).await?;
        return Err(ApiError::Unauthorized(WRONG.into()));
    };
    state.catalog.record_login_success(user.id).await?;
    audit::record(&state, event()).await?;
    let session = hex::encode(random::<16>());
    let secret = random::<32>();
    let lifetime = settings.session_ttl_secs.max(settings.token_ttl_secs);
    let expires = chrono::Utc::now() + chrono::Duration::seconds(lifetime as i64);
    state
        .catalog
        .create_session(&NewSession {
            id: session.clone(),
            user_id: user.id,
            refresh_hash: hash_secret(&secret),
            expires_at: stamp(expires),
        })
        .await?;
    tokens(&state, &user.username, user.role.as_str(), &session, &secret)
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

fn hash_secret(secret: &[u8]) -> String {
    hex::encode(Sha256::digest(secret))
}

fn tokens(
    state: &AppState,
    username: &str,
    role: &str,
    session: &str,
    secret: &[u8],
) -> Result<HttpResponse, ApiError> {
    let access = state.tokens.issue(username, role, session)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": state.tokens.ttl_secs,
        "refresh_token": format!("{session}.{}", URL_SAFE_NO_PAD.encode(secret)),
    })))
}

#[derive(Deserialize)]
pub struct Refresh {
    refresh_token: String,
}

/// `POST /api/auth/refresh {refresh_token}`: a new access token and a new refresh token.
pub async fn refresh(state: web::Data<AppState>, body: web::Json<Refresh>) -> Result<HttpResponse, ApiError> {
    let invalid =
        || ApiError::Unauthorized("the refresh token is not valid or its session has ended; log in again".into());
    let (id, secret) = body.refresh_token.split_once('.').ok_or_else(invalid)?;
    let secret = URL_SAFE_NO_PAD.decode(secret).map_err(|_| invalid())?;
    let session = state.catalog.find_session(id).await?.ok_or_else(invalid)?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    if !session.is_open(&now) {
        return Err(invalid());
    }
    let next = random::<32>();
    if !state.catalog.rotate_session(id, &hash_secret(&secret), &hash_secret(&next)).await? {
        state.catalog.revoke_session(id).await?;
        return Err(ApiError::Unauthorized(
            "this refresh token was used already, so the session has been ended for safety; log in again".into(),
        ));
    }
    tokens(&state, &session.username, session.role.as_str(), id, &next)
}

/// `POST /api/auth/logout`: ends the caller's session; its tokens stop working at once.
pub async fn logout(req: HttpRequest, state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    state.catalog.revoke_session(&user.session).await?;
    audit::record(&state, Access::new(user.actor(), Action::Logout, &req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "username": user.username, "role": user.role.as_str(), "mfa_enabled": false }))
}
