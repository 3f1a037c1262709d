//! Gives every request an id (`X-Request-Id`, the caller's own when it sent a sane one, also
//! on its log span and its audit events)
//! and records, for every `/api` and `/v` request, what its handler did not: refusals by the
//! extractors (no token, expired, forged), not-found probes of others' UIDs, errors, and
//! any allowed answer a handler forgot — that last one before the answer leaves, so that
//! nothing is served unrecorded (a failure to record turns it into a 503). Refusals of
//! callers nobody could identify are coalesced per address and minute, so that a flood of
//! bad tokens cannot grow the trail without bound.
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, ResponseError};

use super::{routes, Access, ActorName, Audited, Outcome, RequestId};
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub async fn apply<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let id = RequestId::from_header(req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok())).0;
    req.extensions_mut().insert(RequestId(id.clone()));
    let action = routes::action_for(req.method().as_str(), req.match_pattern().as_deref(), req.path());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let header = HeaderValue::from_str(&id).ok();
    let mut res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            // Answered as an error later by actix; nothing of the request is left to record
            // but the fact, which the log span keeps with this id.
            tracing::warn!(
                request_id = %id,
                status = e.as_response_error().status_code().as_u16(),
                "request failed before an answer"
            );
            return Err(e);
        }
    };
    if let Some(h) = header.clone() {
        res.headers_mut().insert(REQUEST_ID, h);
    }
    let (Some(action), Some(state)) = (action, state) else {
        return Ok(res.map_into_left_body());
    };
    if res.request().extensions().get::<Audited>().is_some() {
        return Ok(res.map_into_left_body());
    }
    let http = res.request().clone();
    let status = res.status().as_u16();
    let actor = http.extensions().get::<ActorName>().map(|a| a.0.clone());
    let identified = actor.is_some();
    let mut access = Access::new(actor.unwrap_or_else(|| "anonymous".into()), action, &http)
        .outcome(Outcome::of_status(status))
        .with("status", status);
    let info = http.match_info();
    if let Some(uid) = info.get("study_uid") {
        access = access.study(uid);
    }
    if let Some(uid) = info.get("series_uid") {
        access.event.series_uid = Some(uid.to_owned());
    }
    if let Some(uid) = info.get("sop_uid") {
        access.event.sop_uid = Some(uid.to_owned());
    }
    let allowed = access.event.outcome == Outcome::Allowed;
    if !identified && !allowed && state.audit.coalescer.absorb(&access.event) {
        return Ok(res.map_into_left_body());
    }
    match state.audit.append(&access.event).await {
        Ok(_) => Ok(res.map_into_left_body()),
        Err(e) if allowed => {
            let mut answer = e.error_response();
            if let Some(h) = header {
                answer.headers_mut().insert(REQUEST_ID, h);
            }
            Ok(ServiceResponse::new(http, answer).map_into_right_body())
        }
        // The refusal stands either way; the log has the failure.
        Err(_) => Ok(res.map_into_left_body()),
    }
}
