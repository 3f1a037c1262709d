//! Login and the caller's own account.
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Access};
use crate::auth::{password, remote_addr, AuthUser};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Login {
    username: String,
    password: String,
}

const WRONG: &str = "wrong username or password";

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let Login { username, password } = body.into_inner();
    let user = state.catalog.find_user(username.trim()).await?.filter(|u| !u.deleted);
    let now = chrono::Utc::now();
    if let Some(u) = &user {
        let locked = u
            .locked_until
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|until| until > now);
        if locked {
            audit::record(
                &state,
                Access::new(format!("user:{}", u.username), "login", remote_addr(&req)).outcome("locked"),
            )
            .await?;
            return Err(ApiError::Locked);
        }
    }
    let ok = password::verify(password, user.as_ref().and_then(|u| u.password_hash.clone())).await?;
    let Some(user) = user else {
        return Err(ApiError::Unauthorized(WRONG.into()));
    };
    if !ok {
        let until = (now + chrono::Duration::seconds(state.settings.login_lock_secs as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        state.catalog.record_login_failure(user.id, state.settings.login_max_failures, &until).await?;
        audit::record(
            &state,
            Access::new(format!("user:{}", user.username), "login", remote_addr(&req)).outcome("denied"),
        )
        .await?;
        return Err(ApiError::Unauthorized(WRONG.into()));
    }
    state.catalog.record_login_success(user.id).await?;
    audit::record(&state, Access::new(format!("user:{}", user.username), "login", remote_addr(&req))).await?;
    let token = state.tokens.issue(&user.username, user.role.as_str())?;
    Ok(HttpResponse::Ok().json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": state.tokens.ttl_secs,
    })))
}

pub async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "username": user.username, "role": user.role.as_str(), "mfa_enabled": false }))
}
