//! HTTP routes: thin handlers that extract, authorise, call one service and map the result.
mod auth;
mod health;
mod images;
mod instances;
mod studies;
mod uploads;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .service(
            web::scope("/api")
                .route("/auth/login", web::post().to(auth::login))
                .route("/me", web::get().to(auth::me))
                .route("/uploads", web::post().to(uploads::upload))
                .route("/studies", web::get().to(studies::list))
                .route("/studies/{study_uid}", web::get().to(studies::get))
                .route("/studies/{study_uid}/thumbnail", web::get().to(images::study_thumbnail))
                .route("/series/{series_uid}/thumbnail", web::get().to(images::series_thumbnail))
                .route("/instances/{sop_uid}/file", web::get().to(instances::file))
                .route("/instances/{sop_uid}/rendered", web::get().to(images::rendered))
                .route("/audit", web::get().to(studies::audit))
                .default_service(web::to(not_found)),
        );
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    Err(crate::error::ApiError::NotFound("no such API route".into()))
}
