//! Restriction of processing: `GET/PUT/DELETE /api/studies/{uid}/restriction` (admins). A
//! restricted study stays stored but only admins see it: it leaves every other account's
//! listings and lookups, its grants and links stop working and nobody else can add to it,
//! all through the catalog's one visibility predicate; an admin lifts it.
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::studies::path_uid;
use crate::audit::{Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

fn no_study() -> ApiError {
    ApiError::NotFound("no such study".into())
}

pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let uid = path_uid(&path, "study")?;
    let (at, by) = state.catalog.restriction(uid.as_str()).await?.ok_or_else(no_study)?;
    Ok(HttpResponse::Ok().json(json!({ "restricted": at.is_some(), "restricted_at": at, "restricted_by": by })))
}

pub async fn put(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let uid = path_uid(&path, "study")?;
    let access = Access::new(user.actor(), Action::RestrictStudy, &req).study(uid.as_str());
    state.catalog.set_restriction(uid.as_str(), Some(&user.username), access.event()).await.map_err(|e| match e {
        ferrum_store::StoreError::NotFound => no_study(),
        other => other.into(),
    })?;
    access.committed();
    let (at, by) = state.catalog.restriction(uid.as_str()).await?.ok_or_else(no_study)?;
    Ok(HttpResponse::Ok().json(json!({ "restricted": true, "restricted_at": at, "restricted_by": by })))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let uid = path_uid(&path, "study")?;
    let access = Access::new(user.actor(), Action::LiftRestriction, &req).study(uid.as_str());
    state.catalog.set_restriction(uid.as_str(), None, access.event()).await.map_err(|e| match e {
        ferrum_store::StoreError::NotFound => no_study(),
        other => other.into(),
    })?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}
