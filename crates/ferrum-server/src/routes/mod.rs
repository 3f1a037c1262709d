//! HTTP routes: thin handlers that extract, authorise, call one service and map the result.
mod archive;
mod audit;
pub(crate) mod auth;
pub(crate) mod dicom_nodes;
pub(crate) mod dicomweb;
mod erase;
mod grants;
mod groups;
mod health;
mod images;
mod instances;
mod links;
mod me;
mod ohif;
pub(crate) mod openapi;
mod rectify;
pub(crate) mod registry;
mod restriction;
mod retention;
mod settings;
mod share;
mod studies;
mod studies_csv;
mod uploads;
mod users;
mod webapp;

use actix_web::web;
use registry::{Log, Routes};

pub fn configure(cfg: &mut web::ServiceConfig) {
    register(cfg, &None);
}

/// Every route of the server, each added once through [`Routes`] so that `log` (when given)
/// lists them all.
#[rustfmt::skip]
pub(crate) fn register(cfg: &mut web::ServiceConfig, log: &Log) {
    Routes::new(&mut *cfg, "", log)
        .get("/healthz", health::healthz)
        .get("/readyz", health::readyz)
        .get("/metrics", health::metrics)
        .get("/v/{token}", share::viewer)
        .get("/", webapp::app)
        .get("/assets/{path:.*}", webapp::asset)
        .get("/wado", dicomweb::wado_uri::wado)
        .get("/ohif", ohif::root)
        .get("/ohif/app-config.js", ohif::app_config)
        .get("/ohif/{path:.*}", ohif::file);
    dicomweb::register(cfg, log);
    let api = Routes::new(web::scope("/api"), "/api", log)
                .get("/openapi.json", openapi::document)
                .get("/docs", openapi::reference_page)
                .post("/auth/login", auth::login)
                .post("/auth/refresh", auth::refresh)
                .post("/auth/logout", auth::logout)
                .get("/me", me::me)
                .post("/me/mfa/totp", me::enrol)
                .delete("/me/mfa/totp", me::disable)
                .post("/me/mfa/totp/verify", me::verify)
                .get("/me/sessions", me::sessions)
                .delete("/me/sessions", me::end_other_sessions)
                .delete("/me/sessions/{id}", me::end_session)
                .post("/me/password", me::change_password)
                .get("/settings/mfa", settings::get_mfa)
                .put("/settings/mfa", settings::put_mfa)
                .post("/users", users::create)
                .get("/users", users::list)
                .patch("/users/{name}", users::update)
                .delete("/users/{name}", users::delete)
                .post("/users/{name}/unlock", users::unlock)
                .post("/uploads", uploads::upload)
                .get("/studies", studies::list)
                .get("/studies/{study_uid}", studies::get)
                .delete("/studies/{study_uid}", erase::study)
                .patch("/studies/{study_uid}", rectify::patch)
                .delete("/series/{series_uid}", erase::series)
                .delete("/patients/{patient_id}", erase::patient)
                .get("/patients/{patient_id}/archive", archive::patient)
                .get("/users/{name}/archive", archive::user)
                .get("/studies/{study_uid}/thumbnail", images::study_thumbnail)
                .get("/series/{series_uid}/thumbnail", images::series_thumbnail)
                .get("/instances/{sop_uid}/file", instances::file)
                .get("/instances/{sop_uid}/rendered", images::rendered)
                .get("/instances/{sop_uid}/values", images::values)
                .get("/studies/{study_uid}/archive", archive::study)
                .get("/studies/{study_uid}/grants", grants::list)
                .put("/studies/{study_uid}/grants", grants::put)
                .delete("/studies/{study_uid}/grants/{grantee}", grants::delete)
                .put("/studies/{study_uid}/owner", grants::transfer)
                .get("/studies/{study_uid}/restriction", restriction::get)
                .put("/studies/{study_uid}/restriction", restriction::put)
                .delete("/studies/{study_uid}/restriction", restriction::delete)
                .put("/studies/{study_uid}/retention", retention::put_retention)
                .delete("/studies/{study_uid}/retention", retention::delete_retention)
                .put("/studies/{study_uid}/legal-hold", retention::put_hold)
                .delete("/studies/{study_uid}/legal-hold", retention::delete_hold)
                .post("/groups", groups::create)
                .get("/groups", groups::list)
                .patch("/groups/{name}", groups::rename)
                .delete("/groups/{name}", groups::delete)
                .put("/groups/{name}/members/{user}", groups::add_member)
                .delete("/groups/{name}/members/{user}", groups::remove_member)
                .get("/directory", groups::directory)
                .post("/dicom-nodes", dicom_nodes::create)
                .get("/dicom-nodes", dicom_nodes::list)
                .patch("/dicom-nodes/{ae_title}", dicom_nodes::update)
                .delete("/dicom-nodes/{ae_title}", dicom_nodes::delete)
                .post("/studies/{study_uid}/links", links::create)
                .get("/studies/{study_uid}/links", links::list)
                .delete("/links/{id}", links::revoke)
                .get("/links/{id}/access", links::access_log)
                .get("/share/{token}/about", share::about)
                .get("/share/{token}/study", share::study)
                .post("/share/{token}/unlock", share::unlock)
                .get("/share/{token}/archive", archive::shared)
                .get("/share/{token}/series/{series_uid}/thumbnail", share::series_thumbnail)
                .get("/share/{token}/instances/{sop_uid}/rendered", share::rendered)
                .get("/share/{token}/instances/{sop_uid}/values", share::values)
                .get("/audit", audit::list)
                .get("/studies/{study_uid}/access", audit::study_access)
                .get("/me/activity", audit::my_activity)
                .done();
    cfg.service(api.default_service(web::to(not_found)));
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    Err(crate::error::ApiError::NotFound("no such API route".into()))
}
