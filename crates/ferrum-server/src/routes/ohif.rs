//! `/ohif/`: the OHIF viewer of `FERRUM_OHIF_DIR` (see [`crate::ohif`]), with Ferrum's own
//! `app-config.js`. Every path of its router that names no file answers its page (the
//! viewer routes itself); a missing file with an extension is 404. Without the setting,
//! everything here is 404.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::ohif::{self, OhifDist, Served};

fn dist(req: &HttpRequest) -> Result<web::Data<OhifDist>, ApiError> {
    req.app_data::<web::Data<OhifDist>>()
        .cloned()
        .ok_or_else(|| ApiError::NotFound("OHIF is not served here (FERRUM_OHIF_DIR is not set)".into()))
}

fn answer(dist: &OhifDist, content_type: &str) -> actix_web::HttpResponseBuilder {
    let mut answer = HttpResponse::Ok();
    answer
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, dist.csp().to_owned()))
        .insert_header(("x-robots-tag", "noindex"));
    answer
}

/// `/ohif`: the viewer lives below `/ohif/`.
pub async fn root(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    dist(&req)?;
    Ok(HttpResponse::PermanentRedirect().insert_header((header::LOCATION, ohif::PREFIX)).finish())
}

pub async fn app_config(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let dist = dist(&req)?;
    Ok(answer(&dist, ohif::content_type("app-config.js")).body(ohif::config::APP_CONFIG))
}

pub async fn file(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let dist = dist(&req)?;
    let tail = path.into_inner();
    if tail.is_empty() || tail == "index.html" {
        return Ok(answer(&dist, "text/html; charset=utf-8").body(dist.index()));
    }
    match dist.file(&tail).await.map_err(ApiError::internal)? {
        Some(Served::Bytes(bytes)) => Ok(answer(&dist, ohif::content_type(&tail)).body(bytes)),
        Some(Served::File(file)) => {
            let file = tokio::fs::File::open(file).await.map_err(ApiError::internal)?;
            let len = file.metadata().await.map_err(ApiError::internal)?.len();
            Ok(answer(&dist, ohif::content_type(&tail))
                .no_chunking(len)
                .streaming(tokio_util::io::ReaderStream::new(file)))
        }
        // A route of the viewer's own router (`viewer`, `viewer/…`, the study list).
        None if !tail.rsplit('/').next().unwrap_or("").contains('.') => {
            Ok(answer(&dist, "text/html; charset=utf-8").body(dist.index()))
        }
        None => Err(ApiError::NotFound("no such file".into())),
    }
}
