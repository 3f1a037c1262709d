//! `ferrum config check`: the effective configuration with secrets redacted, and live checks
//! of the catalog, the blob store and the ports that name what failed.
use crate::harness::{app, ADMIN_PASSWORD};

const JWT_SECRET: &str = "e2e-config-check-9d81c3a5b7f2e4d6a0c8b1f3";

#[tokio::test]
async fn config_check_passes_against_a_working_setup_and_shows_no_secret() {
    let app = app().spawn().await;
    let out = app
        .command()
        .args(["config", "check"])
        .env("FERRUM_JWT_SECRET", JWT_SECRET)
        .env("FERRUM_DICOM_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "config check failed:\n{stdout}\n{stderr}");
    for line in [
        "FERRUM_JWT_SECRET = <redacted> (environment)",
        "FERRUM_ADMIN_PASSWORD = <redacted> (environment)",
        "FERRUM_SHUTDOWN_GRACE_SECS = 30 (default)",
        "FERRUM_BIND = 127.0.0.1:0 (environment)",
        "  settings: ok",
        "  catalog: ok",
        "  blob store: ok",
        "  HTTP port: ok",
        "  DICOM port: ok",
        "all checks passed",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
    for secret in [JWT_SECRET, ADMIN_PASSWORD] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "{secret} shown");
    }
    if let Ok(url) = std::env::var("FERRUM_TEST_DATABASE_URL") {
        // postgres://user:password@host/db: the password never shows.
        if let Some(password) = url.split("://").nth(1).and_then(|rest| rest.split('@').next()?.split(':').nth(1)) {
            if crate::harness::catalog_is_postgres() {
                assert!(!stdout.contains(&format!(":{password}@")), "the database password is shown");
            }
        }
    }
    // The probe object is gone again.
    let probes = std::fs::read_dir(app.blob_root().join("probe")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(probes, 0, "the probe object was left behind");
}

#[tokio::test]
async fn config_check_names_an_unreachable_catalog_and_blob_store_and_exits_1() {
    let app = app().spawn().await;
    let out = app
        .command()
        .args(["config", "check"])
        .env("DATABASE_URL", "postgres://ferrum:hunter2-db-secret@127.0.0.1:1/nowhere")
        .env("FERRUM_S3_BUCKET", "no-such-bucket")
        .env("FERRUM_S3_ENDPOINT", "http://127.0.0.1:1")
        .env("FERRUM_S3_PATH_STYLE", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEPROBE")
        .env("AWS_SECRET_ACCESS_KEY", "aws-secret-never-shown-0123456789")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "config check passed with nothing reachable:\n{stdout}\n{stderr}");
    assert!(stdout.contains("  catalog: FAILED"), "{stdout}");
    assert!(stdout.contains("  blob store: FAILED"), "{stdout}");
    assert!(stdout.contains("  settings: ok"), "{stdout}");
    assert!(stderr.contains("failed: catalog, blob store"), "{stderr}");
    assert!(stdout.contains("DATABASE_URL = postgres://<redacted>@127.0.0.1:1/nowhere"), "{stdout}");
    assert!(stdout.contains("AWS_SECRET_ACCESS_KEY = <set>"), "{stdout}");
    for secret in ["hunter2-db-secret", "aws-secret-never-shown", "AKIAEXAMPLEPROBE"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "{secret} shown:\n{stdout}\n{stderr}");
    }
}
