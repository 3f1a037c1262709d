//! Study search latency over HTTP (figures, not a test): a seeded archive of N studies
//! (`ferrum_store::catalog::seed::seed_studies`), the real server on it, and each filter
//! kind of `GET /api/studies` asked R times in a row on a kept-alive connection, as an
//! admin and as a radiologist who sees 1% of the archive; p50/p95 per kind, on SQLite and
//! on PostgreSQL, with the server's CPU per request (and PostgreSQL's, given its PID).
//! Then the ingest rate into the seeded catalog against an empty one of the same kind, and
//! Orthanc's `/tools/find` on the same studies (loaded from files over its REST API, as many
//! as `--orthanc-studies`), with the ratio of Ferrum's p50 to Orthanc's.
//!
//!     scripts/bench-search.sh [--studies 100000] [--requests 100] [--catalog both|sqlite|postgres]
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::corpus::ct_instance;
use ferrum_bench::seed_files;
use ferrum_bench::servers::{self, process_cpu_secs, tree_cpu_secs};
use ferrum_store::catalog::seed::{seed_studies, seeded_studies, StudySeed};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    studies: u64,
    /// Requests per filter kind and principal.
    #[arg(long, default_value_t = 100)]
    requests: usize,
    /// `sqlite`, `postgres` or `both`.
    #[arg(long, default_value = "both")]
    catalog: String,
    /// The server binary.
    #[arg(long, default_value = "target/release/ferrum")]
    binary: PathBuf,
    /// PostgreSQL to make the bench database in (as scripts/test-services.sh sets it).
    #[arg(long, env = "FERRUM_TEST_DATABASE_URL")]
    postgres: Option<String>,
    /// PID of that PostgreSQL's postmaster, to report its CPU per request apart.
    #[arg(long)]
    pg_pid: Option<u32>,
    /// Files uploaded (4 clients) to the seeded catalog and to an empty one of the same
    /// kind, for the ingest rate at that size; 0 skips.
    #[arg(long, default_value_t = 300)]
    ingest_files: u32,
    /// Studies of the same archive loaded into Orthanc (one file per series) for its
    /// `/tools/find`; 0 skips.
    #[arg(long, default_value_t = 10_000)]
    orthanc_studies: u64,
    /// Where the servers keep their data.
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
}

const PASSWORD: &str = "bench-search-2718281828";

/// The filter kinds: a label and the query string.
const KINDS: &[(&str, &str)] = &[
    ("no filter (newest uploads)", ""),
    ("patient name, common", "patient_name=muller"),
    ("patient name, family^given", "patient_name=garcia%5Ejose"),
    ("patient name, given family order", "patient_name=jose%20garcia"),
    ("patient name, wildcard", "patient_name=m%3Fll*"),
    ("patient name, ideographic", "patient_name=%E5%B1%B1%E7%94%B0"),
    ("patient id exact", "patient_id=P0012345"),
    ("patient id prefix", "patient_id=P00123*"),
    ("accession exact", "accession=A0100054321"),
    ("accession prefix", "accession=A01000543*"),
    ("birth date", "birth_date=19650304"),
    ("study date range (a month)", "date_from=20240101&date_to=20240131"),
    ("study time range", "time_from=0800&time_to=0815"),
    ("modality, common", "modality=CT"),
    ("modality, rare", "modality=XA"),
    ("description word", "description=angiography"),
    ("referring physician", "referring_physician=house"),
    ("institution", "institution=saint"),
    ("uploader", "uploader=rad2"),
    ("upload time range", "uploaded_from=2025-12-31T00:00:00Z&uploaded_to=2025-12-31T06:00:00Z"),
    ("restricted", "restricted=true"),
    ("shared", "shared=true"),
    ("q exact word", "q=thorax"),
    ("q typo-tolerant", "q=mullr"),
    ("q identifier", "q=A0100054321"),
    ("combined: name + CT + since 2020", "patient_name=garcia&modality=CT&date_from=20200101"),
    ("combined: MR + date range + institution", "modality=MR&date_from=20230101&date_to=20231231&institution=city"),
    ("sort by study date", "sort=-study_date"),
    ("sort by patient name", "sort=patient_name"),
    ("sort by accession", "sort=accession"),
    ("second page (cursor), by patient name", "@cursor:sort=patient_name"),
];

struct Server {
    base: String,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ferrum(binary: &Path, data: &Path, db: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary);
    cmd.args(args)
        .env("FERRUM_DATA_DIR", data)
        .env("DATABASE_URL", db)
        .env("FERRUM_BIND", "127.0.0.1:0")
        .env("FERRUM_ADMIN_PASSWORD", PASSWORD)
        .env("FERRUM_LOG", "warn")
        .env("FERRUM_USER_PASSWORD", PASSWORD);
    cmd
}

