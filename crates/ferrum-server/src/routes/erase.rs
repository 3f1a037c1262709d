//! Erasing patient data: `DELETE /api/studies/{study}` and `DELETE /api/series/{series}` for
//! the study's owner or an admin, `DELETE /api/patients/{patient_id}` (every study with that
//! patient ID) for admins. The rows, links and grants go in one transaction with the audit
//! event (UIDs and counts, never a patient name or ID); the stored objects are released to
//! the outbox and deleted by a background job after the grace period. Answers 200 with the
//! counts.
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::access::Level;
use ferrum_store::model::{EraseTarget, Erased};
use ferrum_store::StoreError;

use super::studies::path_uid;
use crate::audit::{Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Longest patient ID taken from a path (the VR allows 64 characters; stored ones may be
/// longer, within reason).
const PATIENT_ID_MAX: usize = 256;

/// 404 unless the caller may see the study; 403 unless they own it (or are an admin).
async fn erasable(state: &AppState, user: &AuthUser, study_uid: &str) -> Result<(), ApiError> {
    let access = state
        .catalog
        .study_access(&user.principal, study_uid)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such study".into()))?;
    if !access.allows(Level::Own) {
        return Err(ApiError::Forbidden("only the study's owner or an admin may erase it".into()));
    }
    Ok(())
}

async fn erase(state: &AppState, target: EraseTarget, access: Access) -> Result<HttpResponse, ApiError> {
    let erased: Erased = state.catalog.erase(&target, access.event()).await.map_err(|e| match e {
        // Erased by someone else meanwhile.
        StoreError::NotFound => ApiError::NotFound("nothing to erase".into()),
        other => other.into(),
    })?;
    access.committed();
    Ok(HttpResponse::Ok().json(erased))
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uid = path_uid(&path, "study")?.into_string();
    erasable(&state, &user, &uid).await?;
    let access = Access::new(user.actor(), Action::EraseStudy, &req).study(&uid);
    erase(&state, EraseTarget::Study(uid), access).await
}

pub async fn series(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uid = path_uid(&path, "series")?.into_string();
    let study = state.catalog.series_study(&uid).await?.ok_or_else(|| ApiError::NotFound("no such series".into()))?;
    erasable(&state, &user, &study).await.map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::NotFound("no such series".into()),
        other => other,
    })?;
    let access = Access::new(user.actor(), Action::EraseSeries, &req).series(&study, &uid);
    erase(&state, EraseTarget::Series(uid), access).await
}

pub async fn patient(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let id = path.into_inner();
    if id.trim().is_empty() || id.len() > PATIENT_ID_MAX {
        return Err(ApiError::NotFound("no studies with this patient ID".into()));
    }
    // The patient ID stays out of the event: the study UIDs and counts say what went.
    let access = Access::new(user.actor(), Action::ErasePatient, &req);
    erase(&state, EraseTarget::Patient(id), access).await
}
