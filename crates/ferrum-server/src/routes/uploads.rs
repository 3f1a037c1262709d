//! `POST /api/uploads`: one DICOM object, a ZIP, or multipart/form-data of either.
use std::collections::HashSet;

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::audit::{self, Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::ingest::framing::{self, Framing, FramingError};
use crate::ingest::{IngestError, Origin, UploadReport, Uploader};
use crate::state::AppState;

enum Body {
    Dicom,
    Zip,
    Multipart,
}

fn body_kind(req: &HttpRequest) -> Result<Body, ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "application/dicom" => Ok(Body::Dicom),
        "application/zip" | "application/x-zip-compressed" => Ok(Body::Zip),
        "multipart/form-data" => Ok(Body::Multipart),
        "" => Err(ApiError::UnsupportedMediaType(
            "missing Content-Type: send application/dicom, application/zip or multipart/form-data".into(),
        )),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type {other} is not accepted: send application/dicom, application/zip or multipart/form-data"
        ))),
    }
}

/// The name to report for a body sent without multipart: its Content-Disposition file name,
/// or a generic one.
fn body_name(req: &HttpRequest, fallback: &str) -> String {
    req.headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').find_map(|p| p.trim().strip_prefix("filename=")))
        .map(|n| n.trim_matches('"').to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| fallback.to_owned())
}

pub(crate) fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!("the upload is larger than the limit of {limit} bytes (FERRUM_MAX_UPLOAD_BYTES)"))
}

/// What a body that could not be read to its end answers.
pub(crate) fn framing_error(e: FramingError) -> ApiError {
    match e {
        FramingError::Malformed(m) => ApiError::BadRequest(format!("malformed multipart body: {m}")),
        FramingError::BrokeOff(m) => ApiError::BadRequest(format!("the upload stream broke off: {m}")),
        FramingError::TooLarge(limit) => too_large(limit),
        FramingError::Spool(e) => ApiError::internal(e),
        FramingError::Ingest(e) => ingest_error(e),
    }
}

pub(crate) fn ingest_error(e: IngestError) -> ApiError {
    match e {
        IngestError::Store(s) => s.into(),
        IngestError::Worker(w) => ApiError::internal(anyhow::anyhow!(w)),
    }
}

#[tracing::instrument(name = "upload", skip_all, fields(files = tracing::field::Empty))]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let kind = body_kind(&req)?;
    let limit = state.settings.max_upload_bytes;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let uploader = Uploader {
        principal: user.principal.clone(),
        username: user.username.clone(),
        audit: audit::template(user.actor(), Action::Upload, &req),
    };
    let mut session = state.ingestor.session(uploader);
    match kind {
        Body::Dicom | Body::Zip => {
            let fallback = if matches!(kind, Body::Zip) { "upload.zip" } else { "upload.dcm" };
            let spooled = framing::spool_stream(&state.settings.spool_dir(), payload, limit, declared)
                .await
                .map_err(framing_error)?;
            if spooled.len == 0 {
                return Err(ApiError::Unprocessable {
                    code: "empty_upload",
                    message: "the request body is empty".into(),
                });
            }
            session.add(body_name(&req, fallback), spooled, Origin::Direct).await.map_err(ingest_error)?;
        }
        Body::Multipart => {
            let multipart = Multipart::new(req.headers(), payload);
            let spool_dir = state.settings.spool_dir();
            let parts = framing::ingest_multipart(&mut session, multipart, Framing::FormData, &spool_dir, limit)
                .await
                .map_err(framing_error)?;
            if parts == 0 {
                return Err(ApiError::Unprocessable {
                    code: "empty_upload",
                    message: "the multipart body has no parts".into(),
                });
            }
        }
    }
    let (report, audited) = session.finish_audited().await.map_err(ingest_error)?;
    tracing::Span::current().record("files", report.files.len());
    audit_upload(&state, &req, &user, &report, &audited).await?;
    Ok(respond(report))
}

/// Records the upload for every study it touched whose event was not committed with its
/// rows (all duplicates, refusals), and for an upload that touched no study: exactly one
/// event per upload and study.
pub(crate) async fn audit_upload(
    state: &AppState,
    req: &HttpRequest,
    user: &AuthUser,
    report: &UploadReport,
    audited: &HashSet<String>,
) -> Result<(), ApiError> {
    let counts = serde_json::json!({
        "stored": report.stored, "duplicates": report.duplicates,
        "rejected": report.rejected, "skipped": report.skipped,
    });
    if report.studies.is_empty() {
        let access = Access::new(user.actor(), Action::Upload, req).denied("nothing_accepted").with("files", &counts);
        return audit::record(state, access).await;
    }
    for study in report.studies.iter().filter(|s| !audited.contains(&s.study_instance_uid)) {
        let access =
            Access::new(user.actor(), Action::Upload, req).study(&study.study_instance_uid).with("files", &counts);
        audit::record(state, access).await?;
    }
    audit::mark_recorded(req);
    Ok(())
}

/// 201 when something was stored, 200 when all were already there, 422 when nothing was
/// accepted (the body still lists every file).
fn respond(report: UploadReport) -> HttpResponse {
    if report.stored > 0 {
        HttpResponse::Created().json(report)
    } else if report.accepted_any() {
        HttpResponse::Ok().json(report)
    } else {
        let mut body = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
        body["error"] = json!("nothing_accepted");
        body["message"] = json!("no file of the upload was accepted; see the reason given for each file");
        HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY).json(body)
    }
}
