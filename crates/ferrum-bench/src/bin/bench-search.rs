//! Study search latency over HTTP (figures, not a test): a seeded archive of N studies
//! (`ferrum_store::catalog::seed::seed_studies`), the real server on it, and each filter
//! kind of `GET /api/studies` asked R times in a row on a kept-alive connection, as an
//! admin and as a radiologist who sees 1% of the archive; p50/p95 per kind, on SQLite and
//! on PostgreSQL.
//!
//!     scripts/bench-search.sh [--studies 100000] [--requests 100] [--catalog both|sqlite|postgres]
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_store::catalog::seed::{seed_studies, StudySeed};

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

async fn measure(label: &str, args: &Args, binary: &Path, data: &Path, db: &str) -> anyhow::Result<()> {
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
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build()?;
    println!("| {label} | as | p50 ms | p95 ms | results | total |");
    println!("|---|---|---|---|---|---|");
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
            for _ in 0..args.requests {
                let t = Instant::now();
                let resp = client.get(&url).header("authorization", &auth).send().await?;
                if !resp.status().is_success() {
                    bail!("{kind}: {}", resp.status());
                }
                last = resp.json().await?;
                times.push(t.elapsed());
            }
            times.sort();
            let total = format!(
                "{}{}",
                if last["total_exact"].as_bool() == Some(false) { "≈" } else { "" },
                last["total"].as_u64().unwrap_or(0)
            );
            println!(
                "| {kind} | {who} | {:.2} | {:.2} | {} | {total} |",
                pct(&times, 0.5),
                pct(&times, 0.95),
                last["items"].as_array().map_or(0, Vec::len)
            );
        }
    }
    drop(server);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let binary = std::fs::canonicalize(&args.binary).with_context(|| format!("{}", args.binary.display()))?;
    let scratch = tempfile::tempdir()?;
    if matches!(args.catalog.as_str(), "sqlite" | "both") {
        let data = scratch.path().join("sqlite");
        std::fs::create_dir_all(&data)?;
        let db = format!("sqlite://{}", data.join("catalog.db").display());
        measure("SQLite", &args, &binary, &data, &db).await?;
    }
    if matches!(args.catalog.as_str(), "postgres" | "both") {
        use sqlx::Connection;
        let admin = args.postgres.clone().context("no PostgreSQL: set FERRUM_TEST_DATABASE_URL or --postgres")?;
        let name = format!("bench_search_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        let db = format!("{}/{name}", &admin[..admin.rfind('/').context("database URL")?]);
        let data = scratch.path().join("postgres");
        std::fs::create_dir_all(&data)?;
        let result = measure("PostgreSQL", &args, &binary, &data, &db).await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).await?;
        result?;
    }
    Ok(())
}
