//! DICOMweb (PS3.18) under `/dicomweb` (bearer token) and under a viewer link's own root,
//! `/share/{token}/dicomweb`: STOW-RS through the ingest pipeline (accounts only), the rest
//! answered from the catalog and the blob store through the same access predicate as the
//! JSON API. Both roots register the same read handlers; the caller ([`caller::Caller`])
//! decides what each may see.
mod accept;
mod caller;
mod deidentified;
mod frames;
mod metadata;
mod pictures;
pub(crate) mod qido;
mod retrieve;
mod store_response;
mod stow;
mod target;
pub(super) mod wado_uri;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(store(tree(web::scope("/dicomweb")))).service(tree(web::scope("/share/{token}/dicomweb")));
}

// STOW-RS, for accounts only (a viewer link never writes): under `/dicomweb` alone.
#[rustfmt::skip]
fn store(root: actix_web::Scope) -> actix_web::Scope {
    root
            .route("/studies", web::post().to(stow::studies))
            .route("/studies/{study}", web::post().to(stow::study))
}

// One route per line, as tests/e2e/authz.rs reads them from this file (each under both roots).
#[rustfmt::skip]
fn tree(root: actix_web::Scope) -> actix_web::Scope {
    root
            .route("/studies", web::get().to(qido::studies))
            .route("/studies/{study}/series", web::get().to(qido::study_series))
            .route("/series", web::get().to(qido::series))
            .route("/studies/{study}/series/{series}/instances", web::get().to(qido::series_instances))
            .route("/studies/{study}/instances", web::get().to(qido::study_instances))
            .route("/instances", web::get().to(qido::instances))
            .route("/studies/{study}/metadata", web::get().to(metadata::study))
            .route("/studies/{study}/series/{series}/metadata", web::get().to(metadata::series))
            .route("/studies/{study}/series/{series}/instances/{sop}/metadata", web::get().to(metadata::instance))
            .route("/studies/{study}", web::get().to(retrieve::study))
            .route("/studies/{study}/series/{series}", web::get().to(retrieve::series))
            .route("/studies/{study}/series/{series}/instances/{sop}", web::get().to(retrieve::instance))
            .route("/studies/{study}/series/{series}/instances/{sop}/frames/{frames}", web::get().to(frames::frames))
            .route("/studies/{study}/series/{series}/instances/{sop}/rendered", web::get().to(pictures::instance_rendered))
            .route("/studies/{study}/series/{series}/instances/{sop}/frames/{frame}/rendered", web::get().to(pictures::frame_rendered))
            .route("/studies/{study}/thumbnail", web::get().to(pictures::study_thumbnail))
            .route("/studies/{study}/series/{series}/thumbnail", web::get().to(pictures::series_thumbnail))
            .route("/studies/{study}/series/{series}/instances/{sop}/thumbnail", web::get().to(pictures::instance_thumbnail))
}
