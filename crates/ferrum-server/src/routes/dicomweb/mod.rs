//! DICOMweb (PS3.18) under `/dicomweb`, answered from the catalog and the blob store through
//! the same access predicate as the JSON API.
mod metadata;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/dicomweb")
            .route("/studies/{study}/metadata", web::get().to(metadata::study))
            .route("/studies/{study}/series/{series}/metadata", web::get().to(metadata::series))
            .route("/studies/{study}/series/{series}/instances/{sop}/metadata", web::get().to(metadata::instance)),
    );
}
