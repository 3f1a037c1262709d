//! Starting the servers under test, each with fresh storage, and reading their peak memory.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// A server process, killed on drop.
pub struct Server {
    pub base: String,
    child: Child,
    /// Taken by [`Server::crash`], which hands it on.
    dir: Option<tempfile::TempDir>,
    /// Value of the `Authorization` header to send, if any.
    pub auth: Option<String>,
}

impl Server {
    /// Peak resident set size of the process so far (VmHWM), KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Server {
    /// CPU time (user + system) the process has used so far, seconds.
    pub fn cpu_secs(&self) -> Option<f64> {
        process_cpu_secs(self.child.id())
    }

    /// Kills the process with SIGKILL, as a crash would, and hands back its data directory
    /// for a server to start on again.
    pub fn crash(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.dir.take().expect("the server has its directory")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's data directory (its catalog and, on the embedded default, its blobs).
    pub fn data_dir(&self) -> &Path {
        self.dir.as_ref().expect("the server has its directory").path()
    }

    /// Waits until the server has gone idle: less than 1% of a core used over a whole
    /// second, so that the background work an upload caused (thumbnails) is done and counted.
    /// Gives up after `limit`. Answers how long it waited.
    pub async fn wait_idle(&self, limit: Duration) -> Duration {
        let started = Instant::now();
        let step = Duration::from_millis(250);
        let mut window = std::collections::VecDeque::new();
        while started.elapsed() < limit {
            let Some(cpu) = self.cpu_secs() else { break };
            window.push_back(cpu);
            if window.len() > 5 {
                window.pop_front();
            }
            if window.len() == 5 && window.back().zip(window.front()).is_some_and(|(b, a)| b - a < 0.01) {
                break;
            }
            tokio::time::sleep(step).await;
        }
        started.elapsed()
    }
}

/// CPU seconds (user + system) of process `pid`, with those of its children that have
/// ended and been waited for.
pub fn process_cpu_secs(pid: u32) -> Option<f64> {
    let fields = stat_fields(pid)?;
    let ticks: f64 = (11..=14).filter_map(|i| fields.get(i)?.parse::<f64>().ok()).sum();
    Some(ticks / 100.0)
}

/// The fields of /proc/PID/stat after the command name (which may hold spaces), from the state on.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// CPU seconds of process `root` and all its live descendants (a PostgreSQL server and its
/// backends), the ended ones included through their parents' counts.
pub fn tree_cpu_secs(root: u32) -> Option<f64> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if let Some(ppid) = stat_fields(pid).and_then(|f| f.get(1)?.parse::<u32>().ok()) {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    let total: f64 = tree.iter().filter_map(|p| process_cpu_secs(*p)).sum();
    process_cpu_secs(root).map(|_| total)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BENCH_PASSWORD: &str = "bench-admin-2718281828";

/// Starts `ferrum serve` on a random port with a fresh data directory under `scratch`.
pub async fn ferrum(binary: &Path, scratch: &Path, extra_env: &[(&str, &str)]) -> anyhow::Result<Server> {
    ferrum_in(binary, tempfile::tempdir_in(scratch)?, extra_env).await
}

/// Starts `ferrum serve` on a random port on the data directory `dir` (which may hold a
/// catalog already, e.g. a seeded one).
pub async fn ferrum_in(binary: &Path, dir: tempfile::TempDir, extra_env: &[(&str, &str)]) -> anyhow::Result<Server> {
    let mut cmd = Command::new(binary);
    cmd.env("FERRUM_DATA_DIR", dir.path())
        .env("FERRUM_BIND", "127.0.0.1:0")
        .env("FERRUM_ADMIN_PASSWORD", BENCH_PASSWORD)
        .env("FERRUM_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().with_context(|| format!("starting {}", binary.display()))?;
    let stdout = child.stdout.take().context("ferrum stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("ferrum listening on ") {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(60)).context("ferrum did not announce its address")?;
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": BENCH_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"].as_str().context("login answered no token")?.to_owned();
    Ok(Server { base, child, dir: Some(dir), auth: Some(format!("Bearer {token}")) })
}

/// The Orthanc binary, when installed (`apt-get install orthanc`).
pub fn orthanc_binary() -> Option<PathBuf> {
    ["/usr/sbin/Orthanc", "/usr/bin/Orthanc"].iter().map(PathBuf::from).find(|p| p.exists())
}

/// Starts Orthanc with its default SQLite index and file storage in a fresh directory.
pub async fn orthanc(
    binary: &Path,
    scratch: &Path,
    plugins: &[&str],
    extra: serde_json::Value,
) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir_in(scratch)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut config = serde_json::json!({
        "Name": "bench",
        "StorageDirectory": dir.path().join("storage"),
        "IndexDirectory": dir.path().join("index"),
        "HttpPort": port,
        "DicomServerEnabled": false,
        "RemoteAccessAllowed": true,
        "AuthenticationEnabled": false,
        "Plugins": plugins,
    });
    if let (Some(c), Some(e)) = (config.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    let config_path = dir.path().join("orthanc.json");
    std::fs::write(&config_path, serde_json::to_vec_pretty(&config)?)?;
    let child = Command::new(binary)
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let base = format!("http://127.0.0.1:{port}");
    let server = Server { base: base.clone(), child, dir: Some(dir), auth: None };
    let client = reqwest::Client::new();
    let started = Instant::now();
    // Orthanc announces nothing on stdout; poll its system route until it answers.
    loop {
        if let Ok(r) = client.get(format!("{base}/system")).send().await {
            if r.status().is_success() {
                return Ok(server);
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("Orthanc did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `POST /api/uploads` of the ZIP at `path`, streamed from disk. Answers the status, the
/// upload report, and how long until the answer.
pub async fn upload_zip_file(
    server: &Server,
    path: &Path,
) -> anyhow::Result<(reqwest::StatusCode, serde_json::Value, Duration)> {
    let file = tokio::fs::File::open(path).await?;
    let len = file.metadata().await?.len();
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(3600)).build()?;
    let started = Instant::now();
    let r = client
        .post(format!("{}/api/uploads", server.base))
        .header("authorization", server.auth.clone().unwrap_or_default())
        .header("content-type", "application/zip")
        .header("content-length", len)
        .body(body)
        .send()
        .await?;
    let status = r.status();
    let report: serde_json::Value = r.json().await?;
    Ok((status, report, started.elapsed()))
}
