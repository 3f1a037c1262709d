//! What `GET /metrics` shows (OpenMetrics text, through `prometheus-client`). Labels are
//! route *templates*, methods, status codes, job kinds and outcomes: never a concrete path, a
//! UID, a token or anything from a DICOM header.
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BlobCallLabels {
    backend: &'static str,
    call: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabel {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Request latencies, 1 ms to 60 s.
fn request_histogram() -> Histogram {
    Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0])
}

/// Audit appends, 0.1 ms to 5 s.
fn audit_histogram() -> Histogram {
    Histogram::new([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0])
}

pub struct Metrics {
    registry: Registry,
    jobs_completed: Family<KindLabel, Counter>,
    jobs_failed: Family<KindLabel, Counter>,
    jobs_due: Family<KindLabel, Gauge>,
    outbox_keys: Family<OutcomeLabel, Counter>,
    jobs_oldest_due: Family<KindLabel, Gauge<f64, AtomicU64>>,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<RequestLabels>,
    uploads: Family<OutcomeLabel, Counter>,
    upload_files: Family<OutcomeLabel, Counter>,
    upload_bytes: Counter,
    ingest_in_flight: Gauge,
    audit_append_seconds: Histogram,
    job_seconds: Histograms<KindLabel>,
    blob_call_seconds: Histograms<BlobCallLabels>,
    pool_connections: Family<PoolLabel, Gauge>,
    pool_max: Gauge,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::default();
        let jobs_completed = Family::default();
        registry.register(
            "ferrum_jobs_completed",
            "Background jobs this instance completed, by kind.",
            jobs_completed.clone(),
        );
        let jobs_failed = Family::default();
        registry.register(
            "ferrum_jobs_failed",
            "Background job attempts that failed on this instance, by kind.",
            jobs_failed.clone(),
        );
        let jobs_due = Family::default();
        registry.register(
            "ferrum_jobs_due",
            "Background jobs due now (running ones included) in the shared queue, by kind.",
            jobs_due.clone(),
        );
        let jobs_oldest_due = Family::default();
        registry.register(
            "ferrum_jobs_oldest_due_seconds",
            "How long the longest-waiting due job of each kind has been due.",
            jobs_oldest_due.clone(),
        );
        let outbox_keys = Family::default();
        registry.register(
            "ferrum_outbox_keys",
            "Released blobs the outbox job handled: deleted, or kept because a row points at them again.",
            outbox_keys.clone(),
        );
        let requests = Family::default();
        registry.register(
            "ferrum_http_requests",
            "HTTP requests answered, by route template, method and status.",
            requests.clone(),
        );
        let request_seconds: Histograms<RequestLabels> = Family::new_with_constructor(request_histogram);
        registry.register(
            "ferrum_http_request_duration_seconds",
            "Time from a request's arrival to its answer's head, by route template, method and status.",
            request_seconds.clone(),
        );
        let uploads = Family::default();
        registry.register(
            "ferrum_uploads",
            "Upload requests (POST /api/uploads), by outcome: accepted (2xx), refused (4xx), failed (5xx).",
            uploads.clone(),
        );
        let upload_files = Family::default();
        registry.register(
            "ferrum_ingest_files",
            "Files ingested (uploads, STOW-RS, C-STORE, import), by outcome: stored, duplicate, rejected, skipped.",
            upload_files.clone(),
        );
        let upload_bytes = Counter::default();
        registry.register(
            "ferrum_ingest_bytes",
            "Bytes of the bodies and parts received for ingest.",
            upload_bytes.clone(),
        );
        let ingest_in_flight = Gauge::default();
        registry.register("ferrum_ingest_in_flight", "Ingest sessions in progress.", ingest_in_flight.clone());
        let audit_append_seconds = audit_histogram();
        registry.register(
            "ferrum_audit_append_duration_seconds",
            "Time to append one audit event of its own (events committed with a change are not counted).",
            audit_append_seconds.clone(),
        );
        let job_seconds: Histograms<KindLabel> = Family::new_with_constructor(request_histogram);
        registry.register(
            "ferrum_job_duration_seconds",
            "Time a background job took on this instance, by kind (kind=\"thumbnail\" is thumbnail latency).",
            job_seconds.clone(),
        );
        let blob_call_seconds: Histograms<BlobCallLabels> = Family::new_with_constructor(audit_histogram);
        registry.register(
            "ferrum_blob_call_duration_seconds",
            "Blob store calls (S3 or the local directory) by backend, call and outcome: ok, not_found, unavailable, error.",
            blob_call_seconds.clone(),
        );
        let pool_connections = Family::default();
        registry.register(
            "ferrum_catalog_pool_connections",
            "The catalog's read pool: connections open, by state (in_use, idle), as of the scrape.",
            pool_connections.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "ferrum_catalog_pool_max_connections",
            "The most connections the catalog's read pool may open (FERRUM_DB_MAX_CONNECTIONS).",
            pool_max.clone(),
        );
        registry.register_collector(Box::new(CatalogWrites));
        Metrics {
            registry,
            jobs_completed,
            jobs_failed,
            jobs_due,
            jobs_oldest_due,
            outbox_keys,
            requests,
            request_seconds,
            uploads,
            upload_files,
            upload_bytes,
            ingest_in_flight,
            audit_append_seconds,
            job_seconds,
            blob_call_seconds,
            pool_connections,
            pool_max,
        }
    }
}

