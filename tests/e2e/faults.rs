//! Dependencies that go away: the service answers 503 with a clear message, says which
//! dependency is down, stores nothing half-way, and recovers on its own.
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

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

/// An upload while a dependency is down: 503 with a message to act on, and `/readyz` names
/// the dependency (`(catalog, blob_store)` as it should read).
async fn upload_is_refused_with_503(app: &TestApp, spec: &Spec, ready: (&str, &str)) {
    let (status, body) = app.upload("application/dicom", dicom(spec)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "unavailable");
    assert!(body["message"].as_str().unwrap().contains("try again"), "{body}");
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let said: serde_json::Value = r.json().await.unwrap();
    assert_eq!((said["catalog"].as_str(), said["blob_store"].as_str()), (Some(ready.0), Some(ready.1)));
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
    upload_is_refused_with_503(&app, &down, ("ok", "unavailable")).await;
    let (status, _) = app.get_json(&format!("/api/studies/{}", down.study)).await;
    assert_eq!(status, 200, "the study exists from the first upload");
    let (_, study) = app.get_json(&format!("/api/studies/{}", down.study)).await;
    assert_eq!(study["num_instances"], 1, "nothing of the failed upload is catalogued");

    let _back = PrivateS3::start(root.path(), port);
    let (status, body) = app.upload("application/dicom", dicom(&down)).await;
    assert_eq!(status, 201, "the service recovers on its own: {body}");
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
}

/// A private PostgreSQL cluster the test may stop and start again on the same port.
struct PrivatePostgres {
    bin: std::path::PathBuf,
    data: std::path::PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PrivatePostgres {
    /// As root, PostgreSQL's tools run as the `postgres` user (the server refuses root).
    fn tool(&self, name: &str) -> Command {
        as_postgres(&self.bin.join(name))
    }

    fn init() -> PrivatePostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is not installed: run ./scripts/test.sh, which installs it")
            .map(|e| e.unwrap().path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max()
            .expect("no PostgreSQL server binaries under /usr/lib/postgresql");
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("pg");
        std::fs::create_dir(&data).unwrap();
        if is_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let ok = Command::new("chown").arg("postgres:postgres").arg(&data).status().unwrap().success();
            assert!(ok, "cannot hand the cluster directory to the postgres user");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pg = PrivatePostgres { bin, data, port, _dir: dir };
        let out = pg
            .tool("initdb")
            .arg("-D")
            .arg(&pg.data)
            .args(["-U", "postgres", "--auth=trust", "--no-sync"])
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        pg
    }

    fn start(&self) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.data.display());
        let out = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.data.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .unwrap();
        assert!(out.status.success(), "pg_ctl start failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Immediate shutdown: connections are cut as in a crash.
    fn stop(&self) {
        let _ = self.tool("pg_ctl").arg("-D").arg(&self.data).args(["-m", "immediate", "-w", "stop"]).output();
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

#[tokio::test]
async fn postgres_going_away_answers_503_names_the_catalog_and_recovers() {
    let pg = PrivatePostgres::init();
    pg.start();
    let app = app().env("DATABASE_URL", pg.url()).spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/dicom", dicom(&Spec::new(710, 1, 1))).await.0, 201);

    pg.stop();
    let down = Spec::new(710, 1, 2);
    upload_is_refused_with_503(&app, &down, ("unavailable", "ok")).await;
    let (status, _) = app.get_json("/api/studies").await;
    assert_eq!(status, 503, "reads fail with the same clear answer");
    assert!(app.client.get(app.url("/healthz")).send().await.unwrap().status().is_success(), "the process lives");

    pg.start();
    let (status, body) = app.upload("application/dicom", dicom(&down)).await;
    assert_eq!(status, 201, "the service recovers on its own: {body}");
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    let (_, study) = app.get_json(&format!("/api/studies/{}", down.study)).await;
    assert_eq!(study["num_instances"], 2);
    // Nothing of the refused upload was left in the blob store: one object per stored instance.
    let blobs = files_under(&app.dicom_blob_dir());
    assert_eq!(blobs, 2, "blobs left behind");
}
