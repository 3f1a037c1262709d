//! Counts every answered request and its latency by route *template*, method and status.
//! The template is the router's (`/api/studies/{study_uid}`), so no UID, token or search
//! term from a concrete path or query string reaches a label; a path no route matches is
//! `<unmatched>`, a fixed word, whatever was asked.
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::state::AppState;

pub async fn apply<B: MessageBody + 'static>(req: ServiceRequest, next: Next<B>) -> Result<ServiceResponse<B>, Error> {
    let started = Instant::now();
    let route = req.match_pattern().unwrap_or_else(|| "<unmatched>".to_owned());
    let method = req.method().clone();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let answer = next.call(req).await;
    if let Some(state) = state {
        let status = match &answer {
            Ok(res) => res.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        state.metrics.request(&route, method.as_str(), status, started.elapsed());
        if route == "/api/uploads" && method == actix_web::http::Method::POST {
            state.metrics.upload(status);
        }
    }
    answer
}
