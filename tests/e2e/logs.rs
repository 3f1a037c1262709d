//! The log: JSON lines, each line of a request carrying its request id (the caller's own when
//! sane), and nothing of the patient in any of them.
use std::time::Duration;

use serde_json::Value;

use crate::fixtures::*;
use crate::harness::app;

fn lines(log: &str) -> Vec<Value> {
    log.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {l}")))
        .collect()
}

/// The names of the spans a line was logged in (outermost first) and of the span it closes.
fn span_names(line: &Value) -> Vec<String> {
    let mut names: Vec<String> = line["spans"]
        .as_array()
        .map(|spans| spans.iter().filter_map(|s| s["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    names.extend(line["span"]["name"].as_str().map(str::to_owned));
    names
}

fn request_ids(line: &Value) -> Vec<String> {
    let mut ids: Vec<String> = line["spans"]
        .as_array()
        .map(|spans| spans.iter().filter_map(|s| s["request_id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    ids.extend(line["span"]["request_id"].as_str().map(str::to_owned));
    ids.extend(line["request_id"].as_str().map(str::to_owned));
    ids
}

#[tokio::test]
async fn json_log_lines_carry_the_request_id_into_the_upload_and_never_the_patient() {
    let app = app().env("FERRUM_LOG_FORMAT", "json").spawn().await.logged_in_as_admin().await;
    let mut spec = Spec::new(910, 1, 1).name("Logwatch^Hidden");
    spec.patient_id = "LOGPID-5521".into();
    spec.accession = "ACCLOG77".into();
    let r = app
        .client
        .post(app.url("/api/uploads"))
        .bearer_auth(app.token())
        .header("content-type", "application/dicom")
        .header("x-request-id", "e2e-upload-7f3a")
        .body(dicom(&spec))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-request-id"], "e2e-upload-7f3a", "a sane incoming id is kept");

    let r = app.get(&format!("/api/studies/{}", spec.study)).header("x-request-id", "e2e-view-1").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.get("/api/studies?patient_name=Logwatch").header("x-request-id", "e2e-search-1").send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Unusable incoming ids are replaced by a new one.
    for bad in ["has spaces in it", &"x".repeat(65), "quote\"d", ""] {
        let r = app.get("/api/studies").header("x-request-id", bad).send().await.unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(id, bad);
        assert_eq!(id.len(), 32, "a generated id: {id}");
    }
    let r = app.get("/api/studies").send().await.unwrap();
    let generated = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(generated.len() == 32 && generated.bytes().all(|b| b.is_ascii_hexdigit()), "{generated}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let log = app.log_text();
    let lines = lines(&log);
    let of = |id: &str| -> Vec<&Value> { lines.iter().filter(|l| request_ids(l).iter().any(|i| i == id)).collect() };
    let upload = of("e2e-upload-7f3a");
    assert!(!upload.is_empty(), "no line of the upload carries its id:\n{log}");
    for span in ["http", "upload", "ingest_instance", "ingest_commit"] {
        assert!(
            upload.iter().any(|l| span_names(l).iter().any(|n| n == span)),
            "no line of the upload was logged in span {span}:\n{log}"
        );
    }
    let http = upload.iter().find(|l| l["span"]["name"] == "http").expect("the request's own line");
    assert_eq!(http["span"]["route"], "/api/uploads");
    assert_eq!(http["span"]["status"], 201);
    for id in ["e2e-view-1", "e2e-search-1", generated.as_str()] {
        assert!(!of(id).is_empty(), "no line carries request id {id}");
    }
    assert!(
        of("e2e-view-1").iter().any(|l| l["span"]["route"] == "/api/studies/{study_uid}"),
        "the route is logged as its template"
    );
    for secret in ["Logwatch", "Hidden", "LOGPID-5521", "ACCLOG77", &spec.study, &spec.series, &spec.sop, ROOT] {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }
}

#[tokio::test]
async fn text_logs_when_asked() {
    let app = app().env("FERRUM_LOG_FORMAT", "text").spawn().await;
    app.client.get(app.url("/healthz")).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = app.log_text();
    assert!(!log.trim().is_empty());
    assert!(log.lines().all(|l| serde_json::from_str::<Value>(l).is_err()), "text lines, not JSON:\n{log}");
}
