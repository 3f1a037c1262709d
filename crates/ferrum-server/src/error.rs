//! The one mapping from failures to HTTP answers: a stable code, a status, and a message a
//! user can act on. A 5xx answers a fixed message; its cause goes to the log.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use ferrum_dicom::render::RenderError;
use ferrum_store::StoreError;

use crate::images::ImageError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    /// 401 with a code of its own (`mfa_required`, `mfa_invalid`).
    #[error("{message}")]
    Challenge { code: &'static str, message: String },
    #[error("{0}")]
    Forbidden(String),
    /// 403 with a code of its own (`mfa_enrolment_required`, `wrong_credentials`).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// 409 `legal_hold`: the study is under a legal hold.
    #[error("{0}")]
    LegalHold(String),
    #[error("the account is locked after repeated failed logins; try again later")]
    Locked,
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    RangeNotSatisfiable(String),
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    #[error("{0}")]
    Unavailable(String),
    #[error("this link needs its PIN: ask the sender for it")]
    PinRequired,
    #[error("too many wrong PINs; this link refuses PINs until {0}")]
    PinLocked(chrono::DateTime<chrono::Utc>),
    /// Too many requests of an expensive kind; retry after this many seconds.
    #[error("too many attempts right now; try again in {0} seconds")]
    Throttled(u64),
    /// 406: nothing the client's `Accept` names can be sent.
    #[error("{0}")]
    NotAcceptable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Challenge { code, .. } => code,
            ApiError::Forbidden(_) => "forbidden",
            ApiError::Refused { code, .. } => code,
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::LegalHold(_) => "legal_hold",
            ApiError::Locked => "account_locked",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::RangeNotSatisfiable(_) => "range_not_satisfiable",
            ApiError::Unprocessable { code, .. } => code,
            ApiError::Gone { code, .. } => code,
            ApiError::Unavailable(_) => "unavailable",
            ApiError::PinRequired => "pin_required",
            ApiError::PinLocked(_) => "pin_locked",
            ApiError::Throttled(_) => "too_many_requests",
            ApiError::NotAcceptable(_) => "not_acceptable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Challenge { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Refused { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::LegalHold(_) => StatusCode::CONFLICT,
            ApiError::Locked => StatusCode::LOCKED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Gone { .. } => StatusCode::GONE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::PinRequired => StatusCode::UNAUTHORIZED,
            ApiError::PinLocked(_) => StatusCode::LOCKED,
            ApiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "request failed");
                "an unexpected error occurred; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::Throttled(secs) = self {
            response.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        response.json(json!({ "error": self.code(), "message": message }))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("not found".into()),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::LegalHold => {
                ApiError::LegalHold("the study is under legal hold; an admin must lift the hold first".into())
            }
            StoreError::Invalid(m) => ApiError::BadRequest(m),
            StoreError::Unavailable(m) => {
                tracing::warn!(error = %m, "storage unavailable");
                ApiError::Unavailable("storage is unavailable; try again shortly".into())
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<crate::rectify::RectifyError> for ApiError {
    fn from(e: crate::rectify::RectifyError) -> Self {
        use crate::rectify::RectifyError as R;
        match e {
            R::NotFound => ApiError::NotFound("no such study".into()),
            R::LegalHold => ApiError::LegalHold(e.to_string()),
            R::Conflict => ApiError::Conflict(e.to_string()),
            R::Unprocessable(message) => ApiError::Unprocessable { code: "not_correctable", message },
            R::Store(e) => e.into(),
            R::Other(m) => ApiError::Internal(anyhow::anyhow!(m)),
        }
    }
}

impl From<ImageError> for ApiError {
    fn from(e: ImageError) -> Self {
        let unprocessable = |code, message: String| ApiError::Unprocessable { code, message };
        match e {
            ImageError::Store(e) => e.into(),
            ImageError::ObjectTooLarge(_) => unprocessable("image_too_large", e.to_string()),
            ImageError::Render(r) => match r {
                RenderError::UnsupportedPixelData { .. } => unprocessable("unsupported_pixel_data", r.to_string()),
                RenderError::TooLarge { .. } => unprocessable("image_too_large", r.to_string()),
                RenderError::NoPixelData => unprocessable("no_pixel_data", r.to_string()),
                RenderError::NoModalityValues => unprocessable("no_modality_values", r.to_string()),
                // The API counts frames from 1, the renderer from 0.
                RenderError::FrameOutOfRange { frame, frames } => ApiError::BadRequest(format!(
                    "frame {} is out of range: the object has {frames} frame(s), numbered from 1",
                    frame + 1
                )),
                RenderError::Malformed(_) => unprocessable("malformed_pixel_data", r.to_string()),
                _ => unprocessable("undecodable_pixel_data", r.to_string()),
            },
        }
    }
}

/// Turns actix's own extractor failures (bad JSON, bad query) into the same JSON shape. A
/// JSON body above `limit` bytes (`FERRUM_MAX_JSON_BYTES`) is 413 without being read whole.
pub fn json_config(limit: usize) -> actix_web::web::JsonConfig {
    use actix_web::error::JsonPayloadError;
    actix_web::web::JsonConfig::default().limit(limit).error_handler(|err, _| match err {
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge(format!(
                "the JSON body is larger than the limit of {limit} bytes (FERRUM_MAX_JSON_BYTES)"
            ))
            .into()
        }
        err => ApiError::BadRequest(format!("invalid JSON body: {err}")).into(),
    })
}

pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("invalid query string: {err}")).into())
}

pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("invalid path: {err}")).into())
}
