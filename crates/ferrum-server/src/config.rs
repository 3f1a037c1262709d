//! The one configuration struct, from flags and environment, validated at start-up.
mod secrets;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use ferrum_store::model::ConflictPolicy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConflictSetting {
    /// A different object under a stored SOP Instance UID is rejected with reason `conflict`.
    Reject,
    /// The new object replaces the stored one.
    Overwrite,
}

impl From<ConflictSetting> for ConflictPolicy {
    fn from(c: ConflictSetting) -> Self {
        match c {
            ConflictSetting::Reject => ConflictPolicy::Reject,
            ConflictSetting::Overwrite => ConflictPolicy::Overwrite,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SseSetting {
    /// SSE-S3 (`AES256`).
    Aes256,
    /// SSE-KMS.
    AwsKms,
    /// No encryption header, for S3-compatible stores that refuse it.
    None,
}

/// The header that carries the client's address through the trusted proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, load balancers).
    #[value(name = "x-forwarded-for")]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

const GIB: u64 = 1024 * 1024 * 1024;

#[derive(Clone, Args)]
pub struct Settings {
    /// Directory holding the SQLite catalog, the blobs and the upload spool.
    #[arg(long, env = "FERRUM_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "FERRUM_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,
    /// Catalog database; default `sqlite://<data dir>/catalog.db`.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Maximum catalog connections.
    #[arg(long, env = "FERRUM_DB_MAX_CONNECTIONS", default_value_t = 8, global = true)]
    pub db_max_connections: u32,
    /// Secret that signs access tokens; default: a random one kept in `<data dir>/jwt-secret`.
    /// Every instance of one deployment needs the same.
    #[arg(long, env = "FERRUM_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// Access-token keys `KID:SECRET,…` (the first signs, the others still verify), shared by
    /// every instance; alongside FERRUM_JWT_SECRET, which then verifies only.
    #[arg(long, env = "FERRUM_JWT_KEYS", hide_env_values = true, global = true)]
    pub jwt_keys: Option<String>,
    /// Lifetime of an access token, seconds.
    #[arg(long, env = "FERRUM_TOKEN_TTL_SECS", default_value_t = 900, global = true)]
    pub token_ttl_secs: u64,
    /// Lifetime of a login session, seconds: refresh tokens renew access tokens until then
    /// (never shorter than one access token's lifetime).
    #[arg(long, env = "FERRUM_SESSION_TTL_SECS", default_value_t = 12 * 3600, global = true)]
    pub session_ttl_secs: u64,
    /// A login session not used for this long ends (access tokens and refresh alike), seconds.
    #[arg(long, env = "FERRUM_SESSION_IDLE_SECS", default_value_t = 1800, global = true)]
    pub session_idle_secs: u64,
    /// Roles whose accounts must use TOTP, comma-separated (`admin,radiologist`), until an
    /// admin sets the policy through the API (then the catalog's setting holds).
    #[arg(long, env = "FERRUM_MFA_REQUIRED_ROLES", default_value = "", global = true)]
    pub mfa_required_roles: String,
    /// Largest request body accepted by an upload, bytes.
    #[arg(long, env = "FERRUM_MAX_UPLOAD_BYTES", default_value_t = 8 * GIB, global = true)]
    pub max_upload_bytes: u64,
    /// Largest total of uncompressed bytes one ZIP may expand to.
    #[arg(long, env = "FERRUM_ZIP_MAX_UNCOMPRESSED_BYTES", default_value_t = 32 * GIB, global = true)]
    pub zip_max_uncompressed_bytes: u64,
    /// Largest uncompressed/compressed ratio of one ZIP entry (ZIP-bomb guard).
    #[arg(long, env = "FERRUM_ZIP_MAX_RATIO", default_value_t = 200, global = true)]
    pub zip_max_ratio: u64,
    /// What a different object under an existing SOP Instance UID gets.
    #[arg(long, env = "FERRUM_CONFLICT_POLICY", value_enum, default_value = "reject", global = true)]
    pub conflict_policy: ConflictSetting,
    /// Password of the `admin` account created on the very first start (random if unset).
    #[arg(long, env = "FERRUM_ADMIN_PASSWORD", hide_env_values = true, global = true)]
    pub admin_password: Option<String>,
    /// Blobs with no catalog row are swept at start-up once older than this, seconds.
    #[arg(long, env = "FERRUM_ORPHAN_GRACE_SECS", default_value_t = 3600, global = true)]
    pub orphan_grace_secs: u64,
    /// Stored objects released by an erase or a replacement are deleted once released this
    /// long ago (and only if no row points at them again), seconds.
    #[arg(long, env = "FERRUM_BLOB_DELETE_GRACE_SECS", default_value_t = 3600, global = true)]
    pub blob_delete_grace_secs: u64,
    /// Default retention of a study, days from its upload: the sweep erases studies past it
    /// (unless under a legal hold, or given their own date). Unset: kept until erased.
    #[arg(long, env = "FERRUM_RETENTION_DAYS", global = true)]
    pub retention_days: Option<u32>,
    /// How often the orphan-blob sweep runs (once per deployment, whichever instance claims it), seconds.
    #[arg(long, env = "FERRUM_SWEEP_INTERVAL_SECS", default_value_t = 3600, global = true)]
    pub sweep_interval_secs: u64,
    /// Background workers (thumbnails, sweeps) in this instance.
    #[arg(long, env = "FERRUM_JOB_WORKERS", default_value_t = 2, global = true)]
    pub job_workers: usize,
    /// Lifetime of a viewer link when its creator gives none, seconds.
    #[arg(long, env = "FERRUM_LINK_DEFAULT_TTL_SECS", default_value_t = 24 * 3600, global = true)]
    pub link_default_ttl_secs: u64,
    /// Longest lifetime of a viewer link, seconds; longer requests are capped to it.
    #[arg(long, env = "FERRUM_LINK_MAX_TTL_SECS", default_value_t = 7 * 24 * 3600, global = true)]
    pub link_max_ttl_secs: u64,
    /// Keys that sign viewer links, `KID:SECRET,…` (kid 1–255, the first signs, the others
    /// still verify); default: one derived from FERRUM_JWT_SECRET.
    #[arg(long, env = "FERRUM_LINK_KEYS", hide_env_values = true, global = true)]
    pub link_keys: Option<String>,
    /// The address users reach the service at, for the URLs of viewer links (default: the
    /// scheme and host of the request that creates the link).
    #[arg(long, env = "FERRUM_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Key that signs the audit trail's retention checkpoints; default: a random one kept in
    /// `<data dir>/audit-key`. Every instance of one deployment needs the same.
    #[arg(long, env = "FERRUM_AUDIT_KEY", hide_env_values = true, global = true)]
    pub audit_key: Option<String>,
    /// Audit events are kept this many days (six years by default), then pruned from the
    /// oldest end behind a signed checkpoint.
    #[arg(long, env = "FERRUM_AUDIT_RETENTION_DAYS", default_value_t = 2192, global = true)]
    pub audit_retention_days: u64,
    /// How often the audit chain's head is signed into an anchor, seconds: a rewrite of the
    /// chain by someone with database access only is caught up to the newest anchor.
    #[arg(long, env = "FERRUM_AUDIT_ANCHOR_SECS", default_value_t = 300, global = true)]
    pub audit_anchor_secs: u64,
    /// Frames and thumbnails read while scrolling, and refusals of callers nobody could
    /// identify, are coalesced into one event per actor, address, series and action in a
    /// window this long, seconds (0: every one its own event).
    #[arg(long, env = "FERRUM_AUDIT_COALESCE_SECS", default_value_t = 60, global = true)]
    pub audit_coalesce_secs: u64,
    /// Failed logins in a row before an account is locked.
    #[arg(long, env = "FERRUM_LOGIN_MAX_FAILURES", default_value_t = 5, global = true)]
    pub login_max_failures: i64,
    /// How long a locked account stays locked, seconds.
    #[arg(long, env = "FERRUM_LOGIN_LOCK_SECS", default_value_t = 900, global = true)]
    pub login_lock_secs: u64,
    /// Encrypt the objects of the local blob directory (AES-256-GCM) under the master keys in
    /// this file: one 256-bit key per line as 64 hex digits, the first one wrapping new data
    /// keys, every one opening existing ones. Mode 600. Unset: objects are stored as sent.
    #[arg(long, env = "FERRUM_ENCRYPTION_KEY_FILE", global = true)]
    pub encryption_key_file: Option<PathBuf>,
    /// Keep blobs in this S3 bucket instead of the data directory.
    #[arg(long, env = "FERRUM_S3_BUCKET", global = true)]
    pub s3_bucket: Option<String>,
    /// Endpoint of an S3-compatible store (unset: AWS).
    #[arg(long, env = "FERRUM_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "FERRUM_S3_REGION", default_value = "us-east-1", global = true)]
    pub s3_region: String,
    /// Path-style addressing (most S3-compatible servers need it).
    #[arg(long, env = "FERRUM_S3_PATH_STYLE", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub s3_path_style: bool,
    /// Key prefix inside the bucket.
    #[arg(long, env = "FERRUM_S3_PREFIX", default_value = "", global = true)]
    pub s3_prefix: String,
    /// Server-side encryption of every stored object.
    #[arg(long, env = "FERRUM_S3_SSE", value_enum, default_value = "aes256", global = true)]
    pub s3_sse: SseSetting,
    /// KMS key for `FERRUM_S3_SSE=aws-kms` (unset: the bucket's default key).
    #[arg(long, env = "FERRUM_S3_KMS_KEY_ID", global = true)]
    pub s3_kms_key_id: Option<String>,
    /// Raw downloads from S3 answer a redirect to a presigned URL living this many seconds
    /// (0: the server streams the bytes itself).
    #[arg(long, env = "FERRUM_S3_PRESIGN_SECS", default_value_t = 0, global = true)]
    pub s3_presign_secs: u64,
    /// Endpoint browsers reach the S3 store at, when it differs from FERRUM_S3_ENDPOINT;
    /// presigned URLs are signed for it.
    #[arg(long, env = "FERRUM_S3_PUBLIC_ENDPOINT", global = true)]
    pub s3_public_endpoint: Option<String>,
    /// PEM file with the TLS certificate chain; with FERRUM_TLS_KEY the server speaks HTTPS
    /// itself (then HSTS on every answer and Secure cookies).
    #[arg(long, env = "FERRUM_TLS_CERT", global = true)]
    pub tls_cert: Option<PathBuf>,
    /// PEM file with the TLS private key (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "FERRUM_TLS_KEY", global = true)]
    pub tls_key: Option<PathBuf>,
    /// Origins other web apps may call the API from, comma-separated exact origins such as
    /// `https://viewer.example.org`; unset, no cross-origin request is allowed.
    #[arg(long, env = "FERRUM_CORS_ORIGINS", global = true)]
    pub cors_origins: Option<String>,
    /// A built OHIF viewer (the `dist/` folder of npm's `@ohif/app`) to serve under `/ohif/`,
    /// configured to read this server's DICOMweb root; unset, `/ohif/` is 404.
    #[arg(long, env = "FERRUM_OHIF_DIR", global = true)]
    pub ohif_dir: Option<PathBuf>,
    /// Proxies whose client-address header is believed, comma-separated CIDRs such as
    /// `10.0.0.0/8,127.0.0.1/32`; unset, the peer address is the client's.
    #[arg(long, env = "FERRUM_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// Which header the trusted proxies set: `x-forwarded-for` or `forwarded` (RFC 7239).
    /// Only that one is read, so that a client cannot slip in the other one.
    #[arg(long, env = "FERRUM_CLIENT_ADDR_HEADER", value_enum, default_value = "x-forwarded-for", global = true)]
    pub client_addr_header: ForwardedHeader,
    /// A client must send a request's whole header within this many seconds of connecting.
    #[arg(long, env = "FERRUM_REQUEST_HEADER_TIMEOUT_SECS", default_value_t = 5, global = true)]
    pub request_header_timeout_secs: u64,
    /// An idle connection between requests is closed after this many seconds (0: no keep-alive).
    #[arg(long, env = "FERRUM_KEEP_ALIVE_SECS", default_value_t = 10, global = true)]
    pub keep_alive_secs: u64,
    /// How long a connection being closed gets to finish, seconds.
    #[arg(long, env = "FERRUM_DISCONNECT_TIMEOUT_SECS", default_value_t = 2, global = true)]
    pub disconnect_timeout_secs: u64,
    /// A request body (an upload) that sends nothing for this many seconds is cut off.
    #[arg(long, env = "FERRUM_BODY_IDLE_TIMEOUT_SECS", default_value_t = 30, global = true)]
    pub body_idle_timeout_secs: u64,
    /// Largest JSON request body, bytes (uploads have FERRUM_MAX_UPLOAD_BYTES).
    #[arg(long, env = "FERRUM_MAX_JSON_BYTES", default_value_t = 64 * 1024, global = true)]
    pub max_json_bytes: usize,
    /// Most connections one worker thread holds open at once (there is a worker per CPU).
    #[arg(long, env = "FERRUM_MAX_CONNECTIONS", default_value_t = 25_000, global = true)]
    pub max_connections: usize,
    /// Address of the DICOM listener (DIMSE: C-ECHO, C-STORE, C-FIND), such as
    /// `0.0.0.0:11112` (port 0 picks a free port); unset: no DICOM listener.
    #[arg(long, env = "FERRUM_DICOM_BIND", global = true)]
    pub dicom_bind: Option<String>,
    /// This server's own AE title, which callers must call.
    #[arg(long, env = "FERRUM_DICOM_AET", default_value = "FERRUM", global = true)]
    pub dicom_aet: String,
    /// Accept associations from AE titles that are not known nodes; they may only C-ECHO.
    /// A known AE title calling from another host is refused either way.
    #[arg(long, env = "FERRUM_DICOM_ALLOW_UNKNOWN", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub dicom_allow_unknown: bool,
    /// Largest PDU the DICOM listener receives, bytes (a larger one aborts the association).
    #[arg(long, env = "FERRUM_DICOM_MAX_PDU", default_value_t = 65_536, global = true)]
    pub dicom_max_pdu: u32,
    /// Largest object one C-STORE may send, bytes; a larger one is refused (A700) and the
    /// association goes on.
    #[arg(long, env = "FERRUM_DICOM_MAX_OBJECT_BYTES", default_value_t = 4 * GIB, global = true)]
    pub dicom_max_object_bytes: u64,
    /// Most DICOM associations open at once; one more is rejected (transient, local limit).
    #[arg(long, env = "FERRUM_DICOM_MAX_ASSOCIATIONS", default_value_t = 64, global = true)]
    pub dicom_max_associations: usize,
    /// An association that sends nothing for this long is aborted, seconds.
    #[arg(long, env = "FERRUM_DICOM_TIMEOUT_SECS", default_value_t = 60, global = true)]
    pub dicom_timeout_secs: u64,
    /// PEM file with the DICOM listener's TLS certificate chain; with FERRUM_DICOM_TLS_KEY
    /// the listener speaks DICOM over TLS (PS3.15 B.1) only.
    #[arg(long, env = "FERRUM_DICOM_TLS_CERT", global = true)]
    pub dicom_tls_cert: Option<PathBuf>,
    /// PEM file with the DICOM listener's TLS private key (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "FERRUM_DICOM_TLS_KEY", global = true)]
    pub dicom_tls_key: Option<PathBuf>,
    /// PEM file with the certificates that issue DICOM clients' certificates: with it, every
    /// DICOM TLS client must present one (mutual TLS).
    #[arg(long, env = "FERRUM_DICOM_TLS_CLIENT_CA", global = true)]
    pub dicom_tls_client_ca: Option<PathBuf>,
    /// Log filter (tracing's EnvFilter syntax).
    #[arg(
        long,
        env = "FERRUM_LOG",
        default_value = "info,sqlx=warn,dicom_parser=error,dicom_object=error",
        global = true
    )]
    pub log: String,
    /// Log line format: `json` (one JSON object a line) or `text`; unset, JSON unless stderr
    /// is a terminal.
    #[arg(long, env = "FERRUM_LOG_FORMAT", value_enum, global = true)]
    pub log_format: Option<LogFormat>,
    /// On SIGTERM or Ctrl-C, how long requests in flight (uploads) and background jobs get to
    /// finish before the process exits anyway, seconds.
    #[arg(long, env = "FERRUM_SHUTDOWN_GRACE_SECS", default_value_t = 30, global = true)]
    pub shutdown_grace_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object a line, for log collectors.
    Json,
    /// Human-readable lines.
    Text,
}

/// The PEM files of the DICOM listener's TLS.
pub struct DicomTlsFiles<'a> {
    pub cert: &'a Path,
    pub key: &'a Path,
    pub client_ca: Option<&'a Path>,
}

