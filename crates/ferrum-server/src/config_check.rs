//! `ferrum config check`: the effective configuration, every setting with where its value
//! came from (secrets redacted), then a live check of what the server needs: the settings
//! are valid, the catalog answers a query, the blob store takes, gives back and deletes a
//! probe object, and the HTTP and DICOM ports can be bound (or are already served).
//! Exits non-zero naming what failed, for deployment scripts and health gates.
use std::time::{Duration, Instant};

use clap::parser::ValueSource;
use clap::ArgMatches;
use ferrum_store::blob::BlobKey;

use crate::config::Settings;

/// Longest one check may take: an unreachable host fails instead of hanging the command.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// Environment variables read outside the settings struct (by the S3 client), shown as set
/// or not, never their values.
const CREDENTIALS: &[&str] = &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"];

/// Prints the configuration and runs the checks; answers whether every check passed.
pub async fn run(settings: &Settings, command: &clap::Command, matches: &ArgMatches) -> bool {
    println!("configuration:");
    for line in effective(command, matches) {
        println!("  {line}");
    }
    for name in CREDENTIALS {
        let state = if std::env::var_os(name).is_some() { "<set>" } else { "<unset>" };
        println!("  {name} = {state}");
    }
    println!("checks:");
    let mut failed = Vec::new();
    let mut report = |name: &str, outcome: Result<String, String>| match outcome {
        Ok(detail) => println!("  {name}: ok ({detail})"),
        Err(why) => {
            println!("  {name}: FAILED: {why}");
            failed.push(name.to_owned());
        }
    };
    let http = match settings.validate() {
        Ok(addr) => {
            report("settings", Ok("valid".into()));
            Some(addr)
        }
        Err(e) => {
            report("settings", Err(e.to_string()));
            None
        }
    };
    report("catalog", timed(check_catalog(settings)).await);
    report("blob store", timed(check_blobs(settings)).await);
    if let Some(addr) = http {
        report("HTTP port", timed(check_port(addr)).await);
    }
    match settings.dicom_listener() {
        Ok(Some(addr)) => report("DICOM port", timed(check_port(addr)).await),
        Ok(None) => println!("  DICOM port: not configured (FERRUM_DICOM_BIND unset)"),
        Err(_) => {} // reported with the settings
    }
    if failed.is_empty() {
        println!("all checks passed");
        true
    } else {
        eprintln!("failed: {}", failed.join(", "));
        false
    }
}

/// `NAME = value (source)` for every setting, in declaration order.
fn effective(command: &clap::Command, matches: &ArgMatches) -> Vec<String> {
    let mut lines = Vec::new();
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if id == "help" || id == "version" {
            continue;
        }
        let name = arg.get_env().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| format!("--{id}"));
        let raw: Option<String> = matches
            .try_get_raw(id)
            .ok()
            .flatten()
            .map(|values| values.map(|v| v.to_string_lossy().into_owned()).collect::<Vec<_>>().join(","));
        let value = match raw {
            None => "<unset>".to_owned(),
            Some(_) if arg.is_hide_env_values_set() => "<redacted>".to_owned(),
            Some(v) if name == "DATABASE_URL" => crate::config::redact_url(&v),
            Some(v) => v,
        };
        let source = match matches.value_source(id) {
            Some(ValueSource::DefaultValue) => " (default)",
            Some(ValueSource::EnvVariable) => " (environment)",
            Some(ValueSource::CommandLine) => " (command line)",
            _ => "",
        };
        lines.push(format!("{name} = {value}{source}"));
    }
    lines
}

async fn timed<F: std::future::Future<Output = Result<String, String>>>(check: F) -> Result<String, String> {
    let started = Instant::now();
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(Ok(detail)) => Ok(format!("{detail}, {} ms", started.elapsed().as_millis())),
        Ok(Err(why)) => Err(why),
        Err(_) => Err(format!("no answer within {} s", CHECK_TIMEOUT.as_secs())),
    }
}

/// Opens the catalog as the server does (applying migrations not applied yet) and queries it.
async fn check_catalog(settings: &Settings) -> Result<String, String> {
    let url = settings.database_url();
    let kind = if url.starts_with("sqlite:") { "embedded SQLite" } else { "PostgreSQL" };
    let catalog = ferrum_store::catalog::open(&url, 1)
        .await
        .map_err(|e| format!("cannot open {}: {e}", crate::config::redact_url(&url)))?;
    catalog.health().await.map_err(|e| format!("does not answer a query: {e}"))?;
    let users = catalog.count_users().await.map_err(|e| format!("cannot read the accounts: {e}"))?;
    Ok(format!("{kind}, {users} accounts"))
}

/// Writes a probe object, reads it back, deletes it.
async fn check_blobs(settings: &Settings) -> Result<String, String> {
    use futures_util::TryStreamExt;
    let kind = if settings.s3_bucket.is_some() { "S3 bucket" } else { "local directory" };
    let blobs = crate::startup::open_blob_store(settings).await.map_err(|e| format!("{e:#}"))?;
    let key =
        BlobKey::parse(&format!("probe/config-check-{}", uuid::Uuid::new_v4().simple())).map_err(|e| e.to_string())?;
    let probe = bytes::Bytes::from_static(b"ferrum config check probe");
    blobs.put_bytes(&key, probe.clone(), None).await.map_err(|e| format!("cannot write a probe object: {e}"))?;
    let read = async {
        let stream = blobs.get(&key, None).await.map_err(|e| format!("cannot read the probe object back: {e}"))?;
        let chunks: Vec<bytes::Bytes> =
            stream.try_collect().await.map_err(|e| format!("cannot read the probe object back: {e}"))?;
        Ok::<_, String>(chunks.concat())
    }
    .await;
    let deleted = blobs.delete(&key).await.map_err(|e| format!("cannot delete the probe object: {e}"));
    if read? != probe.as_ref() {
        return Err("the probe object read back differs from what was written".into());
    }
    deleted?;
    Ok(format!("{kind}: probe written, read back and deleted"))
}

/// Free to bind, or already served (a running server holds it): either way the server can
/// be reached there. Bound by something that does not accept: a failure.
async fn check_port(addr: std::net::SocketAddr) -> Result<String, String> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => Ok(format!("{} can be bound", listener.local_addr().map_err(|e| e.to_string())?)),
        Err(bind) => match tokio::net::TcpStream::connect(addr).await {
            Ok(_) => Ok(format!("{addr} is in use and accepts connections (a running server?)")),
            Err(_) => Err(format!("cannot bind {addr}: {bind}")),
        },
    }
}
