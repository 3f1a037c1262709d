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
use crate::auth::{password, remote_addr, totp, user_agent, AuthUser};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Login {
    username: String,
    password: String,
    /// The TOTP code, or a recovery code, when the account uses MFA.
    #[serde(default)]
    totp: Option<String>,
}

const WRONG: &str = "wrong username or password";

/// `POST /api/auth/login`. The attempt is counted before the password is checked (so a
/// burst of guesses gets no more checks than a sequence, and a locked account answers before
/// any hash is computed); unknown names are answered exactly like wrong passwords, a dummy
/// hash included, and lock like real accounts do; so are disabled accounts. With MFA on,
/// a right password without a code answers 401 `mfa_required` (the attempt stays counted,
/// so codes cannot be guessed without end), and a wrong or replayed code is a failed login.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let Login { username, password, totp: code } = body.into_inner();
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
    if user.disabled {
        // The same answer as a wrong password: a disabled account tells nothing of itself.
        audit::record(&state, event().denied("account_disabled")).await?;
        return Err(ApiError::Unauthorized(WRONG.into()));
    }
    if user.mfa_enabled {
        let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
            audit::record(&state, event().denied("mfa_required")).await?;
            return Err(ApiError::Challenge {
                code: "mfa_required",
                message: "this account uses two-factor authentication: give the code from the authenticator app \
                          (or a recovery code)"
                    .into(),
            });
        };
        match second_factor(&state, user.id, &code).await? {
            Factor::Totp => {}
            Factor::Recovery => {
                let used = Access::new(format!("user:{username}"), Action::MfaRecoveryUsed, &req);
                audit::record(&state, used).await?;
            }
            Factor::Wrong => {
                state.login_throttle.address_failed(ip);
                audit::record(&state, event().denied("wrong_code")).await?;
                return Err(ApiError::Challenge {
                    code: "mfa_invalid",
                    message: "the authentication code is wrong or was used already; wait for the next one".into(),
                });
            }
        }
    }
    state.catalog.record_login_success(user.id).await?;
    audit::record(&state, event()).await?;
    let must_enrol = !user.mfa_enabled
        && crate::auth::mfa_policy::required_roles(
            state.catalog.setting(crate::auth::mfa_policy::SETTING).await?.as_deref(),
            &settings.mfa_required_roles,
        )
        .contains(&user.role);
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
            address: addr.clone(),
            user_agent: user_agent(&req),
        })
        .await?;
    tokens(&state, &user.username, user.role.as_str(), &session, &secret, must_enrol)
}

/// How a second factor checked out.
pub(crate) enum Factor {
    Totp,
    Recovery,
    Wrong,
}

/// Checks a TOTP code (accepted once per time step: a replay within its window is wrong)
/// or, failing the shape of one, a recovery code (used up by this).
pub(crate) async fn second_factor(state: &AppState, user_id: i64, code: &str) -> Result<Factor, ApiError> {
    if totp::looks_like_totp(code) {
        let Some(secret) = state.catalog.totp_state(user_id).await?.secret else { return Ok(Factor::Wrong) };
        let step = totp::check(&secret, code, totp::now_secs());
        return Ok(match step {
            Some(step) if state.catalog.claim_totp_step(user_id, step).await? => Factor::Totp,
            _ => Factor::Wrong,
        });
    }
    let used = state.catalog.use_recovery_code(user_id, &totp::recovery_hash(user_id, code)).await?;
    Ok(if used { Factor::Recovery } else { Factor::Wrong })
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
    must_enrol: bool,
) -> Result<HttpResponse, ApiError> {
    let access = state.tokens.issue(username, role, session)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": state.tokens.ttl_secs,
        "refresh_token": format!("{session}.{}", URL_SAFE_NO_PAD.encode(secret)),
        "mfa_enrolment_required": must_enrol,
    })))
}

#[derive(Deserialize)]
pub struct Refresh {
    refresh_token: String,
}

/// `POST /api/auth/refresh {refresh_token}`: a new access token and a new refresh token,
/// while the session is open (the idle timeout included: a refresh is a use).
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Refresh>,
) -> Result<HttpResponse, ApiError> {
    let invalid =
        || ApiError::Unauthorized("the refresh token is not valid or its session has ended; log in again".into());
    let (id, secret) = body.refresh_token.split_once('.').ok_or_else(invalid)?;
    let secret = URL_SAFE_NO_PAD.decode(secret).map_err(|_| invalid())?;
    let session = state.catalog.find_session(id).await?.ok_or_else(invalid)?;
    let actor = format!("user:{}", session.username);
    if crate::auth::keep_open(&state, &session).await.is_err() {
        audit::record(&state, Access::new(actor, Action::TokenRefresh, &req).denied("session_ended")).await?;
        return Err(invalid());
    }
    let next = random::<32>();
    if !state.catalog.rotate_session(id, &hash_secret(&secret), &hash_secret(&next)).await? {
        let replayed = Access::new(actor, Action::TokenRefresh, &req).denied("replayed");
        state.catalog.revoke_session(id, replayed.event()).await?;
        replayed.committed();
        return Err(ApiError::Unauthorized(
            "this refresh token was used already, so the session has been ended for safety; log in again".into(),
        ));
    }
    audit::record(&state, Access::new(actor, Action::TokenRefresh, &req)).await?;
    let must_enrol = crate::auth::must_enrol(&state, &session);
    tokens(&state, &session.username, session.role.as_str(), id, &next, must_enrol)
}

/// `POST /api/auth/logout`: ends the caller's session; its tokens stop working at once.
pub async fn logout(req: HttpRequest, state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let access = Access::new(user.actor(), Action::Logout, &req);
    state.catalog.revoke_session(&user.session, access.event()).await?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}