/// A setting that failed validation, named as the user sets it.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {why}")]
pub struct SettingError {
    pub name: &'static str,
    pub why: String,
}

impl Settings {
    /// Checks the settings that clap's types cannot; answers the listen address.
    pub fn validate(&self) -> Result<SocketAddr, SettingError> {
        let bind = self.bind.parse::<SocketAddr>().map_err(|e| SettingError {
            name: "FERRUM_BIND",
            why: format!("{e} (expected HOST:PORT such as 127.0.0.1:8080)"),
        })?;
        if let Some(url) = &self.database_url {
            if !(url.starts_with("sqlite:") || url.starts_with("postgres:") || url.starts_with("postgresql:")) {
                return Err(SettingError {
                    name: "DATABASE_URL",
                    why: "must start with sqlite:// or postgres://".into(),
                });
            }
        }
        if let Some(why) = self.jwt_secret.as_deref().and_then(|s| secrets::weakness(s, 32)) {
            return Err(SettingError { name: "FERRUM_JWT_SECRET", why });
        }
        if let Some(why) = self.admin_password.as_deref().and_then(|p| secrets::weakness(p, 10)) {
            return Err(SettingError { name: "FERRUM_ADMIN_PASSWORD", why });
        }
        if self.token_ttl_secs == 0 || self.token_ttl_secs > 24 * 3600 {
            return Err(SettingError { name: "FERRUM_TOKEN_TTL_SECS", why: "must be between 1 and 86400".into() });
        }
        if self.session_ttl_secs == 0 || self.session_ttl_secs > 30 * 24 * 3600 {
            return Err(SettingError {
                name: "FERRUM_SESSION_TTL_SECS",
                why: "must be between 1 s and 30 days".into(),
            });
        }
        if self.session_idle_secs == 0 {
            return Err(SettingError { name: "FERRUM_SESSION_IDLE_SECS", why: "must be at least 1".into() });
        }
        crate::auth::mfa_policy::parse_roles(&self.mfa_required_roles)
            .map_err(|why| SettingError { name: "FERRUM_MFA_REQUIRED_ROLES", why })?;
        if let Some(keys) = &self.jwt_keys {
            let parsed =
                crate::auth::token::parse_keys(keys).map_err(|why| SettingError { name: "FERRUM_JWT_KEYS", why })?;
            for (kid, secret) in &parsed {
                if let Some(why) = secrets::weakness(&String::from_utf8_lossy(secret), 32) {
                    return Err(SettingError {
                        name: "FERRUM_JWT_KEYS",
                        why: format!("the secret of key {kid} {why}"),
                    });
                }
            }
            if self.jwt_secret.is_none() && self.link_keys.is_none() {
                return Err(SettingError {
                    name: "FERRUM_JWT_KEYS",
                    why: "with FERRUM_JWT_KEYS, set FERRUM_LINK_KEYS too (or keep FERRUM_JWT_SECRET), so that \
                          every instance signs viewer links with the same key"
                        .into(),
                });
            }
        }
        if self.max_upload_bytes == 0 {
            return Err(SettingError { name: "FERRUM_MAX_UPLOAD_BYTES", why: "must be above 0".into() });
        }
        if self.zip_max_ratio < 2 {
            return Err(SettingError { name: "FERRUM_ZIP_MAX_RATIO", why: "must be at least 2".into() });
        }
        if self.encryption_key_file.is_some() && self.s3_bucket.is_some() {
            return Err(SettingError {
                name: "FERRUM_ENCRYPTION_KEY_FILE",
                why: "encrypts the local blob directory; objects in S3 are encrypted by the bucket (FERRUM_S3_SSE)"
                    .into(),
            });
        }
        if let Some(bucket) = &self.s3_bucket {
            let ok = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
            if !ok {
                return Err(SettingError { name: "FERRUM_S3_BUCKET", why: "not a valid bucket name".into() });
            }
        }
        let not_http =
            |e: &Option<String>| e.as_deref().is_some_and(|e| !(e.starts_with("http://") || e.starts_with("https://")));
        if not_http(&self.s3_endpoint) {
            return Err(SettingError { name: "FERRUM_S3_ENDPOINT", why: "must be an http:// or https:// URL".into() });
        }
        if not_http(&self.s3_public_endpoint) {
            return Err(SettingError {
                name: "FERRUM_S3_PUBLIC_ENDPOINT",
                why: "must be an http:// or https:// URL".into(),
            });
        }
        // Presigned URLs are meant to live minutes; SigV4 refuses more than 7 days anyway.
        if self.s3_presign_secs > 3600 {
            return Err(SettingError { name: "FERRUM_S3_PRESIGN_SECS", why: "must be at most 3600 (one hour)".into() });
        }
        if self.sweep_interval_secs == 0 {
            return Err(SettingError { name: "FERRUM_SWEEP_INTERVAL_SECS", why: "must be at least 1".into() });
        }
        if self.job_workers > 64 {
            return Err(SettingError { name: "FERRUM_JOB_WORKERS", why: "must be at most 64".into() });
        }
        if self.link_max_ttl_secs == 0 || self.link_default_ttl_secs == 0 {
            return Err(SettingError {
                name: "FERRUM_LINK_MAX_TTL_SECS",
                why: "link lifetimes must be at least 1 second".into(),
            });
        }
        if let Some(keys) = &self.link_keys {
            crate::auth::link_token::LinkKeys::parse(keys)
                .map_err(|why| SettingError { name: "FERRUM_LINK_KEYS", why })?;
            for (kid, secret) in keys.split(',').filter_map(|k| k.trim().split_once(':')) {
                if let Some(why) = secrets::weakness(secret, 32) {
                    return Err(SettingError {
                        name: "FERRUM_LINK_KEYS",
                        why: format!("the secret of key {kid} {why}"),
                    });
                }
            }
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            let name = if self.tls_cert.is_some() { "FERRUM_TLS_KEY" } else { "FERRUM_TLS_CERT" };
            return Err(SettingError { name, why: "FERRUM_TLS_CERT and FERRUM_TLS_KEY are set together".into() });
        }
        if let Some(origins) = &self.cors_origins {
            crate::http::cors::parse_origins(origins)
                .map_err(|why| SettingError { name: "FERRUM_CORS_ORIGINS", why })?;
        }
        if let Some(dir) = &self.ohif_dir {
            if !dir.join("index.html").is_file() {
                return Err(SettingError {
                    name: "FERRUM_OHIF_DIR",
                    why: format!("{} has no index.html; point it at the dist/ folder of @ohif/app", dir.display()),
                });
            }
        }
        if let Some(proxies) = &self.trusted_proxies {
            crate::http::client_addr::TrustedProxies::parse(proxies)
                .map_err(|why| SettingError { name: "FERRUM_TRUSTED_PROXIES", why })?;
        }
        let at_least_one = [
            ("FERRUM_REQUEST_HEADER_TIMEOUT_SECS", self.request_header_timeout_secs),
            ("FERRUM_BODY_IDLE_TIMEOUT_SECS", self.body_idle_timeout_secs),
            ("FERRUM_MAX_CONNECTIONS", self.max_connections as u64),
        ];
        if let Some((name, _)) = at_least_one.iter().find(|(_, v)| *v == 0) {
            return Err(SettingError { name, why: "must be at least 1".into() });
        }
        if self.max_json_bytes < 1024 {
            return Err(SettingError { name: "FERRUM_MAX_JSON_BYTES", why: "must be at least 1024".into() });
        }
        if not_http(&self.public_url) {
            return Err(SettingError { name: "FERRUM_PUBLIC_URL", why: "must be an http:// or https:// URL".into() });
        }
        if self.login_max_failures < 1 {
            return Err(SettingError { name: "FERRUM_LOGIN_MAX_FAILURES", why: "must be at least 1".into() });
        }
        self.dicom_listener()?;
        self.dicom_tls_files()?;
        Ok(bind)
    }

