//! Accounts, for admins: create, list, change role or password, delete. A deleted name is
//! never issued again, so that the audit trail's `user:<name>` always means one person.
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::model::{OwnedStudies, Role, User, UserChange};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{Access, Action};
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

/// The event of a change to the account `whom`, committed with it.
fn audited(req: &HttpRequest, admin: &AuthUser, action: Action, whom: &str) -> Access {
    Access::new(admin.actor(), action, req).with("account", format!("user:{whom}"))
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
    let access = audited(&req, &admin, Action::CreateUser, name.as_str());
    let user = state.catalog.create_user(name.as_str(), &hash, role, access.event()).await?;
    access.committed();
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
    // What the change records, committed with it: the role or password change (or, for an
    // empty change, the update), then the disabling or enabling.
    let mut events = Vec::new();
    if changed || disabled.is_none() {
        let action = if reset { Action::ResetPassword } else { Action::UpdateUser };
        events.push(audited(&req, &admin, action, &path));
    }
    match disabled {
        Some(true) => events.push(audited(&req, &admin, Action::AccountDisable, &path)),
        Some(false) => events.push(audited(&req, &admin, Action::AccountEnable, &path)),
        None => {}
    }
    let audit: Vec<_> = events.iter().map(|a| a.event().clone()).collect();
    let user = state
        .catalog
        .update_user(&path, &UserChange { role, password_hash, disabled }, &audit)
        .await
        .map_err(|e| not_found_as_user(e.into()))?;
    events.iter().for_each(Access::committed);
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
    let access = audited(&req, &admin, Action::AccountUnlock, &path);
    let user = state.catalog.unlock_user(&path, access.event()).await.map_err(|e| not_found_as_user(e.into()))?;
    access.committed();
    Ok(HttpResponse::Ok().json(body(&user)))
}

/// What becomes of the account's studies: `?studies=reassign&to=NAME` or `?studies=erase`;
/// without it they stay with the tombstone (admins and grantees still see them).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposal {
    studies: Option<String>,
    to: Option<String>,
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AuthUser,
    path: web::Path<String>,
    query: web::Query<Disposal>,
) -> Result<HttpResponse, ApiError> {
    admin.require_admin()?;
    if *path == admin.username {
        return Err(ApiError::Conflict("you cannot delete your own account".into()));
    }
    let unknown_to = || ApiError::Unprocessable {
        code: "unknown_account",
        message: "to must name another account that is not deleted".into(),
    };
    let owned =
        match (query.studies.as_deref(), query.to.as_deref()) {
            (None, None) => OwnedStudies::Keep,
            (Some("reassign"), Some(to)) if to != path.as_str() => OwnedStudies::Reassign(to.to_owned()),
            (Some("reassign"), Some(_)) => return Err(unknown_to()),
            (Some("reassign"), None) => return Err(ApiError::BadRequest("studies=reassign needs to=ACCOUNT".into())),
            (Some("erase"), None) => OwnedStudies::Erase,
            _ => return Err(ApiError::BadRequest(
                "studies is reassign (with to=ACCOUNT) or erase; without it the studies stay with the deleted account"
                    .into(),
            )),
        };
    let choice = match &owned {
        OwnedStudies::Keep => "keep",
        OwnedStudies::Reassign(_) => "reassign",
        OwnedStudies::Erase => "erase",
    };
    let access = audited(&req, &admin, Action::DeleteUser, &path).with("studies", choice);
    let per_study = match &owned {
        OwnedStudies::Reassign(to) => Access::new(admin.actor(), Action::TransferStudy, &req)
            .with("from", format!("user:{path}"))
            .with("to", format!("user:{to}"))
            .with("via", "account_deletion"),
        _ => Access::new(admin.actor(), Action::EraseStudy, &req).with("via", "account_deletion"),
    };
    let done =
        state.catalog.delete_account(&path, &owned, access.event(), per_study.event()).await.map_err(|e| match e {
            ferrum_store::StoreError::Invalid(_) => unknown_to(),
            other => not_found_as_user(other.into()),
        })?;
    access.committed();
    if owned == OwnedStudies::Keep {
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(HttpResponse::Ok().json(done))
}

fn not_found_as_user(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound("no such account".into()),
        other => other,
    }
}
