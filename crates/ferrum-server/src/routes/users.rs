//! Accounts, for admins: create, list, change role or password, delete. A deleted name is
//! never issued again, so that the audit trail's `user:<name>` always means one person.
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::model::{Role, User, UserChange};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Access, Action};
use crate::auth::{password, AuthUser, Username};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    username: String,
    password: String,
    role: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    role: Option<String>,
    password: Option<String>,
    /// `true` disables the account (its sessions end at once; links it made keep working
    /// unless revoked), `false` enables it again.
    disabled: Option<bool>,
}

fn role(raw: &str) -> Result<Role, ApiError> {
    Role::parse(raw).ok_or_else(|| ApiError::Unprocessable {
        code: "invalid_role",
        message: format!("role must be admin or radiologist, not {raw:?}"),
    })
}

fn body(user: &User) -> serde_json::Value {
    json!({
        "username": user.username,
        "role": user.role.as_str(),
        "locked_until": user.locked_until,
        "disabled": user.disabled,
        "mfa_enabled": user.mfa_enabled,
        "created_at": user.created_at,
    })
}

async fn audited(
    req: &HttpRequest,
    state: &AppState,
    admin: &AuthUser,
    action: Action,
    whom: &str,
) -> Result<(), ApiError> {
    audit::record(state, Access::new(admin.actor(), action, req).with("account", format!("user:{whom}"))).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AuthUser,
    new: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    admin.require_admin()?;
    let NewUser { username, password: pw, role: raw_role } = new.into_inner();
    let name =
        Username::parse(&username).map_err(|message| ApiError::Unprocessable { code: "invalid_username", message })?;
    let role = role(&raw_role)?;
    password::check_strength(&pw)?;
    let hash = password::hash(pw).await?;
    let user = state.catalog.create_user(name.as_str(), &hash, role).await?;
    audited(&req, &state, &admin, Action::CreateUser, &user.username).await?;
    Ok(HttpResponse::Created().json(body(&user)))
}

pub async fn list(state: web::Data<AppState>, admin: AuthUser) -> Result<HttpResponse, ApiError> {
    admin.require_admin()?;
    let users = state.catalog.list_users().await?;
    Ok(HttpResponse::Ok().json(json!({ "items": users.iter().map(body).collect::<Vec<_>>() })))
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AuthUser,
    path: web::Path<String>,
    change: web::Json<Change>,
) -> Result<HttpResponse, ApiError> {
    admin.require_admin()?;
    let Change { role: raw_role, password: pw, disabled } = change.into_inner();
    let role = raw_role.as_deref().map(role).transpose()?;
    if *path == admin.username && role.is_some_and(|r| r != Role::Admin) {
        // Otherwise the last admin could lock everyone out of account management.
        return Err(ApiError::Conflict("you cannot take the admin role from yourself".into()));
    }
    if *path == admin.username && disabled == Some(true) {
        return Err(ApiError::Conflict("you cannot disable your own account".into()));
    }
    let password_hash = match pw {
        Some(pw) => {
            password::check_strength(&pw)?;
            Some(password::hash(pw).await?)
        }
        None => None,
    };
    let reset = password_hash.is_some();
    let changed = role.is_some() || reset;
    let user = state
        .catalog
        .update_user(&path, &UserChange { role, password_hash, disabled })
        .await
        .map_err(|e| not_found_as_user(e.into()))?;
    if changed || disabled.is_none() {
        let action = if reset { Action::ResetPassword } else { Action::UpdateUser };
        audited(&req, &state, &admin, action, &user.username).await?;
    }
    match disabled {
        Some(true) => audited(&req, &state, &admin, Action::AccountDisable, &user.username).await?,
        Some(false) => audited(&req, &state, &admin, Action::AccountEnable, &user.username).await?,
        None => {}
    }
    Ok(HttpResponse::Ok().json(body(&user)))
}

/// `POST /api/users/{name}/unlock` (admin): lifts a lockout after failed logins.
pub async fn unlock(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin.require_admin()?;
    let user = state.catalog.unlock_user(&path).await.map_err(|e| not_found_as_user(e.into()))?;
    audited(&req, &state, &admin, Action::AccountUnlock, &user.username).await?;
    Ok(HttpResponse::Ok().json(body(&user)))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin.require_admin()?;
    if *path == admin.username {
        return Err(ApiError::Conflict("you cannot delete your own account".into()));
    }
    state.catalog.delete_user(&path).await.map_err(|e| not_found_as_user(e.into()))?;
    audited(&req, &state, &admin, Action::DeleteUser, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn not_found_as_user(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound("no such account".into()),
        other => other,
    }
}