    /// The DICOM listener's address, if there is one, with its own AE title checked.
    pub fn dicom_listener(&self) -> Result<Option<SocketAddr>, SettingError> {
        let Some(bind) = &self.dicom_bind else { return Ok(None) };
        let addr = bind.parse::<SocketAddr>().map_err(|e| SettingError {
            name: "FERRUM_DICOM_BIND",
            why: format!("{e} (expected HOST:PORT such as 0.0.0.0:11112)"),
        })?;
        ferrum_dicom::AeTitle::parse(&self.dicom_aet).map_err(|why| SettingError { name: "FERRUM_DICOM_AET", why })?;
        // A receiver offers some KiB at least (dcmtk offers 16 KiB); more than 16 MiB buys
        // nothing but memory held per association.
        if !(4096..=16 * 1024 * 1024).contains(&self.dicom_max_pdu) {
            return Err(SettingError { name: "FERRUM_DICOM_MAX_PDU", why: "must be between 4096 and 16777216".into() });
        }
        let at_least_one = [
            ("FERRUM_DICOM_MAX_ASSOCIATIONS", self.dicom_max_associations as u64),
            ("FERRUM_DICOM_TIMEOUT_SECS", self.dicom_timeout_secs),
            ("FERRUM_DICOM_MAX_OBJECT_BYTES", self.dicom_max_object_bytes),
        ];
        if let Some((name, _)) = at_least_one.iter().find(|(_, v)| *v == 0) {
            return Err(SettingError { name, why: "must be at least 1".into() });
        }
        Ok(Some(addr))
    }

