//! `GET /api/instances/{sop_uid}/file`: the stored object byte for byte, with `ETag`
//! (the content hash) and single `Range` requests; or, with `FERRUM_S3_PRESIGN_SECS` set and
//! an S3 store, a redirect to a presigned URL that lives minutes.
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::BlobKey;

use crate::audit::{self, Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Parses `bytes=a-b`, `bytes=a-` or `bytes=-n` against a length; `None` when absent.
fn parse_range(header: Option<&HeaderValue>, len: u64) -> Result<Option<(u64, u64)>, ApiError> {
    let Some(raw) = header.and_then(|h| h.to_str().ok()) else {
        return Ok(None);
    };
    let unsatisfiable = || ApiError::RangeNotSatisfiable(format!("the range is outside the object of {len} bytes"));
    let spec = raw
        .trim()
        .strip_prefix("bytes=")
        .ok_or_else(|| ApiError::BadRequest("Range must be bytes=START-END".into()))?;
    if spec.contains(',') {
        return Err(ApiError::BadRequest("only one range per request is supported".into()));
    }
    let (a, b) = spec.split_once('-').ok_or_else(|| ApiError::BadRequest("Range must be bytes=START-END".into()))?;
    let num =
        |s: &str| s.trim().parse::<u64>().map_err(|_| ApiError::BadRequest("Range must be bytes=START-END".into()));
    let (start, end_inclusive) = match (a.trim().is_empty(), b.trim().is_empty()) {
        (true, false) => {
            let n = num(b)?;
            if n == 0 || len == 0 {
                return Err(unsatisfiable());
            }
            (len.saturating_sub(n), len - 1)
        }
        (false, true) => (num(a)?, len.saturating_sub(1)),
        (false, false) => (num(a)?, num(b)?.min(len.saturating_sub(1))),
        (true, true) => return Err(ApiError::BadRequest("Range must be bytes=START-END".into())),
    };
    if start >= len || start > end_inclusive {
        return Err(unsatisfiable());
    }
    Ok(Some((start, end_inclusive + 1)))
}

pub async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let instance = super::images::visible_instance(&state, &user.principal, &path).await?;
    let key = BlobKey::parse(&instance.blob_key)?;
    let len = instance.size_bytes as u64;
    let etag = format!("\"{}\"", instance.sha256);
    let access = Access::new(user.actor(), Action::DownloadInstance, &req).instance(
        &instance.study_instance_uid,
        &instance.series_instance_uid,
        &instance.sop_instance_uid,
    );
    audit::record(&state, access).await?;

    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    if state.settings.s3_presign_secs > 0 {
        let ttl = std::time::Duration::from_secs(state.settings.s3_presign_secs);
        if let Some(url) = state.blobs.presigned_get(&key, ttl).await? {
            // The store serves the bytes (and any Range) itself; the URL is the credential,
            // so nothing may cache the redirect.
            return Ok(HttpResponse::TemporaryRedirect()
                .insert_header((header::LOCATION, url))
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .finish());
        }
    }
    let range = parse_range(req.headers().get(header::RANGE), len)?;
    let stream = state.blobs.get(&key, range).await?;
    let mut response = match range {
        Some((start, end)) => {
            let mut r = HttpResponse::build(StatusCode::PARTIAL_CONTENT);
            r.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{}/{len}", end - 1)));
            r.no_chunking(end - start);
            r
        }
        None => {
            let mut r = HttpResponse::Ok();
            r.no_chunking(len);
            r
        }
    };
    Ok(response
        .content_type("application/dicom")
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::parse_range;
    use actix_web::http::header::HeaderValue;

    fn r(s: &str, len: u64) -> Option<(u64, u64)> {
        parse_range(Some(&HeaderValue::from_str(s).unwrap()), len).unwrap()
    }

    #[test]
    fn ranges_are_parsed_into_half_open_intervals() {
        assert_eq!(r("bytes=0-9", 100), Some((0, 10)));
        assert_eq!(r("bytes=90-", 100), Some((90, 100)));
        assert_eq!(r("bytes=-10", 100), Some((90, 100)));
        assert_eq!(r("bytes=50-1000", 100), Some((50, 100)));
    }

    #[test]
    fn ranges_outside_the_object_are_refused() {
        assert!(parse_range(Some(&HeaderValue::from_static("bytes=100-")), 100).is_err());
        assert!(parse_range(Some(&HeaderValue::from_static("bytes=5-2")), 100).is_err());
    }
}
