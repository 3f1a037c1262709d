//! What every request handler shares.
use std::sync::Arc;

use ferrum_store::{BlobStore, Catalog};

use crate::audit::key::AuditKey;
use crate::audit::AuditLog;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::TokenKeys;
use crate::config::Settings;
use crate::images::Images;
use crate::ingest::Ingestor;
use crate::jobs::JobContext;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub tokens: Arc<TokenKeys>,
    pub ingestor: Arc<Ingestor>,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub jobs: Arc<JobContext>,
    pub images: Arc<Images>,
    pub login_throttle: Arc<LoginThrottle>,
    pub audit: Arc<AuditLog>,
    pub audit_key: Arc<AuditKey>,
}