/// The methods named in labels; anything else is `other`, so that a client cannot make
/// series up.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// Counts an ingest session while it lives.
pub struct InFlight(Arc<Metrics>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.ingest_in_flight.dec();
    }
}

impl Metrics {
    pub fn job_done(&self, kind: &str, ok: bool) {
        let family = if ok { &self.jobs_completed } else { &self.jobs_failed };
        family.get_or_create(&KindLabel { kind: kind.to_owned() }).inc();
    }

    pub fn job_took(&self, kind: &str, took: Duration) {
        self.job_seconds.get_or_create(&KindLabel { kind: kind.to_owned() }).observe(took.as_secs_f64());
    }

    pub fn blob_call(&self, backend: &'static str, call: &'static str, outcome: &'static str, took: Duration) {
        let labels = BlobCallLabels { backend, call, outcome };
        self.blob_call_seconds.get_or_create(&labels).observe(took.as_secs_f64());
    }

    /// The catalog pool as it is at the scrape.
    pub fn set_pool(&self, usage: ferrum_store::catalog::PoolUsage) {
        self.pool_connections.get_or_create(&PoolLabel { state: "idle" }).set(i64::from(usage.idle));
        self.pool_connections
            .get_or_create(&PoolLabel { state: "in_use" })
            .set(i64::from(usage.open.saturating_sub(usage.idle)));
        self.pool_max.set(i64::from(usage.max));
    }

    pub fn outbox_key(&self, deleted: bool) {
        let outcome = if deleted { "deleted" } else { "kept" };
        self.outbox_keys.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    /// One answered request; `route` is the matched template (or a fixed word), never the path.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let labels = RequestLabels { route: route.to_owned(), method: method_label(method), status };
        self.requests.get_or_create(&labels).inc();
        self.request_seconds.get_or_create(&labels).observe(took.as_secs_f64());
    }

