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

/// OpenMetrics text (which Prometheus reads); nothing from a DICOM header, no UID or path.
/// The job backlog is read from the catalog now; if it cannot be, its series are left out.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.set_pool(state.catalog.pool_usage());
    match state.catalog.job_backlog().await {
        Ok(backlog) => state.metrics.set_backlog(&backlog),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the job backlog for /metrics");
            state.metrics.set_backlog(&[]);
        }
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render())
}
