//! Building the application exactly as `ferrum serve` runs it, so that tests run the same.
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::KeepAlive;
use actix_web::middleware::{from_fn, Condition};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use ferrum_store::blob::crypto::{KeyStore, MasterKeys};
use ferrum_store::blob::{Encryption, LocalBlobStore, S3BlobStore, S3Settings};
use ferrum_store::model::Role;
use ferrum_store::{BlobStore, Catalog};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

use crate::auth::link_token::LinkKeys;
use crate::auth::{password, token::TokenKeys};
use crate::config::{Settings, SseSetting};
use crate::error;
use crate::http::body_timeout::BodyIdleTimeout;
use crate::http::client_addr::TrustedProxies;
use crate::http::{body_timeout, cors, security_headers, tls};
use crate::images::Images;
use crate::ingest::{Ingestor, ZipLimits};
use crate::jobs::{JobContext, ThumbnailQueue};
use crate::measured_blobs::MeasuredBlobs;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::telemetry::RedactedRootSpan;

/// The catalog, the blob store and the ingest pipeline, opened from settings; shared by the
/// server and the command-line tools.
pub struct Services {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub ingestor: Arc<Ingestor>,
    pub images: Arc<Images>,
    pub jobs_wake: Arc<Notify>,
    pub metrics: Arc<Metrics>,
}

impl Services {
    pub async fn open(settings: &Settings) -> anyhow::Result<Services> {
        crate::private_files::create_private_dir(&settings.data_dir)
            .with_context(|| format!("FERRUM_DATA_DIR: cannot create {}", settings.data_dir.display()))?;
        let catalog = ferrum_store::catalog::open(&settings.database_url(), settings.db_max_connections)
            .await
            .context("opening the catalog (DATABASE_URL)")?;
        let metrics = Arc::new(Metrics::default());
        let backend = if settings.s3_bucket.is_some() { "s3" } else { "local" };
        let blobs = MeasuredBlobs::wrap(open_blob_store(settings).await?, backend, metrics.clone());
        std::fs::create_dir_all(settings.spool_dir()).context("creating the upload spool directory")?;
        let jobs_wake = Arc::new(Notify::new());
        let thumbnails = Arc::new(ThumbnailQueue::start(catalog.clone(), jobs_wake.clone()));
        let ingestor = Arc::new(Ingestor {
            metrics: metrics.clone(),
            catalog: catalog.clone(),
            blobs: blobs.clone(),
            thumbnails,
            policy: settings.conflict_policy.into(),
            spool_dir: settings.spool_dir(),
            zip_limits: ZipLimits {
                max_total_uncompressed: settings.zip_max_uncompressed_bytes,
                max_ratio: settings.zip_max_ratio,
            },
        });
        let images = Arc::new(Images::new(blobs.clone()));
        Ok(Services { catalog, blobs, ingestor, images, jobs_wake, metrics })
    }
}

/// The data keys of an encrypted blob directory, when FERRUM_ENCRYPTION_KEY_FILE is set.
pub fn open_key_store(settings: &Settings) -> anyhow::Result<Option<KeyStore>> {
    let Some(file) = &settings.encryption_key_file else { return Ok(None) };
    let masters = MasterKeys::from_file(file).context("reading FERRUM_ENCRYPTION_KEY_FILE")?;
    Ok(Some(KeyStore::open(settings.data_key_dir(), masters).context("opening the data key directory")?))
}

/// The blob store the settings name: S3 when `FERRUM_S3_BUCKET` is set, else the data directory.
pub(crate) async fn open_blob_store(settings: &Settings) -> anyhow::Result<Arc<dyn BlobStore>> {
    let Some(bucket) = &settings.s3_bucket else {
        let local = match open_key_store(settings)? {
            Some(keys) => LocalBlobStore::open_encrypted(settings.blob_dir(), Arc::new(keys)),
            None => LocalBlobStore::open(settings.blob_dir()),
        }
        .context("opening the blob store (FERRUM_DATA_DIR)")?;
        return Ok(Arc::new(local));
    };
    let encryption = match settings.s3_sse {
        SseSetting::Aes256 => Encryption::S3Managed,
        SseSetting::AwsKms => Encryption::Kms(settings.s3_kms_key_id.clone()),
        SseSetting::None => Encryption::Off,
    };
    let store = S3BlobStore::open(S3Settings {
        bucket: bucket.clone(),
        endpoint: settings.s3_endpoint.clone(),
        region: settings.s3_region.clone(),
        path_style: settings.s3_path_style,
        prefix: settings.s3_prefix.clone(),
        encryption,
        public_endpoint: settings.s3_public_endpoint.clone(),
    })
    .await
    .context("opening the S3 blob store (FERRUM_S3_*)")?;
    Ok(Arc::new(store))
}

