//! Liveness, readiness and metrics.
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when both the catalog and the blob store answer; says which one does not.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog.health().await;
    let blobs = state.blobs.health().await;
    let word = |r: &Result<(), ferrum_store::StoreError>| if r.is_ok() { "ok" } else { "unavailable" };
    let body = json!({ "catalog": word(&catalog), "blob_store": word(&blobs) });
    if catalog.is_ok() && blobs.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text; counters only, nothing from a DICOM header.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
