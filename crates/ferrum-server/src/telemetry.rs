//! Logging without patient data. Request spans carry the method, the route *template*
//! (`/api/studies/{study_uid}`, never the concrete path or query string, which hold UIDs and
//! patient-name searches), the status and a request id.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Logs to stderr: JSON lines (each with the fields of the spans it happened in, so every
/// line of a request carries its `request_id`) unless `format` says text or, unset, stderr
/// is a terminal.
pub fn init(filter: &str, format: Option<LogFormat>) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format.unwrap_or(if terminal { LogFormat::Text } else { LogFormat::Json }) {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(true).try_init(),
        LogFormat::Text => builder.with_ansi(terminal).try_init(),
    };
}

pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        use actix_web::HttpMessage;
        let route = request.match_pattern().unwrap_or_else(|| "<unmatched>".to_owned());
        let request_id = request.extensions().get::<crate::audit::RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        tracing::info_span!(
            "http",
            method = %request.method(),
            route = %route,
            status = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        let status = match outcome {
            Ok(response) => response.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        span.record("status", status);
    }
}