pub struct Application {
    addr: std::net::SocketAddr,
    tls: bool,
    server: Server,
    dicom: Option<crate::dimse::Listener>,
    /// Cancelled to stop (see [`crate::shutdown`]).
    stop: CancellationToken,
    /// When `stop` was cancelled.
    stopping: tokio::task::JoinHandle<tokio::time::Instant>,
    grace: Duration,
    workers: Vec<tokio::task::JoinHandle<()>>,
    thumbnails: Arc<ThumbnailQueue>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let addr = settings.validate()?;
        // Before anything is opened, so that a bad certificate stops the start at once.
        let tls = match (&settings.tls_cert, &settings.tls_key) {
            (Some(cert), Some(key)) => Some(tls::load(cert, key)?),
            _ => None,
        };
        let services = Services::open(&settings).await?;
        let spooled = crate::sweep::clear_spool(&settings.spool_dir()).context("clearing the upload spool")?;
        let swept =
            crate::sweep::sweep_orphans(services.catalog.as_ref(), services.blobs.as_ref(), settings.orphan_grace_secs)
                .await
                .context("sweeping orphan blobs")?;
        if spooled + swept > 0 {
            tracing::info!(spool_files = spooled, orphan_blobs = swept, "cleaned up after an earlier stop");
        }
        ensure_first_admin(services.catalog.as_ref(), &settings).await?;
        let mut tokens = TokenKeys::load(
            settings.jwt_keys.as_deref(),
            settings.jwt_secret.as_deref(),
            &settings.data_dir,
            settings.token_ttl_secs,
        )?;
        if let Some(keys) = &settings.link_keys {
            tokens.links = LinkKeys::parse(keys).map_err(|why| anyhow::anyhow!("FERRUM_LINK_KEYS: {why}"))?;
        }
        let tokens = Arc::new(tokens);

        let metrics = services.metrics.clone();
        let jobs = Arc::new(JobContext {
            catalog: services.catalog.clone(),
            blobs: services.blobs.clone(),
            metrics: metrics.clone(),
            images: services.images.clone(),
            orphan_grace_secs: settings.orphan_grace_secs,
            sweep_interval_secs: settings.sweep_interval_secs,
            blob_delete_grace_secs: settings.blob_delete_grace_secs,
            retention_days: settings.retention_days,
            wake: services.jobs_wake.clone(),
        });
        let stop = CancellationToken::new();
        let stopping = tokio::spawn({
            let stop = stop.clone();
            async move {
                stop.cancelled().await;
                tokio::time::Instant::now()
            }
        });
        let grace = crate::shutdown::grace(settings.shutdown_grace_secs);
        let workers = crate::jobs::start(jobs.clone(), settings.job_workers, stop.clone())
            .await
            .context("starting the background workers")?;
        let thumbnails = services.ingestor.thumbnails.clone();
        // What the HTTP layer needs, taken before the settings move into the state.
        let headers = web::Data::new(security_headers::Policy {
            hsts: tls.is_some(),
            secure_cookies: settings.browsers_use_https(),
        });
        let cors_origins = match &settings.cors_origins {
            Some(origins) => {
                cors::parse_origins(origins).map_err(|why| anyhow::anyhow!("FERRUM_CORS_ORIGINS: {why}"))?
            }
            None => Vec::new(),
        };
        let trusted = match &settings.trusted_proxies {
            Some(proxies) => Some(web::Data::new(TrustedProxies::new(
                TrustedProxies::parse(proxies).map_err(|why| anyhow::anyhow!("FERRUM_TRUSTED_PROXIES: {why}"))?,
                settings.client_addr_header,
            ))),
            None => None,
        };
        let ohif = match &settings.ohif_dir {
            Some(dir) => Some(web::Data::new(
                crate::ohif::OhifDist::open(dir)
                    .with_context(|| format!("FERRUM_OHIF_DIR: cannot read {}", dir.display()))?,
            )),
            None => None,
        };
        let idle = web::Data::new(BodyIdleTimeout(Duration::from_secs(settings.body_idle_timeout_secs)));
        let json_limit = settings.max_json_bytes;
        let keep_alive = match settings.keep_alive_secs {
            0 => KeepAlive::Disabled,
            secs => KeepAlive::Timeout(Duration::from_secs(secs)),
        };
        let header_timeout = Duration::from_secs(settings.request_header_timeout_secs);
        let disconnect_timeout = Duration::from_secs(settings.disconnect_timeout_secs);
        let max_connections = settings.max_connections;

