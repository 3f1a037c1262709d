//! The caller's own account: who they are, their TOTP second factor (enrol, verify, turn
//! off), their login sessions (list, end one, end the others) and their password.
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Access, Action};
use crate::auth::{password, totp, AuthUser};
use crate::error::ApiError;
use crate::routes::auth::{second_factor, Factor};
use crate::state::AppState;

/// `GET /api/me`.
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let left = if user.mfa_enabled { Some(state.catalog.recovery_codes_left(user.id).await?) } else { None };
    Ok(HttpResponse::Ok().json(json!({
        "username": user.username,
        "role": user.role.as_str(),
        "mfa_enabled": user.mfa_enabled,
        "mfa_enrolment_required": user.must_enrol,
        "recovery_codes_left": left,
        // The web app offers "Open in OHIF" when the viewer is served.
        "ohif": state.settings.ohif_dir.is_some(),
    })))
}

fn event(req: &HttpRequest, user: &AuthUser, action: Action) -> Access {
    Access::new(user.actor(), action, req)
}

/// Checks the caller's password for a sensitive change, counted like a login attempt (so a
/// stolen session cannot guess the password without end): 423 while locked, 403
/// `wrong_credentials` when wrong.
async fn check_password(state: &AppState, user: &AuthUser, given: String) -> Result<(), ApiError> {
    let settings = &state.settings;
    let now = chrono::Utc::now();
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let until = now + chrono::Duration::seconds(settings.login_lock_secs as i64);
    let stored = state.catalog.find_user(&user.username).await?.and_then(|u| u.password_hash);
    if !state.catalog.claim_login_attempt(user.id, &stamp(now), settings.login_max_failures, &stamp(until)).await? {
        return Err(ApiError::Locked);
    }
    if !password::verify(given, stored).await? {
        return Err(ApiError::Refused { code: "wrong_credentials", message: "the password is wrong".into() });
    }
    state.catalog.record_login_success(user.id).await?;
    Ok(())
}

/// `POST /api/me/mfa/totp`: a new secret to enrol (not on until a code verifies it), with
/// its `otpauth://` URL and that URL's QR code as SVG, rendered here.
pub async fn enrol(req: HttpRequest, state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    if user.mfa_enabled {
        return Err(ApiError::Conflict("two-factor authentication is on already; turn it off first".into()));
    }
    let secret = totp::new_secret();
    let url = totp::otpauth_url(&secret, &user.username)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("cannot make the otpauth URL")))?;
    let svg = totp::qr_svg(&url).ok_or_else(|| ApiError::internal(anyhow::anyhow!("cannot render the QR code")))?;
    let access = event(&req, &user, Action::MfaEnrol);
    state.catalog.set_totp_pending(user.id, &secret, access.event()).await?;
    access.committed();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(json!({ "secret": secret, "otpauth_url": url, "qr_svg": svg })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    code: String,
}

/// `POST /api/me/mfa/totp/verify {code}`: the first code turns TOTP on; answers the ten
/// recovery codes, shown this once (kept hashed).
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<Verify>,
) -> Result<HttpResponse, ApiError> {
    let wrong = || ApiError::Unprocessable {
        code: "invalid_code",
        message: "the code does not match; check the authenticator app's clock and try the next code".into(),
    };
    let pending = state.catalog.totp_state(user.id).await?.pending.ok_or_else(|| {
        ApiError::Conflict("there is no enrolment to verify: start one with POST /api/me/mfa/totp".into())
    })?;
    let step = totp::check(&pending, &body.code, totp::now_secs()).ok_or_else(wrong)?;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(user.id, c)).collect();
    let access = event(&req, &user, Action::MfaEnable);
    if !state.catalog.enable_totp(user.id, &pending, step, &hashes, access.event()).await? {
        return Err(ApiError::Conflict("the enrolment changed meanwhile; start again".into()));
    }
    access.committed();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(json!({ "recovery_codes": codes })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disable {
    password: String,
    code: String,
}

/// `DELETE /api/me/mfa/totp {password, code}`: turns TOTP off (the code may be a recovery
/// code); forgets the secret and the recovery codes.
pub async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<Disable>,
) -> Result<HttpResponse, ApiError> {
    if !user.mfa_enabled {
        return Err(ApiError::Conflict("two-factor authentication is not on".into()));
    }
    let Disable { password: pw, code } = body.into_inner();
    check_password(&state, &user, pw).await?;
    match second_factor(&state, user.id, &code).await? {
        Factor::Totp => {}
        Factor::Recovery => audit::record(&state, event(&req, &user, Action::MfaRecoveryUsed)).await?,
        Factor::Wrong => {
            audit::record(&state, event(&req, &user, Action::MfaDisable).denied("wrong_code")).await?;
            return Err(ApiError::Refused {
                code: "wrong_credentials",
                message: "the authentication code is wrong or was used already".into(),
            });
        }
    }
    let access = event(&req, &user, Action::MfaDisable);
    state.catalog.disable_totp(user.id, access.event()).await?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/me/sessions`: the caller's open sessions, most recently used first.
pub async fn sessions(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let now = chrono::Utc::now();
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let cutoff = now - chrono::Duration::seconds(state.settings.session_idle_secs as i64);
    let list = state.catalog.list_sessions(user.id, &stamp(now), &stamp(cutoff)).await?;
    let items: Vec<_> = list
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "created_at": s.created_at,
                "last_used_at": s.last_used_at,
                "address": s.address,
                "user_agent": s.user_agent,
                "current": s.id == user.session,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// `DELETE /api/me/sessions/{id}`: ends one of the caller's sessions (another account's id
/// is 404, as if it did not exist).
pub async fn end_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let access = event(&req, &user, Action::SessionEnd).with("sessions", "one");
    if !state.catalog.revoke_user_session(user.id, &id, access.event()).await? {
        return Err(ApiError::NotFound("no such session of yours".into()));
    }
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/me/sessions`: ends every session of the caller but this one.
pub async fn end_other_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    // The catalog adds how many `ended` to the event it commits with the change.
    let access = event(&req, &user, Action::SessionEnd).with("sessions", "others");
    let ended = state.catalog.revoke_other_sessions(user.id, &user.session, access.event()).await?;
    access.committed();
    Ok(HttpResponse::Ok().json(json!({ "ended": ended })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// `POST /api/me/password {current_password, new_password}`: the rules of account creation
/// apply; every other session of the account ends.
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let PasswordChange { current_password, new_password } = body.into_inner();
    password::check_strength(&new_password)?;
    if let Err(e) = check_password(&state, &user, current_password).await {
        audit::record(&state, event(&req, &user, Action::PasswordChange).denied("wrong_password")).await?;
        return Err(e);
    }
    let hash = password::hash(new_password).await?;
    let access = event(&req, &user, Action::PasswordChange);
    state.catalog.change_password(user.id, &hash, &user.session, access.event()).await?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}
