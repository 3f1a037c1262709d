//! Starting the real binary and talking to it.
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

pub const ADMIN_PASSWORD: &str = "correct-horse-battery";

/// The Python the tests run third-party clients with (pydicom, dicomweb-client), as
/// `./scripts/test.sh` installs it. Missing, the tests that need it fail.
pub fn python() -> String {
    std::env::var("FERRUM_TEST_PYTHON")
        .expect("FERRUM_TEST_PYTHON is not set: run the tests with ./scripts/test.sh, which installs pydicom and dicomweb-client")
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_ferrum")
}

/// A running server with its own data directory, killed (and the directory removed) on drop.
pub struct TestApp {
    pub base: String,
    /// The DICOM listener's address, when FERRUM_DICOM_BIND is set.
    pub dicom_addr: Option<std::net::SocketAddr>,
    pub client: Client,
    pub data_dir: PathBuf,
    _dir: tempfile::TempDir,
    child: Option<Child>,
    env: HashMap<String, String>,
    /// Everything the server wrote to stderr (its log).
    pub log: Arc<Mutex<String>>,
    token: Option<String>,
    _database: Option<PgDatabase>,
    bucket_dir: Option<PathBuf>,
}

/// A database of its own in the test PostgreSQL, dropped with the app.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    async fn create() -> (PgDatabase, String) {
        use sqlx::Connection;
        let admin_url = std::env::var("FERRUM_TEST_DATABASE_URL")
            .expect("FERRUM_E2E_CATALOG=postgres needs FERRUM_TEST_DATABASE_URL: run ./scripts/test.sh");
        let name = format!("e2e_{}_{}", std::process::id(), NEXT_DB.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("cannot reach the test PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        let url = format!("{}/{name}", &admin_url[..admin_url.rfind('/').unwrap()]);
        (PgDatabase { admin_url, name }, url)
    }
}

static NEXT_DB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

/// With `FERRUM_E2E_BLOBS=s3`, each server keeps its blobs in a bucket of its own on the
/// test S3 server; the test server keeps a bucket as a directory, created here.
fn s3_bucket(env: &mut HashMap<String, String>, forced: bool) -> Option<PathBuf> {
    match std::env::var("FERRUM_E2E_BLOBS").as_deref() {
        _ if forced => {}
        Ok("s3") => {}
        Ok("local") | Err(_) => return None,
        Ok(other) => panic!("FERRUM_E2E_BLOBS={other}: expected local or s3"),
    }
    let var =
        |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("FERRUM_E2E_BLOBS=s3 needs {k}: run ./scripts/test.sh"));
    let bucket = format!("e2e-{}-{}", std::process::id(), NEXT_DB.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let dir = PathBuf::from(var("FERRUM_TEST_S3_ROOT")).join(&bucket);
    std::fs::create_dir_all(&dir).unwrap();
    env.insert("FERRUM_S3_BUCKET".into(), bucket);
    env.insert("FERRUM_S3_ENDPOINT".into(), var("FERRUM_TEST_S3_ENDPOINT"));
    env.insert("FERRUM_S3_PATH_STYLE".into(), "true".into());
    for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
        env.insert(k.into(), var(k));
    }
    Some(dir)
}

/// Which catalog the servers under test use: SQLite (the default) or, with
/// `FERRUM_E2E_CATALOG=postgres`, a fresh PostgreSQL database each.
pub fn catalog_is_postgres() -> bool {
    match std::env::var("FERRUM_E2E_CATALOG").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("FERRUM_E2E_CATALOG={other}: expected sqlite or postgres"),
    }
}

pub struct Builder {
    env: HashMap<String, String>,
    production: bool,
    local_blobs: bool,
}

impl Builder {
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.insert(key.to_owned(), value.into());
        self
    }

    /// The production set-up (PostgreSQL + S3) whatever the suite's mode, with a signing
    /// secret that [`TestApp::sibling`] instances share.
    pub fn production(mut self) -> Self {
        self.production = true;
        self.env.insert("FERRUM_JWT_SECRET".into(), "e2e-signing-key-5f1c9a7b3d2e4f60a8b9c1d2e3f4a5b6".into());
        self
    }

    /// Blobs in the data directory whatever the suite's mode (what only the local store has).
    pub fn local_blobs(mut self) -> Self {
        self.local_blobs = true;
        self
    }

    pub async fn spawn(mut self) -> TestApp {
        // A sibling arrives with the database and bucket of the app it joins, owning neither.
        let joins = self.env.contains_key("DATABASE_URL");
        let database = if joins {
            None
        } else if catalog_is_postgres() || self.production {
            let (db, url) = PgDatabase::create().await;
            self.env.insert("DATABASE_URL".into(), url);
            Some(db)
        } else {
            None
        };
        let own_s3 = self.env.contains_key("FERRUM_S3_BUCKET");
        let bucket_dir =
            if joins || own_s3 || self.local_blobs { None } else { s3_bucket(&mut self.env, self.production) };
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().to_owned();
        let mut app = TestApp {
            base: String::new(),
            dicom_addr: None,
            // Idle pooled connections are dropped well before the server's keep-alive (10 s)
            // closes them: reusing one the server is closing at that moment fails the
            // request (`IncompleteMessage`), as any client that keeps connections longer
            // than the server would see.
            client: Client::builder()
                .timeout(Duration::from_secs(120))
                .pool_idle_timeout(Duration::from_secs(4))
                .build()
                .unwrap(),
            data_dir,
            _dir: dir,
            child: None,
            env: self.env,
            log: Arc::new(Mutex::new(String::new())),
            token: None,
            _database: database,
            bucket_dir,
        };
        app.start();
        app
    }
}

