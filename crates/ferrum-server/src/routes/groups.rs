//! Groups of accounts, managed by admins: `POST/GET /api/groups`, `PATCH/DELETE
//! /api/groups/{name}`, `PUT/DELETE /api/groups/{name}/members/{user}`; and the directory any
//! account may search to share a study (`GET /api/directory?q=`: names only).
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{Access, Action};
use crate::auth::{AuthUser, Username};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupName {
    name: String,
}

/// Group names follow the account-name rules (letters, digits, `.`, `_`, `-`).
fn parse_name(raw: &str) -> Result<String, ApiError> {
    Username::parse(raw).map(|n| n.as_str().to_owned()).map_err(|why| ApiError::Unprocessable {
        code: "invalid_group_name",
        message: why.replace("username", "group name"),
    })
}

fn store_error(e: ferrum_store::StoreError, what: &str) -> ApiError {
    match e {
        ferrum_store::StoreError::NotFound => ApiError::NotFound(format!("no such {what}")),
        other => other.into(),
    }
}

/// The event of a change, committed with it.
fn audited(req: &HttpRequest, user: &AuthUser, action: Action, detail: &[(&str, String)]) -> Access {
    let mut access = Access::new(user.actor(), action, req);
    for (k, v) in detail {
        access = access.with(k, v);
    }
    access
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<GroupName>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let name = parse_name(&body.name)?;
    let access = audited(&req, &user, Action::CreateGroup, &[("group", name.clone())]);
    let group = state.catalog.create_group(&name, access.event()).await?;
    access.committed();
    Ok(HttpResponse::Created().json(group))
}

pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    Ok(HttpResponse::Ok().json(json!({ "items": state.catalog.list_groups().await? })))
}

pub async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<GroupName>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let name = parse_name(&body.name)?;
    let access = audited(&req, &user, Action::RenameGroup, &[("group", path.to_string()), ("new_name", name.clone())]);
    let group = state.catalog.rename_group(&path, &name, access.event()).await.map_err(|e| store_error(e, "group"))?;
    access.committed();
    Ok(HttpResponse::Ok().json(group))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let access = audited(&req, &user, Action::DeleteGroup, &[("group", path.to_string())]);
    state.catalog.delete_group(&path, access.event()).await.map_err(|e| store_error(e, "group"))?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}

pub async fn add_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let (group, member) = path.into_inner();
    let access = audited(&req, &user, Action::AddMember, &[("group", group.clone()), ("member", member.clone())]);
    state.catalog.add_member(&group, &member, access.event()).await.map_err(|e| store_error(e, "group or account"))?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}

pub async fn remove_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let (group, member) = path.into_inner();
    let access = audited(&req, &user, Action::RemoveMember, &[("group", group.clone()), ("member", member.clone())]);
    state.catalog.remove_member(&group, &member, access.event()).await.map_err(|e| store_error(e, "member"))?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct DirectoryQuery {
    q: Option<String>,
}

/// Accounts and groups whose name starts with `q` (at most 20 of each), so that anyone can
/// pick whom to share a study with. Names only: no roles, no memberships.
pub async fn directory(
    state: web::Data<AppState>,
    _user: AuthUser,
    params: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = params.q.as_deref().unwrap_or("").trim().to_lowercase();
    let users: Vec<String> = state
        .catalog
        .list_users()
        .await?
        .into_iter()
        .map(|u| u.username)
        .filter(|n| n.to_lowercase().starts_with(&q))
        .take(20)
        .collect();
    let groups: Vec<String> = state
        .catalog
        .list_groups()
        .await?
        .into_iter()
        .map(|g| g.name)
        .filter(|n| n.to_lowercase().starts_with(&q))
        .take(20)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "users": users, "groups": groups })))
}
