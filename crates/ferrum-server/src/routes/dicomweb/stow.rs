//! STOW-RS (PS3.18 10.5): `POST /dicomweb/studies[/{study}]` with a `multipart/related;
//! type="application/dicom"` body, one object a part, through the same ingest session as
//! `POST /api/uploads` (framing, dedupe and conflicts, access, durability, audit), answered
//! with the Store Instances Response Module once every stored object is committed.
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::store_response;
use crate::audit::{self, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::ingest::framing::{self, Framing};
use crate::ingest::Uploader;
use crate::routes::studies::path_uid;
use crate::routes::uploads::{audit_upload, framing_error, ingest_error, too_large};
use crate::state::AppState;

pub async fn studies(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    store(&req, &state, &user, payload, None).await
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let study = path_uid(&path, "study")?.as_str().to_owned();
    store(&req, &state, &user, payload, Some(study)).await
}

/// The boundary of a `multipart/related` body of DICOM objects: 415 for any other media
/// type (the metadata-and-bulk-data form, `type="application/dicom+json"`, included), 400
/// for one without a boundary.
fn boundary(content_type: Option<&str>) -> Result<String, ApiError> {
    let wanted = "send multipart/related; type=\"application/dicom\"; boundary=…";
    let raw = content_type.ok_or_else(|| ApiError::UnsupportedMediaType(format!("missing Content-Type: {wanted}")))?;
    let mut params = raw.split(';');
    let media = params.next().unwrap_or("").trim().to_ascii_lowercase();
    if media != "multipart/related" {
        return Err(ApiError::UnsupportedMediaType(format!("Content-Type {media} is not accepted: {wanted}")));
    }
    let (mut part_type, mut boundary) = (None, None);
    for p in params {
        let Some((k, v)) = p.split_once('=') else { continue };
        let v = v.trim().trim_matches('"').to_owned();
        match k.trim().to_ascii_lowercase().as_str() {
            "type" => part_type = Some(v.to_ascii_lowercase()),
            "boundary" => boundary = Some(v),
            _ => {}
        }
    }
    // Without a `type`, each part's own Content-Type decides.
    if let Some(t) = part_type.filter(|t| t != "application/dicom") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "multipart/related of {t} is not accepted (only whole objects are stored): {wanted}"
        )));
    }
    match boundary.filter(|b| !b.is_empty() && b.len() <= 70) {
        Some(b) => Ok(b),
        None => Err(ApiError::BadRequest(format!("the multipart/related body names no usable boundary: {wanted}"))),
    }
}

/// The answer is DICOM JSON; a client that takes only XML is told so before anything is read.
fn check_accept(accept: Option<&str>) -> Result<(), ApiError> {
    let Some(accept) = accept else { return Ok(()) };
    let takes = accept.split(',').any(|r| {
        let media = r.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        matches!(media.as_str(), "application/dicom+json" | "application/json" | "application/*" | "*/*" | "")
    });
    if takes {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable("the store response is sent as application/dicom+json".into()))
    }
}

async fn store(
    req: &HttpRequest,
    state: &AppState,
    user: &AuthUser,
    payload: web::Payload,
    study: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let headers = req.headers();
    let boundary = boundary(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()))?;
    check_accept(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()))?;
    let limit = state.settings.max_upload_bytes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let uploader = Uploader {
        principal: user.principal.clone(),
        username: user.username.clone(),
        audit: audit::template(user.actor(), Action::Upload, req),
    };
    let mut session = state.ingestor.session(uploader);
    if let Some(study) = &study {
        session.only_study(study.clone());
    }
    let multipart = Multipart::new(&framing::related_headers(&boundary), payload);
    let parts =
        framing::ingest_multipart(&mut session, multipart, Framing::Related, &state.settings.spool_dir(), limit)
            .await
            .map_err(framing_error)?;
    if parts == 0 {
        return Err(ApiError::BadRequest("the multipart/related body has no parts".into()));
    }
    let (report, audited) = session.finish_audited().await.map_err(ingest_error)?;
    audit_upload(state, req, user, &report, &audited).await?;
    let base = super::metadata::dicomweb_base(req, state, "/dicomweb");
    let (status, body) = store_response::render(&report, &base, study.as_deref());
    Ok(HttpResponse::build(status).content_type(super::metadata::DICOM_JSON).body(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_is_read_with_the_type_quoted_or_not() {
        let ok = |ct: &str| boundary(Some(ct)).unwrap();
        assert_eq!(ok(r#"multipart/related; type="application/dicom"; boundary=abc"#), "abc");
        assert_eq!(ok(r#"multipart/related; type=application/dicom; boundary="a b:c""#), "a b:c");
        assert_eq!(ok("Multipart/Related; boundary=xyz; type=Application/DICOM"), "xyz");
        assert_eq!(ok("multipart/related; boundary=xyz"), "xyz");
    }

    #[test]
    fn other_media_types_are_415_and_a_missing_boundary_400() {
        let status = |ct: Option<&str>| actix_web::ResponseError::status_code(&boundary(ct).unwrap_err()).as_u16();
        assert_eq!(status(None), 415);
        assert_eq!(status(Some("application/dicom")), 415);
        assert_eq!(status(Some("multipart/form-data; boundary=x")), 415);
        assert_eq!(status(Some(r#"multipart/related; type="application/dicom+json"; boundary=x"#)), 415);
        assert_eq!(status(Some(r#"multipart/related; type="application/dicom""#)), 400);
    }

    #[test]
    fn only_json_answers_are_offered() {
        assert!(check_accept(None).is_ok());
        assert!(check_accept(Some("application/dicom+json")).is_ok());
        assert!(check_accept(Some("application/dicom+xml, */*;q=0.1")).is_ok());
        assert!(check_accept(Some("application/dicom+xml")).is_err());
    }
}