        let audit_key = Arc::new(crate::audit::key::AuditKey::load(settings.audit_key.as_deref(), &settings.data_dir)?);
        crate::audit::retention::start(
            services.catalog.clone(),
            audit_key.clone(),
            settings.audit_retention_days,
            settings.audit_anchor_secs,
        );
        let audit =
            crate::audit::AuditLog::new(services.catalog.clone(), settings.audit_coalesce_secs, metrics.clone());
        let dicom = match settings.dicom_listener()? {
            Some(addr) => {
                let dimse = Arc::new(crate::dimse::Dimse {
                    catalog: services.catalog.clone(),
                    ingestor: services.ingestor.clone(),
                    config: crate::dimse::DimseConfig::from_settings(&settings),
                    tls: crate::dimse::tls::load(&settings)?,
                });
                Some(crate::dimse::start(addr, dimse, stop.clone()).await?)
            }
            None => None,
        };
        let state = AppState {
            audit,
            audit_key,
            catalog: services.catalog,
            blobs: services.blobs,
            tokens,
            ingestor: services.ingestor,
            settings: Arc::new(settings),
            metrics,
            jobs,
            images: services.images,
            login_throttle: Arc::default(),
        };
        let listener = TcpListener::bind(addr).with_context(|| format!("FERRUM_BIND: cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        let data = web::Data::new(state);
        let served_tls = tls.is_some();
        let server = HttpServer::new(move || {
            let mut app = App::new()
                // The last one wrapped is the outermost: every answer, errors of the others
                // included, passes through the security headers.
                .wrap(Condition::new(!cors_origins.is_empty(), cors::middleware(&cors_origins)))
                .wrap(from_fn(body_timeout::apply))
                .wrap(TracingLogger::<RedactedRootSpan>::new())
                .wrap(from_fn(crate::audit::middleware::apply))
                .wrap(from_fn(security_headers::apply))
                .wrap(from_fn(crate::http::request_metrics::apply))
                .app_data(data.clone())
                .app_data(headers.clone())
                .app_data(idle.clone())
                .app_data(error::json_config(json_limit))
                .app_data(error::query_config())
                .app_data(error::path_config());
            if let Some(trusted) = &trusted {
                app = app.app_data(trusted.clone());
            }
            if let Some(ohif) = &ohif {
                app = app.app_data(ohif.clone());
            }
            app.configure(crate::routes::configure)
        })
        .client_request_timeout(header_timeout)
        .client_disconnect_timeout(disconnect_timeout)
        .keep_alive(keep_alive)
        .max_connections(max_connections)
        .shutdown_timeout(grace.as_secs().max(1))
        .shutdown_signal(stop.clone().cancelled_owned());
        let server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config)?,
            None => server.listen(listener)?,
        }
        .run();
        Ok(Application { addr: bound, tls: served_tls, server, dicom, stop, stopping, grace, workers, thumbnails })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Where the DICOM listener is, when `FERRUM_DICOM_BIND` is set.
    pub fn dicom_addr(&self) -> Option<std::net::SocketAddr> {
        self.dicom.as_ref().map(|d| d.addr)
    }

    /// Cancelling it stops the server gracefully (what SIGTERM does in `ferrum serve`).
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// The address to reach the server at, `http://` or `https://`.
    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls { "https" } else { "http" }, self.addr)
    }

    /// Serves until stopped: once `stop` is cancelled and the HTTP requests in flight are
    /// answered, waits (within the grace, counted from the cancel) for the background jobs
    /// being run and the DICOM associations in progress, then queues the thumbnails asked for.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        // The HTTP server also ends on its own only on an error; stop the rest with it.
        self.stop.cancel();
        let deadline = self.stopping.await.unwrap_or_else(|_| tokio::time::Instant::now()) + self.grace;
        let mut tasks = self.workers;
        tasks.extend(self.dicom.map(|d| d.stopped));
        let left = crate::shutdown::wait_until(deadline, tasks).await;
        if left > 0 {
            tracing::warn!(unfinished = left, "stopped with background work unfinished (its jobs run again later)");
        }
        let _ = tokio::time::timeout_at(
            deadline.max(tokio::time::Instant::now() + Duration::from_secs(1)),
            self.thumbnails.flush(),
        )
        .await;
        tracing::info!("stopped");
        served
    }
}

/// On the very first start, an `admin` account, with the configured password or a random
/// one printed once on standard output (never to the log).
pub(crate) async fn ensure_first_admin(catalog: &dyn Catalog, settings: &Settings) -> anyhow::Result<()> {
    if catalog.count_users().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match &settings.admin_password {
        Some(p) => (p.clone(), false),
        None => (password::generate(), true),
    };
    let hash = password::hash(password.clone()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // Recorded with the account, as made by the service itself.
    let mut audit = NewAuditEvent::new("system", Action::CreateUser, Outcome::Allowed);
    audit.detail = Some(serde_json::json!({ "via": "first_start", "account": "user:admin" }));
    match catalog.create_user("admin", &hash, Role::Admin, &audit).await {
        Ok(_) => {}
        // Another instance starting at the same time made it first.
        Err(ferrum_store::StoreError::Conflict(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    if generated {
        println!("Created the first account: username `admin`, password `{password}` (shown once; change it).");
    } else {
        println!("Created the first account `admin` with the password from FERRUM_ADMIN_PASSWORD.");
    }
    Ok(())
}
