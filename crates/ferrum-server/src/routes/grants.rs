//! Sharing a study inside the product: `GET/PUT /api/studies/{study}/grants`,
//! `DELETE /api/studies/{study}/grants/{grantee}` and `PUT /api/studies/{study}/owner`. Only
//! the study's owner or an admin manages them; every change is audited and takes effect on
//! the next request (the access predicate reads the grants each time).
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::access::{Grantee, Level};
use serde::Deserialize;
use serde_json::json;

use super::studies::path_uid;
use crate::audit::{Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// 404 unless the caller may see the study; 403 unless they own it (or are an admin).
pub(super) async fn owned_study(state: &AppState, user: &AuthUser, raw: &str) -> Result<String, ApiError> {
    let uid = path_uid(raw, "study")?;
    let access = state
        .catalog
        .study_access(&user.principal, uid.as_str())
        .await?
        .ok_or_else(|| ApiError::NotFound("no such study".into()))?;
    if !access.allows(Level::Own) {
        return Err(ApiError::Forbidden("only the study's owner or an admin may change who it is shared with".into()));
    }
    Ok(uid.into_string())
}

fn parse_grantee(raw: &str) -> Result<Grantee, ApiError> {
    Grantee::parse(raw).ok_or_else(|| ApiError::BadRequest("grantee must be user:NAME or group:NAME".into()))
}

pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let study = owned_study(&state, &user, &path).await?;
    let grants = state.catalog.list_grants(&study).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": grants })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutGrant {
    grantee: String,
    level: String,
}

pub async fn put(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<PutGrant>,
) -> Result<HttpResponse, ApiError> {
    let study = owned_study(&state, &user, &path).await?;
    let grantee = parse_grantee(&body.grantee)?;
    let level = Level::parse_grant(&body.level)
        .ok_or_else(|| ApiError::BadRequest("level must be read, share or contribute".into()))?;
    if grantee == Grantee::User(user.username.clone()) {
        return Err(ApiError::Conflict("you cannot share a study with yourself".into()));
    }
    let access = Access::new(user.actor(), Action::GrantStudy, &req)
        .study(&study)
        .with("grantee", grantee.label())
        .with("level", level.as_str());
    let grant =
        state.catalog.put_grant(&study, &grantee, level, user.id, access.event()).await.map_err(|e| match e {
            ferrum_store::StoreError::NotFound => ApiError::Unprocessable {
                code: "unknown_grantee",
                message: format!("there is no account or group {}", grantee.label()),
            },
            other => other.into(),
        })?;
    access.committed();
    Ok(HttpResponse::Ok().json(grant))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (study, grantee) = path.into_inner();
    let study = owned_study(&state, &user, &study).await?;
    let grantee = parse_grantee(&grantee)?;
    let access = Access::new(user.actor(), Action::WithdrawGrant, &req).study(&study).with("grantee", grantee.label());
    state.catalog.delete_grant(&study, &grantee, access.event()).await.map_err(|e| match e {
        ferrum_store::StoreError::NotFound => ApiError::NotFound("no such grant".into()),
        other => other.into(),
    })?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    username: String,
}

/// `PUT /api/studies/{study}/owner {username}`: the study changes hands. The former owner
/// keeps no access of their own unless it is shared back with them.
pub async fn transfer(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<Transfer>,
) -> Result<HttpResponse, ApiError> {
    let study = owned_study(&state, &user, &path).await?;
    let access = Access::new(user.actor(), Action::TransferStudy, &req)
        .study(&study)
        .with("to", format!("user:{}", body.username.trim()));
    state.catalog.transfer_study(&study, body.username.trim(), access.event()).await.map_err(|e| match e {
        ferrum_store::StoreError::NotFound => ApiError::Unprocessable {
            code: "unknown_account",
            message: format!("there is no account {}", body.username.trim()),
        },
        other => other.into(),
    })?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}
