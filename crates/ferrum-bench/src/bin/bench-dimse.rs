//! DICOM network benchmark (figures, not a test): dcmtk's `storescu` sends the same
//! generated CT files to Ferrum's DICOM listener and to Orthanc's DICOM port (1.10, default
//! SQLite index and file storage), with 1 and with 4 parallel associations (4 `storescu`
//! processes, a quarter of the files each), each server fresh for each run, the servers in
//! turn, several repeats, in the same invocation. Prints the median files/s and server CPU
//! per file of each, and the ratios to Orthanc. Then C-FIND study queries (a small client on
//! one association, each query checked against `findscu`'s count) against a Ferrum catalog
//! seeded with `--find-studies` synthetic studies
//! (`ferrum_store::catalog::seed`) and against Orthanc loaded with the first
//! `--orthanc-find-studies` of the same studies: p50/p95 per query.
//!
//!     scripts/bench-dimse.sh [--files 300] [--repeats 3] [--find-studies 100000]
//!
//! Server CPU is read from /proc/PID/stat before the first `storescu` starts and after the
//! server has gone idle again (under 1% of a core for a second), so the background work a
//! store causes — Ferrum's thumbnails — is counted in the cost of ingest.
//!
//! Durability: Ferrum answers Success once the object, its directory and the catalog commit
//! (WAL, synchronous=FULL) are fsynced. Orthanc runs with `SyncStorageArea: true` (its
//! default since 1.7.4: its stored files are fdatasynced, its SQLite index is not synced per
//! commit) and, as a second reference, with `SyncStorageArea: false` (nothing synced).
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::corpus::ct_instance;
use ferrum_bench::find_client::{self, FindClient};
use ferrum_bench::seed_files;
use ferrum_bench::servers::{self, Server};
use ferrum_store::catalog::seed::{seed_studies, seeded_studies, StudySeed};

#[derive(Parser)]
struct Args {
    /// The ferrum binary to measure (a release build).
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    /// Files each `storescu` run sends (split in four for the 4-association runs).
    #[arg(long, default_value_t = 300)]
    files: u32,
    /// Rows and columns of each instance (16-bit CT, uncompressed).
    #[arg(long, default_value_t = 512)]
    size: u16,
    /// Runs of each server and association count (medians are printed).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Synthetic studies seeded into Ferrum's catalog for the C-FIND measure (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    find_studies: u64,
    /// The first of the same studies loaded into Orthanc over its REST API for its C-FIND
    /// figures (0 skips them).
    #[arg(long, default_value_t = 2_000)]
    orthanc_find_studies: u64,
    /// `findscu` runs per query.
    #[arg(long, default_value_t = 20)]
    find_requests: usize,
    /// Where servers keep their data (the same disk for every server).
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
    /// Skip Orthanc even when installed.
    #[arg(long)]
    no_orthanc: bool,
    /// Skip the second Orthanc reference, without `SyncStorageArea`.
    #[arg(long)]
    no_unsynced: bool,
}

/// The calling AE title of every dcmtk tool here; a known node of Ferrum bound to `admin`.
const CALLING: &str = "BENCHSCU";
const ORTHANC_AET: &str = "ORTHANC";
/// How long a server may take to finish the background work of a run.
const DRAIN_LIMIT: Duration = Duration::from_secs(120);