    pub fn upload(&self, status: u16) {
        let outcome = match status {
            200..=299 => "accepted",
            400..=499 => "refused",
            _ => "failed",
        };
        self.uploads.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub fn ingested_file(&self, outcome: &'static str) {
        self.upload_files.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub fn ingest_bytes(&self, bytes: u64) {
        self.upload_bytes.inc_by(bytes);
    }

    pub fn ingest_started(self: &Arc<Self>) -> InFlight {
        self.ingest_in_flight.inc();
        InFlight(self.clone())
    }

    pub fn audit_appended(&self, took: Duration) {
        self.audit_append_seconds.observe(took.as_secs_f64());
    }

    /// Replaces the backlog gauges with what the catalog says now (kinds with nothing due
    /// disappear rather than keep an old value).
    pub fn set_backlog(&self, backlog: &[ferrum_store::model::JobBacklog]) {
        self.jobs_due.clear();
        self.jobs_oldest_due.clear();
        let now = chrono::Utc::now();
        for b in backlog {
            let label = KindLabel { kind: b.kind.clone() };
            self.jobs_due.get_or_create(&label).set(b.due);
            let age = chrono::DateTime::parse_from_rfc3339(&b.oldest_due_at)
                .map(|at| (now - at.with_timezone(&chrono::Utc)).num_milliseconds().max(0) as f64 / 1000.0)
                .unwrap_or(0.0);
            self.jobs_oldest_due.get_or_create(&label).set(age);
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The catalog's own counters (kept by `ferrum-store`), read at each scrape.
#[derive(Debug)]
struct CatalogWrites;

impl prometheus_client::collector::Collector for CatalogWrites {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let locked = Counter::<u64>::default();
        locked.inc_by(ferrum_store::database_locked_errors());
        locked.encode(encoder.encode_descriptor(
            "ferrum_catalog_database_locked",
            "Catalog statements that failed because SQLite's database was locked.",
            None,
            locked.metric_type(),
        )?)?;
        let waits = ferrum_store::write_waits();
        let bounds = ferrum_store::catalog::write_wait::BUCKETS_MICROS.iter().map(|b| *b as f64 / 1e6);
        let buckets: Vec<(f64, u64)> = bounds.chain([f64::MAX]).zip(waits.counts.iter().copied()).collect();
        let count = waits.counts.iter().sum();
        encoder
            .encode_descriptor(
                "ferrum_catalog_write_wait_seconds",
                "Time embedded catalog writes waited for the write connection before their transaction began.",
                None,
                MetricType::Histogram,
            )?
            .encode_histogram::<prometheus_client::encoding::NoLabelSet>(
                waits.sum.as_secs_f64(),
                count,
                &buckets,
                None,
            )?;
        let max = Gauge::<f64, AtomicU64>::default();
        max.set(waits.max.as_secs_f64());
        max.encode(encoder.encode_descriptor(
            "ferrum_catalog_write_wait_max_seconds",
            "The longest wait of an embedded catalog write for the write connection.",
            None,
            max.metric_type(),
        )?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Metrics;

    #[test]
    fn series_render_as_prometheus_text() {
        let m = Metrics::default();
        m.job_done("thumbnail", true);
        m.job_done("thumbnail", true);
        m.request("/api/studies/{study_uid}", "GET", 200, Duration::from_millis(3));
        m.request("/api/studies/{study_uid}", "BREW", 404, Duration::from_millis(3));
        m.job_took("thumbnail", Duration::from_millis(40));
        m.blob_call("s3", "get", "unavailable", Duration::from_millis(2));
        m.set_pool(ferrum_store::catalog::PoolUsage { open: 3, idle: 1, max: 8 });
        let text = m.render();
        assert!(text.contains("ferrum_job_duration_seconds_count{kind=\"thumbnail\"} 1\n"), "{text}");
        assert!(
            text.contains(
                "ferrum_blob_call_duration_seconds_count{backend=\"s3\",call=\"get\",outcome=\"unavailable\"} 1\n"
            ),
            "{text}"
        );
        assert!(text.contains("ferrum_catalog_pool_connections{state=\"in_use\"} 2\n"), "{text}");
        assert!(text.contains("ferrum_catalog_pool_max_connections 8\n"), "{text}");
        assert!(text.contains("# TYPE ferrum_jobs_completed counter"), "{text}");
        assert!(text.contains("ferrum_jobs_completed_total{kind=\"thumbnail\"} 2\n"), "{text}");
        assert!(
            text.contains(
                "ferrum_http_requests_total{route=\"/api/studies/{study_uid}\",method=\"GET\",status=\"200\"} 1\n"
            ),
            "{text}"
        );
        assert!(text.contains("method=\"other\""), "{text}");
        assert!(text.contains("ferrum_catalog_write_wait_seconds_bucket{le=\"+Inf\"}"), "{text}");
        assert!(text.contains("ferrum_catalog_database_locked_total "), "{text}");
    }
}
