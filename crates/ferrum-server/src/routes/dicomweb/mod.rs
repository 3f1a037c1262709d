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

use super::registry::{Log, Routes};

/// The roots the read tree is served under, and the one STOW-RS is.
pub const ROOTS: [&str; 2] = ["/dicomweb", "/share/{token}/dicomweb"];

pub fn register(cfg: &mut web::ServiceConfig, log: &Log) {
    let bearer = tree(store(Routes::new(web::scope(ROOTS[0]), ROOTS[0], log)));
    cfg.service(bearer.done()).service(tree(Routes::new(web::scope(ROOTS[1]), ROOTS[1], log)).done());
}

// STOW-RS, for accounts only (a viewer link never writes): under `/dicomweb` alone.
#[rustfmt::skip]
fn store(root: Routes<actix_web::Scope>) -> Routes<actix_web::Scope> {
    root
            .post("/studies", stow::studies)
            .post("/studies/{study}", stow::study)
}

// Served under both roots.
#[rustfmt::skip]
fn tree(root: Routes<actix_web::Scope>) -> Routes<actix_web::Scope> {
    root
            .get("/studies", qido::studies)
            .get("/studies/{study}/series", qido::study_series)
            .get("/series", qido::series)
            .get("/studies/{study}/series/{series}/instances", qido::series_instances)
            .get("/studies/{study}/instances", qido::study_instances)
            .get("/instances", qido::instances)
            .get("/studies/{study}/metadata", metadata::study)
            .get("/studies/{study}/series/{series}/metadata", metadata::series)
            .get("/studies/{study}/series/{series}/instances/{sop}/metadata", metadata::instance)
            .get("/studies/{study}", retrieve::study)
            .get("/studies/{study}/series/{series}", retrieve::series)
            .get("/studies/{study}/series/{series}/instances/{sop}", retrieve::instance)
            .get("/studies/{study}/series/{series}/instances/{sop}/frames/{frames}", frames::frames)
            .get("/studies/{study}/series/{series}/instances/{sop}/rendered", pictures::instance_rendered)
            .get("/studies/{study}/series/{series}/instances/{sop}/frames/{frame}/rendered", pictures::frame_rendered)
            .get("/studies/{study}/thumbnail", pictures::study_thumbnail)
            .get("/studies/{study}/series/{series}/thumbnail", pictures::series_thumbnail)
            .get("/studies/{study}/series/{series}/instances/{sop}/thumbnail", pictures::instance_thumbnail)
}