/// A server under test with its DICOM port and called AE title.
struct Scp {
    server: Server,
    port: u16,
    aet: &'static str,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn wait_listening(port: u16) -> anyhow::Result<()> {
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("nothing listens on DICOM port {port}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// A fresh Ferrum with its DICOM listener, `CALLING` registered as a node of `admin`.
async fn ferrum(binary: &Path, dir: tempfile::TempDir) -> anyhow::Result<Scp> {
    let port = free_port()?;
    let bind = format!("127.0.0.1:{port}");
    let server = servers::ferrum_in(binary, dir, &[("FERRUM_DICOM_BIND", &bind)]).await?;
    let body = serde_json::json!({
        "ae_title": CALLING, "host": "127.0.0.1", "port": 104, "account": "admin", "services": ["store", "find"],
    });
    let r = reqwest::Client::new()
        .post(format!("{}/api/dicom-nodes", server.base))
        .header("authorization", server.auth.clone().unwrap_or_default())
        .json(&body)
        .send()
        .await?;
    if r.status().as_u16() != 201 {
        bail!("registering the DICOM node answered {}", r.status());
    }
    wait_listening(port).await?;
    Ok(Scp { server, port, aet: "FERRUM" })
}

/// A fresh Orthanc with its DICOM port open to any caller for C-STORE and C-FIND.
async fn orthanc(binary: &Path, scratch: &Path, sync: bool) -> anyhow::Result<Scp> {
    let port = free_port()?;
    let config = serde_json::json!({
        "DicomServerEnabled": true,
        "DicomPort": port,
        "DicomAet": ORTHANC_AET,
        "DicomAlwaysAllowStore": true,
        "DicomAlwaysAllowFind": true,
        "SyncStorageArea": sync,
    });
    let server = servers::orthanc(binary, scratch, &[], config).await?;
    wait_listening(port).await?;
    Ok(Scp { server, port, aet: ORTHANC_AET })
}

/// Instances the server holds now.
async fn stored_instances(scp: &Scp) -> anyhow::Result<u64> {
    let client = reqwest::Client::new();
    if scp.aet == ORTHANC_AET {
        let v: serde_json::Value = client.get(format!("{}/statistics", scp.server.base)).send().await?.json().await?;
        return v["CountInstances"].as_u64().context("Orthanc /statistics");
    }
    let v: serde_json::Value = client
        .get(format!("{}/dicomweb/studies?includefield=00201208&limit=1000", scp.server.base))
        .header("authorization", scp.server.auth.clone().unwrap_or_default())
        .send()
        .await?
        .json()
        .await?;
    let studies = v.as_array().context("QIDO studies")?;
    Ok(studies
        .iter()
        .filter_map(|s| {
            let n = &s["00201208"]["Value"][0];
            n.as_u64().or_else(|| n.as_str()?.parse().ok())
        })
        .sum())
}

/// One `storescu` run: wall time and server CPU seconds (background work included).
struct StoreRun {
    wall: Duration,
    cpu_secs: f64,
}

/// `associations` storescu processes at once, each sending its share of `files` on one
/// association.
async fn store(scp: &Scp, files: &[PathBuf], associations: usize) -> anyhow::Result<StoreRun> {
    let per = files.len().div_ceil(associations);
    let cpu_before = scp.server.cpu_secs().context("server CPU")?;
    let started = Instant::now();
    let mut children = Vec::new();
    for share in files.chunks(per) {
        let child = Command::new("storescu")
            .args(["-aet", CALLING, "-aec", scp.aet, "127.0.0.1", &scp.port.to_string()])
            .args(share)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("dcmtk's storescu cannot run: install the dcmtk package")?;
        children.push(child);
    }
    let waits = children.into_iter().map(|c| tokio::task::spawn_blocking(move || c.wait_with_output()));
    for out in futures_util::future::join_all(waits).await {
        let out = out??;
        if !out.status.success() {
            bail!("storescu to {}: {}", scp.aet, String::from_utf8_lossy(&out.stderr));
        }
    }
    let wall = started.elapsed();
    scp.server.wait_idle(DRAIN_LIMIT).await;
    let cpu_secs = scp.server.cpu_secs().context("server CPU")? - cpu_before;
    let stored = stored_instances(scp).await?;
    if stored != files.len() as u64 {
        bail!("{} holds {stored} instances after storing {}", scp.aet, files.len());
    }
    Ok(StoreRun { wall, cpu_secs })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Medians over a row's repeats.
struct Row {
    label: String,
    files_per_sec: Vec<f64>,
    cpu_ms_per_file: Vec<f64>,
}

impl Row {
    fn new(label: String) -> Row {
        Row { label, files_per_sec: Vec::new(), cpu_ms_per_file: Vec::new() }
    }

    fn push(&mut self, run: &StoreRun, files: usize) {
        self.files_per_sec.push(files as f64 / run.wall.as_secs_f64());
        self.cpu_ms_per_file.push(run.cpu_secs * 1000.0 / files as f64);
        println!(
            "  {}: {:.1} files/s, {:.2} ms CPU/file",
            self.label,
            self.files_per_sec.last().unwrap_or(&0.0),
            self.cpu_ms_per_file.last().unwrap_or(&0.0)
        );
    }

    fn fps(&self) -> f64 {
        median(self.files_per_sec.clone())
    }

    fn cpu(&self) -> f64 {
        median(self.cpu_ms_per_file.clone())
    }

    fn spread(v: &[f64]) -> String {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{lo:.1}–{hi:.1}")
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The study-level queries a workstation sends, as findscu's `-k` keys (beside the return
/// keys); `{patient_id}` and `{accession}` are those of a study both servers hold.
const QUERIES: &[(&str, &[&str])] = &[
    ("PatientID exact", &["PatientID={patient_id}"]),
    ("AccessionNumber exact", &["AccessionNumber={accession}"]),
    ("PatientName Smith^J*", &["PatientName=Smith^J*"]),
    ("StudyDate one day + ModalitiesInStudy CT", &["StudyDate=20240115", "ModalitiesInStudy=CT"]),
    ("StudyDate a month", &["StudyDate=20240101-20240131"]),
];

/// Return keys asked for in every query.
const RETURN_KEYS: &[&str] = &[
    "StudyInstanceUID",
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "StudyDate",
    "StudyTime",
    "AccessionNumber",
    "StudyDescription",
    "ModalitiesInStudy",
    "NumberOfStudyRelatedInstances",
];

/// A query's keys, matching ones first, then the return keys it does not match on.
fn query(keys: &[&str], patient_id: &str, accession: &str) -> Vec<String> {
    let matching: Vec<String> =
        keys.iter().map(|k| k.replace("{patient_id}", patient_id).replace("{accession}", accession)).collect();
    let returned = RETURN_KEYS.iter().filter(|r| !matching.iter().any(|k| k.split('=').next() == Some(**r)));
    matching.iter().cloned().chain(returned.map(|r| r.to_string())).collect()
}

/// Runs findscu once (a real client, for the matches it counts): wall time and matches.
fn findscu(scp: &Scp, keys: &[String]) -> anyhow::Result<(Duration, usize)> {
    let mut cmd = Command::new("findscu");
    cmd.args(["-v", "-S", "-aet", CALLING, "-aec", scp.aet, "-k", "QueryRetrieveLevel=STUDY"]);
    for k in keys {
        cmd.args(["-k", k]);
    }
    cmd.args(["127.0.0.1", &scp.port.to_string()]);
    let t = Instant::now();
    let out = cmd.output().context("dcmtk's findscu cannot run: install the dcmtk package")?;
    let wall = t.elapsed();
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !log.contains("Final Find Response (Success)") {
        bail!("findscu to {}: {}", scp.aet, log.lines().rev().take(5).collect::<Vec<_>>().join(" / "));
    }
    Ok((wall, log.matches("(Pending)").count()))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Figures of one query on one server.
struct FindFigure {
    p50: f64,
    p95: f64,
    matches: usize,
    cpu_ms: f64,
    findscu_ms: f64,
}

/// Each of [`QUERIES`] `requests` times on one association of the in-process client, then
/// once with findscu, whose matches must be the same.
async fn find_figures(
    scp: &Scp,
    requests: usize,
    patient_id: &str,
    accession: &str,
) -> anyhow::Result<Vec<FindFigure>> {
    let mut out = Vec::new();
    for (label, keys) in QUERIES {
        let keys = query(keys, patient_id, accession);
        let parsed = keys.iter().map(|k| find_client::query_key(k)).collect::<anyhow::Result<Vec<_>>>()?;
        let mut client = FindClient::connect("127.0.0.1", scp.port, CALLING, scp.aet).await?;
        let matches = client.find(&parsed).await?; // warms caches on both sides
        let cpu = scp.server.cpu_secs().unwrap_or(0.0);
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            let n = client.find(&parsed).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if n != matches {
                bail!("{label}: {n} matches, then {matches}");
            }
        }
        let cpu_ms = (scp.server.cpu_secs().unwrap_or(0.0) - cpu) * 1000.0 / requests as f64;
        client.release().await;
        let (findscu_wall, findscu_matches) = findscu(scp, &keys)?;
        if findscu_matches != matches {
            bail!("{label} on {}: findscu counts {findscu_matches} matches, the client {matches}", scp.aet);
        }
        times.sort_by(f64::total_cmp);
        out.push(FindFigure {
            p50: pct(&times, 0.5),
            p95: pct(&times, 0.95),
            matches,
            cpu_ms,
            findscu_ms: findscu_wall.as_secs_f64() * 1000.0,
        });
    }
    Ok(out)
}

async fn c_find(args: &Args, ferrum_bin: &Path, orthanc_bin: Option<&Path>) -> anyhow::Result<()> {
    // A study both servers hold names the exact-match queries.
    let both = args.find_studies.min(args.orthanc_find_studies.max(1));
    let probe = seeded_studies(1, both).last().context("no seeded study")?;
    let dir = tempfile::tempdir_in(&args.scratch)?;
    let t = Instant::now();
    let url = format!("sqlite://{}", dir.path().join("catalog.db").display());
    let spec = StudySeed { studies: args.find_studies, batch: 1, owners: Vec::new(), reader: None };
    seed_studies(&url, &spec).await?;
    println!("ferrum: seeded {} studies in {:.1} s", args.find_studies, t.elapsed().as_secs_f64());
    let scp = ferrum(ferrum_bin, dir).await?;
    scp.server.wait_idle(DRAIN_LIMIT).await;
    println!("ferrum: C-FIND (load average {})", load_average());
    let ferrum_figures = find_figures(&scp, args.find_requests, &probe.patient_id, &probe.accession).await?;
    drop(scp);

    let mut orthanc_figures = None;
    if let (Some(bin), true) = (orthanc_bin, args.orthanc_find_studies > 0) {
        let scp = orthanc(bin, &args.scratch, true).await?;
        let files: Vec<Vec<u8>> =
            seeded_studies(1, args.orthanc_find_studies).flat_map(|s| seed_files::study_files(&s)).collect();
        let n = files.len();
        let wall = seed_files::upload(&format!("{}/instances", scp.server.base), None, Arc::new(files), 4).await?;
        println!(
            "orthanc: loaded {} of the same studies ({n} files, one a series) in {:.0} s",
            args.orthanc_find_studies,
            wall.as_secs_f64()
        );
        scp.server.wait_idle(DRAIN_LIMIT).await;
        println!("orthanc: C-FIND (load average {})", load_average());
        orthanc_figures = Some(find_figures(&scp, args.find_requests, &probe.patient_id, &probe.accession).await?);
    }

    println!();
    println!(
        "| C-FIND, study level, {} queries on one association | Ferrum, {} studies: p50 ms | p95 ms | matches | server CPU ms | findscu ms | Orthanc, {} studies: p50 ms | p95 ms | matches | server CPU ms | findscu ms |",
        args.find_requests, args.find_studies, args.orthanc_find_studies
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let cells =
        |f: &FindFigure| format!("{:.2} | {:.2} | {} | {:.2} | {:.0}", f.p50, f.p95, f.matches, f.cpu_ms, f.findscu_ms);
    for (i, (label, _)) in QUERIES.iter().enumerate() {
        let o = orthanc_figures.as_ref().map_or("- | - | - | - | -".to_owned(), |o| cells(&o[i]));
        println!("| {label} | {} | {o} |", cells(&ferrum_figures[i]));
    }
    let worst = ferrum_figures.iter().map(|f| f.p95).fold(0.0, f64::max);
    println!("ferrum: worst p95 of a study query {worst:.2} ms at {} studies", args.find_studies);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)?;
    let scratch = args.scratch.canonicalize()?;
    let ferrum_bin = args
        .ferrum
        .canonicalize()
        .with_context(|| format!("{} (build it with cargo build --release)", args.ferrum.display()))?;
    let orthanc_bin = if args.no_orthanc { None } else { servers::orthanc_binary() };
    if orthanc_bin.is_none() && !args.no_orthanc {
        println!("Orthanc is not installed (apt-get install orthanc): no reference runs");
    }
    println!("load average at the start: {}", load_average());

    // The corpus as files on disk, as storescu reads them.
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let corpus = tempfile::tempdir_in(&scratch)?;
    let mut files = Vec::new();
    let mut bytes = 0;
    for i in 0..args.files {
        let body = ct_instance(run, i, args.size);
        bytes += body.len();
        let path = corpus.path().join(format!("{i:05}.dcm"));
        std::fs::write(&path, body)?;
        files.push(path);
    }
    println!(
        "generated {} uncompressed {}x{} 16-bit CT files ({:.0} KB each)",
        files.len(),
        args.size,
        args.size,
        bytes as f64 / files.len().max(1) as f64 / 1024.0
    );

    let kinds: Vec<(&str, Option<bool>)> = std::iter::once(("ferrum", None))
        .chain(orthanc_bin.iter().map(|_| ("orthanc, SyncStorageArea true", Some(true))))
        .chain(
            orthanc_bin.iter().filter(|_| !args.no_unsynced).map(|_| ("orthanc, SyncStorageArea false", Some(false))),
        )
        .collect();
    let mut rows: Vec<(usize, Row)> = Vec::new();
    for associations in [1usize, 4] {
        for (name, _) in &kinds {
            rows.push((associations, Row::new(format!("{name}, {associations} assoc."))));
        }
    }
    for repeat in 1..=args.repeats {
        println!("repeat {repeat} (load average {})", load_average());
        for (i, (associations, row)) in rows.iter_mut().enumerate() {
            let scp = match kinds[i % kinds.len()].1 {
                None => ferrum(&ferrum_bin, tempfile::tempdir_in(&scratch)?).await?,
                Some(sync) => orthanc(orthanc_bin.as_deref().context("orthanc")?, &scratch, sync).await?,
            };
            let result = store(&scp, &files, *associations).await?;
            row.push(&result, files.len());
        }
    }
    println!("load average after the store runs: {}", load_average());

    println!();
    println!("| storescu, {} files | files/s (median) | range | server CPU ms/file (median) | range |", files.len());
    println!("|---|---|---|---|---|");
    for (_, r) in &rows {
        println!(
            "| {} | {:.1} | {} | {:.2} | {} |",
            r.label,
            r.fps(),
            Row::spread(&r.files_per_sec),
            r.cpu(),
            Row::spread(&r.cpu_ms_per_file)
        );
    }
    println!();
    for associations in [1usize, 4] {
        let of = |k: usize| rows.iter().filter(|(a, _)| *a == associations).nth(k).map(|(_, r)| r);
        let Some(f) = of(0) else { continue };
        for k in 1..kinds.len() {
            let Some(o) = of(k) else { continue };
            println!(
                "ferrum / {}: files/s {:.2}x (target >= 1.5x), CPU per file {:.2}x (target <= 0.5x)",
                o.label,
                f.fps() / o.fps(),
                f.cpu() / o.cpu()
            );
        }
    }

    if args.find_studies > 0 {
        println!();
        c_find(&args, &ferrum_bin, orthanc_bin.as_deref()).await?;
    }
    println!("load average at the end: {}", load_average());
    Ok(())
}
