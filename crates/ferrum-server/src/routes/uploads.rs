//! `POST /api/uploads`: one DICOM object, a ZIP, or multipart/form-data of either.
use std::collections::HashSet;

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::{Stream, StreamExt};
use serde_json::json;

use crate::audit::{self, Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::ingest::{IngestError, Origin, Session, SpoolError, SpoolWriter, UploadReport, Uploader};
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

fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!("the upload is larger than the limit of {limit} bytes (FERRUM_MAX_UPLOAD_BYTES)"))
}

fn spool_error(e: SpoolError) -> ApiError {
    match e {
        SpoolError::TooLarge(limit) => too_large(limit),
        SpoolError::Io(e) => ApiError::internal(e),
    }
}

fn ingest_error(e: IngestError) -> ApiError {
    match e {
        IngestError::Store(s) => s.into(),
        IngestError::Worker(w) => ApiError::internal(anyhow::anyhow!(w)),
    }
}

async fn spool_stream<S, E>(
    state: &AppState,
    mut stream: S,
    limit: u64,
    size_hint: Option<u64>,
) -> Result<crate::ingest::Spooled, ApiError>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut writer = SpoolWriter::new(&state.settings.spool_dir(), limit, size_hint);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the upload stream broke off: {e}")))?;
        writer.write(&chunk).await.map_err(spool_error)?;
    }
    writer.finish().await.map_err(spool_error)
}

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
            let spooled = spool_stream(&state, payload, limit, declared).await?;
            if spooled.len == 0 {
                return Err(ApiError::Unprocessable {
                    code: "empty_upload",
                    message: "the request body is empty".into(),
                });
            }
            session.add(body_name(&req, fallback), spooled, Origin::Direct).await.map_err(ingest_error)?;
        }
        Body::Multipart => ingest_multipart(&state, &req, payload, &mut session, limit).await?,
    }
    let (report, audited) = session.finish_audited().await.map_err(ingest_error)?;
    audit_upload(&state, &req, &user, &report, &audited).await?;
    Ok(respond(report))
}

async fn ingest_multipart(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    session: &mut Session<'_>,
    limit: u64,
) -> Result<(), ApiError> {
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut remaining = limit;
    let mut parts = 0usize;
    while let Some(field) = multipart.next().await {
        let field = field.map_err(|e| ApiError::BadRequest(format!("malformed multipart body: {e}")))?;
        parts += 1;
        let name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(str::to_owned))
            .unwrap_or_else(|| format!("part-{parts}"));
        let spooled = spool_stream(state, field, remaining, None).await?;
        remaining -= spooled.len;
        if spooled.len == 0 {
            session.report.push(crate::ingest::FileReport::rejected(name, "empty file"));
            continue;
        }
        session.add(name, spooled, Origin::Collection).await.map_err(ingest_error)?;
    }
    if parts == 0 {
        return Err(ApiError::Unprocessable {
            code: "empty_upload",
            message: "the multipart body has no parts".into(),
        });
    }
    Ok(())
}

/// Records the upload for every study it touched whose event was not committed with its
/// rows (all duplicates, refusals), and for an upload that touched no study: exactly one
/// event per upload and study.
async fn audit_upload(
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
