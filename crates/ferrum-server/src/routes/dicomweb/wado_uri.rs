//! WADO-URI (PS3.18 9, the URI service older viewers and scripts use): `GET /wado?
//! requestType=WADO&studyUID=&seriesUID=&objectUID=` answers one instance as a picture
//! (`image/jpeg`, the default for images, or `image/png`) or as the stored object
//! (`application/dicom`, the default for objects without pixels), through the same access
//! predicate, renderer and audit trail as WADO-RS.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_dicom::render::{ImageFormat, RenderOptions, Window};
use ferrum_store::BlobKey;

use super::accept::EXPLICIT_LE;
use super::caller::Caller;
use super::frames::read_object;
use crate::audit::{self, Access, Action};
use crate::error::ApiError;
use crate::state::AppState;

/// Largest picture edge a request may ask for.
const MAX_EDGE: u32 = 4096;

/// Parameters this server does not do; asked for, they are refused rather than ignored,
/// since what comes back would not be what was asked (an annotated or anonymized picture).
const UNSUPPORTED: &[&str] = &["anonymize", "annotation", "region", "presentationUID", "presentationSeriesUID"];

#[derive(Debug, PartialEq)]
enum Content {
    Dicom,
    Picture(ImageFormat),
}

#[derive(Debug)]
struct Request {
    study: String,
    series: String,
    sop: String,
    content: Option<Content>,
    frame: u32,
    window: Option<Window>,
    edge: Option<u32>,
    transfer_syntax: Option<String>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadRequest(message.into())
}

fn positive(key: &str, raw: &str) -> Result<u32, ApiError> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| bad(format!("{key} must be a whole number from 1")))
}

fn decimal(key: &str, raw: &str) -> Result<f64, ApiError> {
    raw.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| bad(format!("{key} must be a number")))
}

/// `contentType`: a comma-separated list in the client's order; the first this server makes.
fn content(raw: &str) -> Result<Content, ApiError> {
    for media in raw.split(',').map(|m| m.split(';').next().unwrap_or("").trim().to_ascii_lowercase()) {
        match media.as_str() {
            "application/dicom" => return Ok(Content::Dicom),
            "image/jpeg" | "image/*" | "*/*" => return Ok(Content::Picture(ImageFormat::Jpeg)),
            "image/png" => return Ok(Content::Picture(ImageFormat::Png)),
            _ => {}
        }
    }
    Err(ApiError::NotAcceptable(format!(
        "contentType {raw:?} names nothing this server sends: application/dicom, image/jpeg or image/png"
    )))
}

fn parse(params: Vec<(String, String)>) -> Result<Request, ApiError> {
    let (mut kind, mut study, mut series, mut sop) = (None, None, None, None);
    let mut req = Request {
        study: String::new(),
        series: String::new(),
        sop: String::new(),
        content: None,
        frame: 1,
        window: None,
        edge: None,
        transfer_syntax: None,
    };
    let (mut center, mut width, mut rows, mut columns) = (None, None, None, None);
    for (key, value) in params {
        match key.as_str() {
            "requestType" => kind = Some(value),
            "studyUID" => study = Some(value),
            "seriesUID" => series = Some(value),
            "objectUID" => sop = Some(value),
            "contentType" => req.content = Some(content(&value)?),
            "frameNumber" => req.frame = positive("frameNumber", &value)?,
            "windowCenter" => center = Some(decimal("windowCenter", &value)?),
            "windowWidth" => width = Some(decimal("windowWidth", &value)?),
            "rows" => rows = Some(positive("rows", &value)?.min(MAX_EDGE)),
            "columns" => columns = Some(positive("columns", &value)?.min(MAX_EDGE)),
            "transferSyntax" => req.transfer_syntax = Some(value.trim().to_owned()),
            k if UNSUPPORTED.contains(&k) => return Err(bad(format!("the {k} parameter is not supported"))),
            // imageQuality, charset and extensions: nothing this server does differently.
            _ => {}
        }
    }
    if kind.as_deref() != Some("WADO") {
        return Err(bad("requestType=WADO is required"));
    }
    let need =
        |v: Option<String>, name: &str| v.filter(|v| !v.is_empty()).ok_or_else(|| bad(format!("{name} is required")));
    req.study = need(study, "studyUID")?;
    req.series = need(series, "seriesUID")?;
    req.sop = need(sop, "objectUID")?;
    req.window = match (center, width) {
        (None, None) => None,
        (Some(center), Some(width)) if width > 0.0 => Some(Window { center, width }),
        (Some(_), Some(_)) => return Err(bad("windowWidth must be greater than 0")),
        _ => return Err(bad("windowCenter and windowWidth go together")),
    };
    // The picture fits both bounds: the smaller is its longest edge.
    req.edge = match (rows, columns) {
        (Some(r), Some(c)) => Some(r.min(c)),
        (r, c) => r.or(c),
    };
    let picture_only = req.window.is_some() || req.edge.is_some() || req.frame != 1;
    if req.content == Some(Content::Dicom) && picture_only {
        return Err(bad("frameNumber, windowCenter/windowWidth, rows and columns apply to image content types only"));
    }
    if req.transfer_syntax.is_some() && req.content != Some(Content::Dicom) {
        return Err(bad("transferSyntax applies to contentType=application/dicom only"));
    }
    Ok(req)
}