fn serve(binary: &Path, data: &Path, db: &str) -> anyhow::Result<Server> {
    use std::io::{BufRead, BufReader};
    let mut child = ferrum(binary, data, db, &["serve"]).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn()?;
    let stdout = child.stdout.take().context("stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("ferrum listening on ") {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(600)).context("ferrum did not announce its address")?;
    Ok(Server { base, child })
}

async fn login(client: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<String> {
    let body: serde_json::Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"username": user, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    Ok(format!("Bearer {}", body["access_token"].as_str().context("no token")?))
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// Uploads `files` from 4 clients to the server at `base`; answers files/s and the server's
/// CPU ms per file (the background work the uploads queue, thumbnails, counted once the
/// server is idle again).
async fn ingest(base: &str, pid: u32, files: Arc<Vec<Vec<u8>>>) -> anyhow::Result<(f64, f64)> {
    let client = reqwest::Client::new();
    let auth = login(&client, base, "admin").await?;
    let cpu = process_cpu_secs(pid).unwrap_or(0.0);
    let wall = seed_files::upload(&format!("{base}/api/uploads"), Some(auth), files.clone(), 4).await?;
    wait_idle(pid).await;
    let cpu = process_cpu_secs(pid).unwrap_or(0.0) - cpu;
    let n = files.len() as f64;
    Ok((n / wall.as_secs_f64(), cpu * 1000.0 / n))
}

/// Waits (up to two minutes) until process `pid` uses under 1% of a core over a second.
async fn wait_idle(pid: u32) {
    let started = Instant::now();
    let mut last = process_cpu_secs(pid).unwrap_or(0.0);
    while started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = process_cpu_secs(pid).unwrap_or(0.0);
        if now - last < 0.01 {
            break;
        }
        last = now;
    }
}

/// The ingest corpus: 256×256 CT slices, UIDs apart per `run`.
fn ingest_corpus(run: u64, n: u32) -> Arc<Vec<Vec<u8>>> {
    Arc::new((0..n).map(|i| ct_instance(run, i, 256)).collect())
}

/// The rate of ingest into a fresh, empty catalog at `db` (data under `data`).
async fn ingest_empty(label: &str, args: &Args, binary: &Path, data: &Path, db: &str) -> anyhow::Result<(f64, f64)> {
    let server = serve(binary, data, db)?;
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let (rate, cpu) = ingest(&server.base, server.child.id(), ingest_corpus(run, args.ingest_files)).await?;
    println!("{label}, empty catalog: ingest {rate:.1} files/s, server CPU {cpu:.2} ms per file");
    Ok((rate, cpu))
}

/// Admin p50 per filter kind, for the ratio to the reference.
type P50s = BTreeMap<&'static str, f64>;

async fn measure(
    label: &str,
    args: &Args,
    binary: &Path,
    data: &Path,
    db: &str,
    empty_ingest: Option<(f64, f64)>,
) -> anyhow::Result<P50s> {
    for (name, role) in [
        ("admin", "admin"),
        ("reader", "radiologist"),
        ("rad1", "radiologist"),
        ("rad2", "radiologist"),
        ("rad3", "radiologist"),
    ] {
        let status = ferrum(binary, data, db, &["user", "add", name, "--role", role]).stdout(Stdio::null()).status()?;
        if !status.success() {
            bail!("ferrum user add {name} failed");
        }
    }
    let started = Instant::now();
    let spec = StudySeed {
        studies: args.studies,
        batch: 1,
        owners: vec!["rad1".into(), "rad2".into(), "rad3".into()],
        reader: Some("reader".into()),
    };
    seed_studies(db, &spec).await?;
    println!("{label}: seeded {} studies in {:.1} s", args.studies, started.elapsed().as_secs_f64());
    let server = serve(binary, data, db)?;
    let pid = server.child.id();
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build()?;
    let mut p50s = P50s::new();
    let pg_col = if args.pg_pid.is_some() && label == "PostgreSQL" { " PostgreSQL CPU ms/req |" } else { "" };
    println!("| {label} | as | p50 ms | p95 ms | results | total | server CPU ms/req |{pg_col}");
    println!("|---|---|---|---|---|---|---|{}", if pg_col.is_empty() { "" } else { "---|" });
    for who in ["admin", "reader"] {
        let auth = login(&client, &server.base, who).await?;
        for (kind, query) in KINDS {
            let (query, paged) = match query.strip_prefix("@cursor:") {
                Some(q) => (q.to_string(), true),
                None => (query.to_string(), false),
            };
            let mut url = format!("{}/api/studies?limit=50&{query}", server.base);
            if paged {
                let first: serde_json::Value =
                    client.get(&url).header("authorization", &auth).send().await?.json().await?;
                if let Some(c) = first["next_cursor"].as_str() {
                    url.push_str(&format!("&cursor={c}"));
                }
            }
            let mut times = Vec::with_capacity(args.requests);
            let mut last = serde_json::Value::Null;
            let cpu = process_cpu_secs(pid).unwrap_or(0.0);
            let pg_cpu = args.pg_pid.and_then(tree_cpu_secs);
            for _ in 0..args.requests {
                let t = Instant::now();
                let resp = client.get(&url).header("authorization", &auth).send().await?;
                if !resp.status().is_success() {
                    bail!("{kind}: {}", resp.status());
                }
                last = resp.json().await?;
                times.push(t.elapsed());
            }
            let cpu = (process_cpu_secs(pid).unwrap_or(0.0) - cpu) * 1000.0 / args.requests as f64;
            let pg = match (pg_col.is_empty(), pg_cpu, args.pg_pid.and_then(tree_cpu_secs)) {
                (false, Some(a), Some(b)) => format!(" {:.2} |", (b - a) * 1000.0 / args.requests as f64),
                _ => String::new(),
            };
            times.sort();
            if who == "admin" {
                p50s.insert(*kind, pct(&times, 0.5));
            }
            let total = format!(
                "{}{}",
                if last["total_exact"].as_bool() == Some(false) { "≈" } else { "" },
                last["total"].as_u64().unwrap_or(0)
            );
            println!(
                "| {kind} | {who} | {:.2} | {:.2} | {} | {total} | {cpu:.2} |{pg}",
                pct(&times, 0.5),
                pct(&times, 0.95),
                last["items"].as_array().map_or(0, Vec::len)
            );
        }
    }
    if let Some((empty_rate, empty_cpu)) = empty_ingest {
        let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() + 1;
        let (rate, cpu) = ingest(&server.base, pid, ingest_corpus(run, args.ingest_files)).await?;
        println!(
            "{label}, {} studies catalogued: ingest {rate:.1} files/s, server CPU {cpu:.2} ms per file; \
             {:.2}x the empty catalog's rate (target >= 0.9x), {:.2}x its CPU per file",
            args.studies,
            rate / empty_rate,
            cpu / empty_cpu
        );
    }
    drop(server);
    Ok(p50s)
}

/// The filter kinds Orthanc's `/tools/find` (1.10, study level) can say, as its query:
/// the same values as a client would send them. Orthanc matches wildcards without folding
/// accents and has no free text, word match, sort or institution at study level (it would
/// read every file), so those kinds are left out.
fn orthanc_query(kind: &str) -> Option<serde_json::Value> {
    use serde_json::json;
    Some(match kind {
        "no filter (newest uploads)" => json!({}),
        "patient name, common" => json!({"PatientName": "*muller*"}),
        "patient name, family^given" => json!({"PatientName": "garcia^jose*"}),
        "patient name, wildcard" => json!({"PatientName": "m?ll*"}),
        "patient name, ideographic" => json!({"PatientName": "*山田*"}),
        "patient id exact" => json!({"PatientID": "P0012345"}),
        "patient id prefix" => json!({"PatientID": "P00123*"}),
        "accession exact" => json!({"AccessionNumber": "A0100054321"}),
        "accession prefix" => json!({"AccessionNumber": "A01000543*"}),
        "birth date" => json!({"PatientBirthDate": "19650304"}),
        "study date range (a month)" => json!({"StudyDate": "20240101-20240131"}),
        "study time range" => json!({"StudyTime": "080000-081500"}),
        "modality, common" => json!({"ModalitiesInStudy": "CT"}),
        "modality, rare" => json!({"ModalitiesInStudy": "XA"}),
        "description word" => json!({"StudyDescription": "*angiography*"}),
        "referring physician" => json!({"ReferringPhysicianName": "*house*"}),
        "combined: name + CT + since 2020" => {
            json!({"PatientName": "*garcia*", "ModalitiesInStudy": "CT", "StudyDate": "20200101-"})
        }
        "combined: MR + date range + institution" => {
            json!({"ModalitiesInStudy": "MR", "StudyDate": "20230101-20231231"})
        }
        _ => return None,
    })
}

/// Loads the first `args.orthanc_studies` seeded studies into a fresh Orthanc and times
/// its `/tools/find` for each kind it can say, beside Ferrum's admin p50.
async fn orthanc_find(args: &Args, ferrum: &[(&str, P50s)]) -> anyhow::Result<()> {
    let Some(bin) = servers::orthanc_binary() else {
        println!("Orthanc is not installed (apt-get install orthanc): no reference");
        return Ok(());
    };
    std::fs::create_dir_all(&args.scratch)?;
    let server = servers::orthanc(&bin, &args.scratch, &[], serde_json::json!({})).await?;
    let files: Vec<Vec<u8>> =
        seeded_studies(1, args.orthanc_studies).flat_map(|s| seed_files::study_files(&s)).collect();
    let n_files = files.len();
    let wall = seed_files::upload(&format!("{}/instances", server.base), None, Arc::new(files), 4).await?;
    println!(
        "Orthanc: loaded {} studies ({n_files} files, one a series) in {:.0} s ({:.0} files/s)",
        args.orthanc_studies,
        wall.as_secs_f64(),
        n_files as f64 / wall.as_secs_f64()
    );
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build()?;
    let labels: Vec<String> = ferrum.iter().map(|(l, _)| format!(" {l} p50 ms | ratio |")).collect();
    println!(
        "| Orthanc /tools/find, {} studies | p50 ms | p95 ms | results | CPU ms/req |{}",
        args.orthanc_studies,
        labels.concat()
    );
    println!("|---|---|---|---|---|{}", "---|---|".repeat(ferrum.len()));
    for (kind, _) in KINDS {
        let Some(query) = orthanc_query(kind) else { continue };
        let body = serde_json::json!({"Level": "Study", "Query": query, "Limit": 50, "Expand": true});
        let mut times = Vec::with_capacity(args.requests);
        let mut results = 0;
        let cpu = server.cpu_secs().unwrap_or(0.0);
        for _ in 0..args.requests {
            let t = Instant::now();
            let r = client.post(format!("{}/tools/find", server.base)).json(&body).send().await?;
            if !r.status().is_success() {
                bail!("Orthanc {kind}: {}", r.status());
            }
            let v: serde_json::Value = r.json().await?;
            times.push(t.elapsed());
            results = v.as_array().map_or(0, Vec::len);
        }
        let cpu = (server.cpu_secs().unwrap_or(0.0) - cpu) * 1000.0 / args.requests as f64;
        times.sort();
        let p50 = pct(&times, 0.5);
        let ratios: String = ferrum
            .iter()
            .map(|(_, m)| match m.get(kind) {
                Some(f) => format!(" {f:.2} | {:.3}x |", f / p50),
                None => " - | - |".into(),
            })
            .collect();
        println!("| {kind} | {p50:.2} | {:.2} | {results} | {cpu:.2} |{ratios}", pct(&times, 0.95));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let binary = std::fs::canonicalize(&args.binary).with_context(|| format!("{}", args.binary.display()))?;
    std::fs::create_dir_all(&args.scratch)?;
    let scratch = tempfile::tempdir_in(&args.scratch)?;
    let mut p50s = Vec::new();
    if matches!(args.catalog.as_str(), "sqlite" | "both") {
        let empty = match args.ingest_files {
            0 => None,
            _ => {
                let data = scratch.path().join("sqlite-empty");
                std::fs::create_dir_all(&data)?;
                let db = format!("sqlite://{}", data.join("catalog.db").display());
                Some(ingest_empty("SQLite", &args, &binary, &data, &db).await?)
            }
        };
        let data = scratch.path().join("sqlite");
        std::fs::create_dir_all(&data)?;
        let db = format!("sqlite://{}", data.join("catalog.db").display());
        p50s.push(("SQLite", measure("SQLite", &args, &binary, &data, &db, empty).await?));
    }
    if matches!(args.catalog.as_str(), "postgres" | "both") {
        use sqlx::Connection;
        let admin = args.postgres.clone().context("no PostgreSQL: set FERRUM_TEST_DATABASE_URL or --postgres")?;
        let name = format!("bench_search_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        let base = &admin[..admin.rfind('/').context("database URL")?];
        let empty = match args.ingest_files {
            0 => None,
            _ => {
                let empty_name = format!("{name}_empty");
                sqlx::query(&format!("CREATE DATABASE {empty_name}")).execute(&mut conn).await?;
                let data = scratch.path().join("postgres-empty");
                std::fs::create_dir_all(&data)?;
                let r = ingest_empty("PostgreSQL", &args, &binary, &data, &format!("{base}/{empty_name}")).await;
                sqlx::query(&format!("DROP DATABASE {empty_name} WITH (FORCE)")).execute(&mut conn).await?;
                Some(r?)
            }
        };
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        let db = format!("{base}/{name}");
        let data = scratch.path().join("postgres");
        std::fs::create_dir_all(&data)?;
        let result = measure("PostgreSQL", &args, &binary, &data, &db, empty).await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).await?;
        p50s.push(("PostgreSQL", result?));
    }
    if args.orthanc_studies > 0 {
        orthanc_find(&args, &p50s).await?;
    }
    Ok(())
}