pub fn app() -> Builder {
    Builder { env: HashMap::new(), production: false, local_blobs: false }
}

impl TestApp {
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(binary());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("FERRUM_DATA_DIR", &self.data_dir)
            .env("FERRUM_BIND", "127.0.0.1:0")
            .env("FERRUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("FERRUM_LOG", "info")
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs SQL on the server's catalog directly, as someone with database access only would
    /// (the tamper tests of the audit trail).
    pub async fn catalog_sql(&self, sql: &str) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        match self.env.get("DATABASE_URL") {
            Some(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
            }
            None => {
                let url = format!("sqlite://{}", self.data_dir.join("catalog.db").display());
                let mut conn = sqlx::SqliteConnection::connect(&url).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
            }
        }
        Ok(())
    }

    /// The number a `SELECT COUNT(*) …` on the server's catalog answers.
    pub async fn catalog_count(&self, sql: &str) -> i64 {
        use sqlx::Connection;
        match self.env.get("DATABASE_URL") {
            Some(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
            }
            None => {
                let url = format!("sqlite://{}", self.data_dir.join("catalog.db").display());
                let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
            }
        }
    }

    /// Starts the server and waits for the line announcing its address.
    pub fn start(&mut self) {
        let mut child = self.command().stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start ferrum");
        let mut stderr = child.stderr.take().unwrap();
        let log = self.log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("ferrum ") {
                    let _ = tx.send(line);
                }
            }
        });
        // The DICOM listener's line, when there is one, comes before the HTTP one.
        self.dicom_addr = None;
        let base = loop {
            let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
                panic!("ferrum did not start; its log:\n{}", self.log.lock().unwrap());
            });
            if let Some(addr) = line.strip_prefix("ferrum DICOM listening on ") {
                self.dicom_addr = Some(addr.parse().expect("a socket address"));
            } else if let Some(addr) = line.strip_prefix("ferrum listening on ") {
                break addr.to_owned();
            }
        };
        self.base = base;
        self.child = Some(child);
    }

    /// A setting this server was started with (beyond the harness's defaults).
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str)
    }

    /// Changes a setting for the next [`TestApp::restart`] (and the commands of [`TestApp::command`]).
    pub fn set_env(&mut self, key: &str, value: impl Into<String>) {
        self.env.insert(key.to_owned(), value.into());
    }

    /// Stops the server and starts it again over the same data directory and catalog.
    pub fn restart(&mut self) {
        self.kill();
        self.start();
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits, polling without blocking the test's other tasks, for the
    /// process to exit; answers its exit status and how long it took. Panics (killing it)
    /// when it is still running after `within`.
    pub async fn terminate(&mut self, within: Duration) -> (std::process::ExitStatus, Duration) {
        let mut child = self.child.take().expect("the server is running");
        let started = std::time::Instant::now();
        let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        loop {
            if let Some(status) = child.try_wait().expect("wait for ferrum") {
                return (status, started.elapsed());
            }
            if started.elapsed() > within {
                let _ = child.kill();
                let _ = child.wait();
                panic!("ferrum still ran {within:?} after SIGTERM; its log:\n{}", self.log_text());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The server process's id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server is running").id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap()
    }

    pub async fn token_for(&self, username: &str, password: &str) -> String {
        let r = self.login(username, password).await;
        assert_eq!(r.status(), 200, "login of {username} failed");
        r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// Logs in as the first admin; later requests made with [`TestApp::get`] etc. use it.
    pub async fn logged_in_as_admin(mut self) -> Self {
        self.token = Some(self.token_for("admin", ADMIN_PASSWORD).await);
        self
    }

    pub fn token(&self) -> &str {
        self.token.as_deref().expect("call logged_in_as_admin first")
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(self.token())
    }

    pub async fn upload(&self, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        self.upload_as(self.token(), content_type, body).await
    }

    pub async fn upload_as(&self, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let r = self
            .client
            .post(self.url("/api/uploads"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Adds an account through the real CLI; answers its token.
    pub async fn add_user(&self, name: &str, role: &str) -> String {
        let out = self
            .command()
            .args(["user", "add", name, "--role", role])
            .env("FERRUM_USER_PASSWORD", "a-long-password-1")
            .output()
            .unwrap();
        assert!(out.status.success(), "user add failed: {}", String::from_utf8_lossy(&out.stderr));
        self.token_for(name, "a-long-password-1").await
    }

    /// Another server over the same catalog, blob store and signing secret (its own data
    /// directory and port), as a second instance behind a load balancer.
    pub async fn sibling(&self) -> TestApp {
        assert!(self.env.contains_key("DATABASE_URL"), "a sibling needs a shared database: use app().production()");
        Builder { env: self.env.clone(), production: false, local_blobs: false }.spawn().await
    }

    /// Where this server's DICOM objects are on disk: the data directory's blobs, or its
    /// bucket's directory on the test S3 server (a sibling has none of its own).
    pub fn dicom_blob_dir(&self) -> PathBuf {
        self.blob_root().join("dicom")
    }

    /// Where this server's blob store keeps everything on disk.
    pub fn blob_root(&self) -> PathBuf {
        match &self.bucket_dir {
            Some(bucket) => bucket.clone(),
            None => self.data_dir.join("blobs"),
        }
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether the server's log holds `needle` within five seconds: a line the server writes
    /// after the client it answers has gone reaches the log on the server's own time.
    pub async fn log_shows(&self, needle: &str) -> bool {
        for _ in 0..100 {
            if self.log_text().contains(needle) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.kill();
        if let Some(bucket) = &self.bucket_dir {
            let _ = std::fs::remove_dir_all(bucket);
        }
    }
}
