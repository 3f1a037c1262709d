//! DICOMweb (PS3.18) under `/dicomweb`, answered from the catalog and the blob store through
//! the same access predicate as the JSON API.
mod metadata;
mod qido;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/dicomweb")
            .route("/studies", web::get().to(qido::studies))
            .route("/studies/{study}/series", web::get().to(qido::study_series))
            .route("/series", web::get().to(qido::series))
            .route("/studies/{study}/series/{series}/instances", web::get().to(qido::series_instances))
            .route("/studies/{study}/instances", web::get().to(qido::study_instances))
            .route("/instances", web::get().to(qido::instances))
            .route("/studies/{study}/metadata", web::get().to(metadata::study))
            .route("/studies/{study}/series/{series}/metadata", web::get().to(metadata::series))
            .route("/studies/{study}/series/{series}/instances/{sop}/metadata", web::get().to(metadata::instance)),
    );
}
