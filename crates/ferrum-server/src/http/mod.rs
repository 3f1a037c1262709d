//! What every HTTP answer and connection gets, whatever the route: security headers, CORS
//! for configured origins only, a cut-off for request bodies that stall, TLS, and the
//! client's address as the audit trail and throttles see it. Routes know nothing of these;
//! nothing here knows a route beyond a path prefix.
pub mod body_timeout;
pub mod client_addr;
pub mod cors;
pub mod request_metrics;
pub mod security_headers;
pub mod tls;
