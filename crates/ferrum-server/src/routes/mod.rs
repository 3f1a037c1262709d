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
mod rectify;
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/v/{token}", web::get().to(share::viewer))
        .route("/", web::get().to(webapp::app))
        .route("/assets/{path:.*}", web::get().to(webapp::asset))
        .route("/wado", web::get().to(dicomweb::wado_uri::wado))
        .route("/ohif", web::get().to(ohif::root))
        .route("/ohif/app-config.js", web::get().to(ohif::app_config))
        .route("/ohif/{path:.*}", web::get().to(ohif::file))
        .configure(dicomweb::configure)
        .service(
            web::scope("/api")
                .route("/auth/login", web::post().to(auth::login))
                .route("/auth/refresh", web::post().to(auth::refresh))
                .route("/auth/logout", web::post().to(auth::logout))
                .route("/me", web::get().to(me::me))
                .route("/me/mfa/totp", web::post().to(me::enrol))
                .route("/me/mfa/totp", web::delete().to(me::disable))
                .route("/me/mfa/totp/verify", web::post().to(me::verify))
                .route("/me/sessions", web::get().to(me::sessions))
                .route("/me/sessions", web::delete().to(me::end_other_sessions))
                .route("/me/sessions/{id}", web::delete().to(me::end_session))
                .route("/me/password", web::post().to(me::change_password))
                .route("/settings/mfa", web::get().to(settings::get_mfa))
                .route("/settings/mfa", web::put().to(settings::put_mfa))
                .route("/users", web::post().to(users::create))
                .route("/users", web::get().to(users::list))
                .route("/users/{name}", web::patch().to(users::update))
                .route("/users/{name}", web::delete().to(users::delete))
                .route("/users/{name}/unlock", web::post().to(users::unlock))
                .route("/uploads", web::post().to(uploads::upload))
                .route("/studies", web::get().to(studies::list))
                .route("/studies/{study_uid}", web::get().to(studies::get))
                .route("/studies/{study_uid}", web::delete().to(erase::study))
                .route("/studies/{study_uid}", web::patch().to(rectify::patch))
                .route("/series/{series_uid}", web::delete().to(erase::series))
                .route("/patients/{patient_id}", web::delete().to(erase::patient))
                .route("/patients/{patient_id}/archive", web::get().to(archive::patient))
                .route("/users/{name}/archive", web::get().to(archive::user))
                .route("/studies/{study_uid}/thumbnail", web::get().to(images::study_thumbnail))
                .route("/series/{series_uid}/thumbnail", web::get().to(images::series_thumbnail))
                .route("/instances/{sop_uid}/file", web::get().to(instances::file))
                .route("/instances/{sop_uid}/rendered", web::get().to(images::rendered))
                .route("/instances/{sop_uid}/values", web::get().to(images::values))
                .route("/studies/{study_uid}/archive", web::get().to(archive::study))
                .route("/studies/{study_uid}/grants", web::get().to(grants::list))
                .route("/studies/{study_uid}/grants", web::put().to(grants::put))
                .route("/studies/{study_uid}/grants/{grantee}", web::delete().to(grants::delete))
                .route("/studies/{study_uid}/owner", web::put().to(grants::transfer))
                .route("/studies/{study_uid}/restriction", web::get().to(restriction::get))
                .route("/studies/{study_uid}/restriction", web::put().to(restriction::put))
                .route("/studies/{study_uid}/restriction", web::delete().to(restriction::delete))
                .route("/studies/{study_uid}/retention", web::put().to(retention::put_retention))
                .route("/studies/{study_uid}/retention", web::delete().to(retention::delete_retention))
                .route("/studies/{study_uid}/legal-hold", web::put().to(retention::put_hold))
                .route("/studies/{study_uid}/legal-hold", web::delete().to(retention::delete_hold))
                .route("/groups", web::post().to(groups::create))
                .route("/groups", web::get().to(groups::list))
                .route("/groups/{name}", web::patch().to(groups::rename))
                .route("/groups/{name}", web::delete().to(groups::delete))
                .route("/groups/{name}/members/{user}", web::put().to(groups::add_member))
                .route("/groups/{name}/members/{user}", web::delete().to(groups::remove_member))
                .route("/directory", web::get().to(groups::directory))
                .route("/dicom-nodes", web::post().to(dicom_nodes::create))
                .route("/dicom-nodes", web::get().to(dicom_nodes::list))
                .route("/dicom-nodes/{ae_title}", web::patch().to(dicom_nodes::update))
                .route("/dicom-nodes/{ae_title}", web::delete().to(dicom_nodes::delete))
                .route("/studies/{study_uid}/links", web::post().to(links::create))
                .route("/studies/{study_uid}/links", web::get().to(links::list))
                .route("/links/{id}", web::delete().to(links::revoke))
                .route("/links/{id}/access", web::get().to(links::access_log))
                .route("/share/{token}/about", web::get().to(share::about))
                .route("/share/{token}/study", web::get().to(share::study))
                .route("/share/{token}/unlock", web::post().to(share::unlock))
                .route("/share/{token}/archive", web::get().to(archive::shared))
                .route("/share/{token}/series/{series_uid}/thumbnail", web::get().to(share::series_thumbnail))
                .route("/share/{token}/instances/{sop_uid}/rendered", web::get().to(share::rendered))
                .route("/share/{token}/instances/{sop_uid}/values", web::get().to(share::values))
                .route("/audit", web::get().to(audit::list))
                .route("/studies/{study_uid}/access", web::get().to(audit::study_access))
                .route("/me/activity", web::get().to(audit::my_activity))
                .default_service(web::to(not_found)),
        );
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    Err(crate::error::ApiError::NotFound("no such API route".into()))
}
