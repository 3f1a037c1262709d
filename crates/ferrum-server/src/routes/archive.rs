//! `GET /api/studies/{study}/archive` (the owner or an admin) and
//! `GET /api/share/{token}/archive` (a link holder, when the link allows downloads).
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::model::StudyDetail;

use super::share::link_principal;
use super::studies::{path_uid, visible_study};
use crate::audit::{self, Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

fn zip_response(state: &AppState, study: StudyDetail) -> HttpResponse {
    // The UID may hold quotes or slashes: the file name is made safe (see archive.rs).
    let filename = format!("study-{}.zip", crate::archive::file_name_segment(&study.summary.study_instance_uid));
    HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(crate::archive::stream(state.blobs.clone(), study))
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uid = path_uid(&path, "study")?;
    let Some(study) = visible_study(&state, &user, &uid).await? else {
        return Err(ApiError::NotFound("no such study".into()));
    };
    audit::record(&state, Access::new(user.actor(), Action::ExportStudy, &req).study(uid.as_str())).await?;
    Ok(zip_response(&state, study))
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
        audit::record(&state, access.with("deidentified", true).with("left_out", view.left_out)).await?;
        let filename = format!("study-{}.zip", view.context.uid(&view.study.summary.study_instance_uid));
        return Ok(HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .streaming(crate::deid::archive::stream(state.blobs.clone(), view, study)));
    }
    let study = state
        .catalog
        .get_study(&principal, &link.study_uid)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such study".into()))?;
    let access = Access::new(principal.actor(), Action::ExportStudy, &req).study(&link.study_uid);
    audit::record(&state, access).await?;
    Ok(zip_response(&state, study))
}