pub async fn wado(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let wanted = parse(params.into_inner())?;
    let ids = (wanted.study.as_str(), wanted.series.as_str(), wanted.sop.as_str());
    let dicom_by_default = || Access::new(caller.actor(), Action::DownloadInstance, &req);
    // Whether the default is the object or a picture depends on what the object is, which
    // only the catalog knows; an image is what old viewers ask this for.
    let asked_dicom = wanted.content == Some(Content::Dicom);
    let access = match &wanted.content {
        Some(Content::Dicom) => dicom_by_default(),
        _ => Access::new(caller.actor(), Action::ViewImage, &req).with("resource", "rendered"),
    };
    let scope = super::target::instance(ids.0, ids.1, ids.2)?;
    let access = super::target::locate(access, &scope).with("via", "wado-uri");
    let (mut instances, access) = super::retrieve::visible(&state, &caller, &scope, access).await?;
    let instance = instances.swap_remove(0);
    let content = match wanted.content {
        Some(c) => c,
        None if instance.rows.is_some() => Content::Picture(ImageFormat::Jpeg),
        None => Content::Dicom,
    };
    match content {
        Content::Picture(format) => {
            audit::record_coalesced(&state, access.with("frame", wanted.frame)).await?;
            let options = RenderOptions { frame: wanted.frame - 1, window: wanted.window, size: wanted.edge, format };
            let picture = state.images.render(&instance, options).await?;
            Ok(HttpResponse::Ok()
                .content_type(picture.content_type)
                .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
                .body(picture.bytes))
        }
        Content::Dicom => {
            let stored = instance.transfer_syntax_uid.clone();
            let rewrite = match wanted.transfer_syntax.as_deref() {
                None => false,
                Some(ts) if ts == stored => false,
                Some(EXPLICIT_LE) if ferrum_dicom::transcode::to_explicit_le_from(&stored) => true,
                Some(ts) => {
                    return Err(ApiError::NotAcceptable(format!(
                        "the instance is stored in transfer syntax {stored} and cannot be sent in {ts}"
                    )))
                }
            };
            // Asked for as an image, a non-image object falls back to itself: the access
            // recorded is then the download it is.
            let access = if !asked_dicom {
                super::target::locate(dicom_by_default(), &scope).with("via", "wado-uri")
            } else {
                access
            };
            audit::record(&state, access.with("transcoded", rewrite)).await?;
            let response = || {
                let mut r = HttpResponse::Ok();
                r.content_type("application/dicom").insert_header((header::CACHE_CONTROL, "private, no-store"));
                r
            };
            if rewrite {
                let original = read_object(&state, &instance).await?;
                let rewritten = tokio::task::spawn_blocking(move || ferrum_dicom::transcode::to_explicit_le(&original))
                    .await
                    .map_err(ApiError::internal)?
                    .map_err(crate::images::ImageError::from)?;
                return Ok(response().body(rewritten));
            }
            let key = BlobKey::parse(&instance.blob_key)?;
            let object = state.blobs.get(&key, None).await?;
            Ok(response().insert_header((header::CONTENT_LENGTH, instance.size_bytes.to_string())).streaming(object))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<(String, String)> {
        s.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    }

    const BASE: &str = "requestType=WADO&studyUID=1.2&seriesUID=1.2.3&objectUID=1.2.3.4";

    #[test]
    fn a_plain_request_and_its_picture_options_are_read() {
        let r = parse(q(BASE)).unwrap();
        assert_eq!((r.study.as_str(), r.sop.as_str(), r.content, r.frame), ("1.2", "1.2.3.4", None, 1));
        let r = parse(q(&format!(
            "{BASE}&contentType=image/png&frameNumber=3&windowCenter=40&windowWidth=400&rows=128&columns=256"
        )))
        .unwrap();
        assert_eq!(r.content, Some(Content::Picture(ImageFormat::Png)));
        assert_eq!((r.frame, r.edge), (3, Some(128)));
        assert_eq!(r.window.map(|w| (w.center, w.width)), Some((40.0, 400.0)));
        let r = parse(q(&format!("{BASE}&contentType=application/dicom&transferSyntax=1.2.840.10008.1.2.1"))).unwrap();
        assert_eq!(r.content, Some(Content::Dicom));
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        let status = |s: &str| actix_web::ResponseError::status_code(&parse(q(s)).unwrap_err()).as_u16();
        assert_eq!(status("studyUID=1&seriesUID=2&objectUID=3"), 400, "no requestType");
        assert_eq!(status("requestType=WADO&studyUID=1&seriesUID=2"), 400, "no objectUID");
        assert_eq!(status(&format!("{BASE}&frameNumber=0")), 400);
        assert_eq!(status(&format!("{BASE}&windowCenter=40")), 400);
        assert_eq!(status(&format!("{BASE}&windowCenter=40&windowWidth=0")), 400);
        assert_eq!(status(&format!("{BASE}&rows=x")), 400);
        assert_eq!(status(&format!("{BASE}&anonymize=yes")), 400);
        assert_eq!(status(&format!("{BASE}&contentType=application/dicom&rows=64")), 400);
        assert_eq!(status(&format!("{BASE}&contentType=text/html")), 406);
    }
}
