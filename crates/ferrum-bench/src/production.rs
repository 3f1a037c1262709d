//! Fresh PostgreSQL databases and S3 buckets for the production-mode runs, so that every run
//! starts from an empty (or freshly seeded) catalog and bucket.
use anyhow::Context;
use sqlx::Connection;

/// Creates a database next to the one `admin_url` names; answers its URL.
pub async fn fresh_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let mut conn = sqlx::PgConnection::connect(admin_url).await.context("connecting to PostgreSQL (--pg-url)")?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
    let base = admin_url.rfind('/').context("--pg-url must end in /DATABASE")?;
    Ok(format!("{}/{name}", &admin_url[..base]))
}

/// Creates a bucket on the S3-compatible store at `endpoint`, with credentials from the
/// standard AWS chain (the same the server uses).
pub async fn fresh_bucket(endpoint: &str, name: &str) -> anyhow::Result<()> {
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .load()
        .await;
    let config = aws_sdk_s3::config::Builder::from(&shared).endpoint_url(endpoint).force_path_style(true).build();
    aws_sdk_s3::Client::from_conf(config)
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .with_context(|| format!("creating bucket {name} on {endpoint}"))?;
    Ok(())
}

/// The server environment of the production set-up over `database_url` and `bucket`.
pub fn ferrum_env(database_url: &str, endpoint: &str, bucket: &str) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", database_url),
        ("FERRUM_S3_BUCKET", bucket),
        ("FERRUM_S3_ENDPOINT", endpoint),
        ("FERRUM_S3_PATH_STYLE", "true"),
        ("FERRUM_DB_MAX_CONNECTIONS", "16"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Orthanc's configuration for its PostgreSQL index plugin (files stay on disk).
pub fn orthanc_postgres(database_url: &str) -> anyhow::Result<serde_json::Value> {
    let url = reqwest::Url::parse(database_url).context("--pg-url")?;
    Ok(serde_json::json!({
        "PostgreSQL": {
            "EnableIndex": true,
            "EnableStorage": false,
            "Host": url.host_str().unwrap_or("127.0.0.1"),
            "Port": url.port().unwrap_or(5432),
            "Database": url.path().trim_start_matches('/'),
            "Username": url.username(),
            "Password": url.password().unwrap_or(""),
            "Lock": false
        }
    }))
}

pub const ORTHANC_POSTGRES_PLUGIN: &str = "/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so";