    /// The DICOM listener's TLS files: certificate and key set together, a client CA only
    /// with them.
    pub fn dicom_tls_files(&self) -> Result<Option<DicomTlsFiles<'_>>, SettingError> {
        match (&self.dicom_tls_cert, &self.dicom_tls_key) {
            (Some(cert), Some(key)) => {
                Ok(Some(DicomTlsFiles { cert, key, client_ca: self.dicom_tls_client_ca.as_deref() }))
            }
            (None, None) if self.dicom_tls_client_ca.is_some() => Err(SettingError {
                name: "FERRUM_DICOM_TLS_CLIENT_CA",
                why: "needs FERRUM_DICOM_TLS_CERT and FERRUM_DICOM_TLS_KEY".into(),
            }),
            (None, None) => Ok(None),
            (cert, _) => Err(SettingError {
                name: if cert.is_some() { "FERRUM_DICOM_TLS_KEY" } else { "FERRUM_DICOM_TLS_CERT" },
                why: "FERRUM_DICOM_TLS_CERT and FERRUM_DICOM_TLS_KEY are set together".into(),
            }),
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("catalog.db").display()))
    }

    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }

    /// The wrapped data keys of an encrypted blob directory: beside it, not in it, so that a
    /// copy of the objects alone opens nothing.
    pub fn data_key_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    /// Where request bodies are spooled before ingest; on the blob directory's file system,
    /// so that storing a spooled object is a rename.
    pub fn spool_dir(&self) -> PathBuf {
        self.data_dir.join("spool")
    }

    /// Whether browsers reach the service over HTTPS: served here, or by a proxy in front
    /// (told by FERRUM_PUBLIC_URL).
    pub fn browsers_use_https(&self) -> bool {
        self.tls_cert.is_some() || self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("bind", &self.bind)
            .field("database_url", &self.database_url.as_ref().map(|u| redact_url(u)))
            .field("jwt_secret", &redacted(&self.jwt_secret))
            .field("audit_key", &redacted(&self.audit_key))
            .field("audit_retention_days", &self.audit_retention_days)
            .field("retention_days", &self.retention_days)
            .field("jwt_keys", &redacted(&self.jwt_keys))
            .field("admin_password", &redacted(&self.admin_password))
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("conflict_policy", &self.conflict_policy)
            .field("encryption_key_file", &self.encryption_key_file)
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("link_keys", &redacted(&self.link_keys))
            .field("tls_cert", &self.tls_cert)
            .field("cors_origins", &self.cors_origins)
            .field("ohif_dir", &self.ohif_dir)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("dicom_bind", &self.dicom_bind)
            .field("dicom_aet", &self.dicom_aet)
            .field("dicom_tls_cert", &self.dicom_tls_cert)
            .finish_non_exhaustive()
    }
}

/// Hides the password of a database URL.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://<redacted>@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_owned(),
    }
}
