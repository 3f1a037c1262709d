//! `GET /metrics`: requests by route template, uploads, ingest, job backlog, audit latency,
//! the catalog's series, and no UID, token, patient data or raw path in any of it.
use serde_json::json;

use crate::fixtures::*;
use crate::harness::app;

/// The value of the line `series` (name and labels exactly), when present.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Every label value of every sample line.
fn label_values(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((_, rest)) = line.split_once('{') else { continue };
        let Some((labels, _)) = rest.rsplit_once('}') else { continue };
        for pair in labels.split("\",") {
            let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("a label without a value: {line}"));
            out.push((k.to_owned(), v.trim_end_matches('"').to_owned()));
        }
    }
    out
}

#[tokio::test]
async fn metrics_count_routes_uploads_and_backlog_without_a_uid_token_or_patient_in_a_label() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let mut specs = Vec::new();
    let mut bytes = 0;
    for i in 1..=2 {
        let mut spec = Spec::new(920, 1, i).name("Metricus^Secreta").size(16);
        spec.patient_id = "MPID-88123".into();
        let body = dicom(&spec);
        bytes += body.len();
        let (status, report) = app.upload("application/dicom", body).await;
        assert_eq!(status, 201, "{report}");
        specs.push(spec);
    }
    let (status, _) = app.upload("application/dicom", b"not a dicom file at all".to_vec()).await;
    assert_eq!(status, 422);
    let study = specs[0].study.clone();
    assert_eq!(app.get(&format!("/api/studies/{study}")).send().await.unwrap().status(), 200);
    let r = app.get("/api/studies?patient_name=Metricus").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let nowhere = format!("/api/no-such-route/{study}");
    assert_eq!(app.get(&nowhere).send().await.unwrap().status(), 404);
    // A viewer link, opened and read through.
    let r = app
        .client
        .post(app.url(&format!("/api/studies/{study}/links")))
        .bearer_auth(app.token())
        .json(&json!({ "expires_in": 3600 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let link: serde_json::Value = r.json().await.unwrap();
    let link_token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    assert_eq!(app.client.get(app.url(&format!("/v/{link_token}"))).send().await.unwrap().status(), 200);
    let r = app.client.get(app.url(&format!("/api/share/{link_token}/study"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A job due since long ago and held by a worker that is gone: in the backlog until its
    // lease runs out.
    app.catalog_sql(
        "INSERT INTO jobs (kind, subject, run_after, locked_until, created_at) VALUES \
         ('thumbnail', 'metrics-probe', '2020-01-01T00:00:00.000000Z', '2999-01-01T00:00:00.000000Z', \
          '2020-01-01T00:00:00.000000Z')",
    )
    .await
    .unwrap();

    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = r.text().await.unwrap();
    let v = |series: &str| value(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));

    assert_eq!(v(r#"ferrum_http_requests_total{route="/api/uploads",method="POST",status="201"}"#), 2.0);
    assert_eq!(v(r#"ferrum_http_requests_total{route="/api/studies/{study_uid}",method="GET",status="200"}"#), 1.0);
    assert_eq!(v(r#"ferrum_http_requests_total{route="<unmatched>",method="GET",status="404"}"#), 1.0);
    assert_eq!(
        v(r#"ferrum_http_request_duration_seconds_count{route="/api/uploads",method="POST",status="201"}"#),
        2.0
    );
    assert!(
        text.contains(
            r#"ferrum_http_request_duration_seconds_bucket{le="0.005",route="/v/{token}",method="GET",status="200"}"#
        ) || text.contains(
            r#"ferrum_http_request_duration_seconds_bucket{route="/v/{token}",method="GET",status="200",le="0.005"}"#
        ),
        "a latency histogram per route:\n{text}"
    );
    assert_eq!(v(r#"ferrum_uploads_total{outcome="accepted"}"#), 2.0);
    assert_eq!(v(r#"ferrum_uploads_total{outcome="refused"}"#), 1.0);
    assert_eq!(v(r#"ferrum_ingest_files_total{outcome="stored"}"#), 2.0);
    assert_eq!(v(r#"ferrum_ingest_files_total{outcome="rejected"}"#), 1.0);
    assert!(v("ferrum_ingest_bytes_total") >= bytes as f64);
    assert_eq!(v("ferrum_ingest_in_flight"), 0.0);
    assert!(v(r#"ferrum_jobs_due{kind="thumbnail"}"#) >= 1.0);
    assert!(v(r#"ferrum_jobs_oldest_due_seconds{kind="thumbnail"}"#) > 365.0 * 86400.0);
    assert!(v("ferrum_audit_append_duration_seconds_count") >= 1.0, "the reads were audited through append");
    // The series that were there before.
    for series in [
        "ferrum_catalog_database_locked_total",
        "ferrum_catalog_write_wait_seconds_count",
        "ferrum_catalog_write_wait_max_seconds",
    ] {
        v(series);
    }
    assert!(text.contains("# TYPE ferrum_jobs_completed counter"));
    // The upload wrote its objects through the blob store.
    let backend = if std::env::var("FERRUM_E2E_BLOBS").as_deref() == Ok("s3") { "s3" } else { "local" };
    let calls = |call: &str| {
        format!(r#"ferrum_blob_call_duration_seconds_count{{backend="{backend}",call="{call}",outcome="ok"}}"#)
    };
    assert!(v(&calls("put")) >= 1.0, "{text}");
    assert!(v("ferrum_catalog_pool_max_connections") >= 1.0);
    assert!(
        v(r#"ferrum_catalog_pool_connections{state="idle"}"#) + v(r#"ferrum_catalog_pool_connections{state="in_use"}"#)
            >= 1.0
    );
    assert!(text.contains("# TYPE ferrum_job_duration_seconds histogram"));

    let secrets = [
        ROOT,
        study.as_str(),
        "Metricus",
        "Secreta",
        "MPID-88123",
        link_token.as_str(),
        app.token(),
        "no-such-route",
        "patient_name",
    ];
    for secret in secrets {
        assert!(!text.contains(secret), "/metrics shows {secret:?}:\n{text}");
    }
    for (key, value) in label_values(&text) {
        let fine = match key.as_str() {
            "route" => value == "<unmatched>" || (value.starts_with('/') && !value.contains('.')),
            "method" => ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"].contains(&value.as_str()),
            "status" => value.parse::<u16>().is_ok(),
            "le" => value == "+Inf" || value.parse::<f64>().is_ok(),
            "kind" | "outcome" | "call" | "state" => value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "backend" => value == "s3" || value == "local",
            _ => false,
        };
        assert!(fine, "label {key}={value:?} in /metrics");
    }
}
