//! Dependencies that go away: the service answers 503 with a clear message, says which
//! dependency is down, stores nothing half-way, and recovers on its own.
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::fixtures::*;
use crate::harness::app;

/// A private S3-compatible server the test may stop and start again on the same port.
struct PrivateS3 {
    child: Option<Child>,
}

impl PrivateS3 {
    fn start(root: &Path, port: u16) -> PrivateS3 {
        let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set: run ./scripts/test.sh"));
        let mut child = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", &var("AWS_ACCESS_KEY_ID"), "--secret-key", &var("AWS_SECRET_ACCESS_KEY")])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs is not installed: run ./scripts/test.sh, which installs it");
        // Its only sign of life is the port accepting connections.
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return PrivateS3 { child: Some(child) };
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("s3s-fs did not start on port {port}");
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateS3 {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn s3_going_away_answers_503_names_the_blob_store_and_recovers() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("faults")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut s3 = PrivateS3::start(root.path(), port);
    let var = |k: &str| std::env::var(k).unwrap();
    let app = app()
        .env("FERRUM_S3_BUCKET", "faults")
        .env("FERRUM_S3_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .env("FERRUM_S3_PATH_STYLE", "true")
        .env("AWS_ACCESS_KEY_ID", var("AWS_ACCESS_KEY_ID"))
        .env("AWS_SECRET_ACCESS_KEY", var("AWS_SECRET_ACCESS_KEY"))
        .env("AWS_REGION", "us-east-1")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    assert_eq!(app.upload("application/dicom", dicom(&Spec::new(700, 1, 1))).await.0, 201);

    s3.stop();
    let down = Spec::new(700, 1, 2);
    let (status, body) = app.upload("application/dicom", dicom(&down)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "unavailable");
    assert!(body["message"].as_str().unwrap().contains("try again"), "{body}");
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let ready: serde_json::Value = r.json().await.unwrap();
    assert_eq!((ready["catalog"].as_str(), ready["blob_store"].as_str()), (Some("ok"), Some("unavailable")));
    let (status, _) = app.get_json(&format!("/api/studies/{}", down.study)).await;
    assert_eq!(status, 200, "the study exists from the first upload");
    let (_, study) = app.get_json(&format!("/api/studies/{}", down.study)).await;
    assert_eq!(study["num_instances"], 1, "nothing of the failed upload is catalogued");

    let _back = PrivateS3::start(root.path(), port);
    let (status, body) = app.upload("application/dicom", dicom(&down)).await;
    assert_eq!(status, 201, "the service recovers on its own: {body}");
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
}
