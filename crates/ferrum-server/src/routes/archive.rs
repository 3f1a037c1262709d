//! Archives (see `crate::archive`): `GET /api/studies/{study}/archive` (whoever may read the
//! study), `GET /api/patients/{patient_id}/archive` (admins: every study with that patient
//! ID), `GET /api/users/{name}/archive` (admins, or the account itself: every instance it
//! uploaded that the caller may see) and `GET /api/share/{token}/archive` (a link holder,
//! when the link allows downloads). All read through the one visibility predicate; nothing
//! visible is 404. One `export_study` event per study, written before any byte leaves, with
//! the counts and the scope (never a patient name or ID).
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::access::Principal;
use ferrum_store::model::ExportScope;

use super::share::link_principal;
use super::studies::path_uid;
use crate::archive::{file_name_segment, study_counts, Export, Layout};
use crate::audit::{self, Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Longest patient ID or account name taken from a path.
const PATH_VALUE_MAX: usize = 256;

/// The scope's name in the audit events.
fn scope_name(scope: &ExportScope) -> &'static str {
    match scope {
        ExportScope::Study(_) => "study",
        ExportScope::Patient(_) => "patient",
        ExportScope::Uploader(_) => "user",
    }
}

/// Reads the scope as `principal` sees it, records one event per study, and answers the
/// archive as a streamed ZIP named `filename`.
async fn export(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    scope: ExportScope,
    filename: String,
    nothing: &str,
) -> Result<HttpResponse, ApiError> {
    let studies = state.catalog.export_studies(principal, &scope).await?;
    if studies.is_empty() {
        return Err(ApiError::NotFound(nothing.into()));
    }
    let layout = Layout::plan(studies);
    for study in layout.studies() {
        let counts = study_counts(study);
        let mut access = Access::new(principal.actor(), Action::ExportStudy, req)
            .study(&study.detail.summary.study_instance_uid)
            .with("scope", scope_name(&scope))
            .with("series", counts.series)
            .with("instances", counts.instances)
            .with("bytes", counts.bytes);
        if let ExportScope::Uploader(name) = &scope {
            access = access.with("account", format!("user:{name}"));
        }
        audit::record(state, access).await?;
    }
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(crate::archive::zip_stream(state.blobs.clone(), Export::new(scope, layout))))
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uid = path_uid(&path, "study")?.into_string();
    // The UID may hold quotes or slashes: the file name is made safe.
    let filename = format!("study-{}.zip", file_name_segment(&uid));
    export(&req, &state, &user.principal, ExportScope::Study(uid), filename, "no such study").await
}

pub async fn patient(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let id = path.into_inner();
    let nothing = "no studies with this patient ID";
    if id.trim().is_empty() || id.len() > PATH_VALUE_MAX {
        return Err(ApiError::NotFound(nothing.into()));
    }
    // The patient ID stays out of the file name, which proxies and browsers keep.
    export(&req, &state, &user.principal, ExportScope::Patient(id), "patient-export.zip".into(), nothing).await
}

pub async fn user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    if !user.is_admin() && name != user.username {
        return Err(ApiError::Forbidden("an account's archive is for the account itself or an admin".into()));
    }
    let nothing = "no uploads of this account to export";
    if name.is_empty() || name.len() > PATH_VALUE_MAX {
        return Err(ApiError::NotFound(nothing.into()));
    }
    let filename = format!("user-{}.zip", file_name_segment(&name));
    export(&req, &state, &user.principal, ExportScope::Uploader(name), filename, nothing).await
}

pub async fn shared(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (link, principal) = link_principal(&req, &state, &path).await?;
    if !link.allow_download {
        return Err(ApiError::Forbidden("this link does not allow downloads".into()));
    }
    if let Some(context) = crate::deid::context(&link)? {
        let view = crate::deid::DeidView::load(&state, &principal, &link.study_uid, context).await?;
        let study = view.json(&state).await?;
        let access = Access::new(principal.actor(), Action::ExportStudy, &req).study(&link.study_uid);
        audit::record(&state, access.with("left_out", view.left_out)).await?;
        let filename = format!("study-{}.zip", view.context.uid(&view.study.summary.study_instance_uid));
        return Ok(HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .streaming(crate::deid::archive::stream(state.blobs.clone(), view, study)));
    }
    let filename = format!("study-{}.zip", file_name_segment(&link.study_uid));
    export(&req, &state, &principal, ExportScope::Study(link.study_uid.clone()), filename, "no such study").await
}
