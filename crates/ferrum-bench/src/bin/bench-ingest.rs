//! Ingest benchmark: the same synthetic CT corpus uploaded to Ferrum and, when installed, to
//! Orthanc, with 1 and 4 concurrent clients, plus one large ZIP to Ferrum. Prints files/s,
//! MB/s, per-file latency and the server's peak RSS, and the ratios to Orthanc.
//!
//!     scripts/bench-ingest.sh --files 400 --zip-mb 2048
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::corpus::{ct_instance, write_zip};
use ferrum_bench::servers::{self, Server};
use ferrum_bench::stats::{self, Run};

#[derive(Parser)]
struct Args {
    /// The ferrum binary to measure (a release build).
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    /// Loose files per run.
    #[arg(long, default_value_t = 400)]
    files: u32,
    /// Size of the ZIP run, MB (0 skips it).
    #[arg(long, default_value_t = 512)]
    zip_mb: u64,
    /// Rows and columns of each instance.
    #[arg(long, default_value_t = 512)]
    size: u16,
    /// Where servers keep their data (the same disk for every server).
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
    /// Skip Orthanc even when installed.
    #[arg(long)]
    no_orthanc: bool,
    /// Also measure the production set-up: PostgreSQL (a database is created next to the one
    /// this URL names, per run) ...
    #[arg(long, requires = "s3_endpoint")]
    pg_url: Option<String>,
    /// ... and this S3-compatible store (a bucket per run; credentials from the AWS chain).
    #[arg(long, requires = "pg_url")]
    s3_endpoint: Option<String>,
    /// Instances already catalogued for the "full catalog" production run.
    #[arg(long, default_value_t = 200_000)]
    seed: u64,
}

/// Production-mode runs: ferrum on PostgreSQL + S3 (empty, then with `seed` instances
/// already catalogued) and Orthanc with its PostgreSQL index on the same server.
async fn production_runs(
    args: &Args,
    ferrum: &std::path::Path,
    corpus: &Arc<Vec<Vec<u8>>>,
    run_id: u64,
) -> anyhow::Result<(Vec<Run>, Vec<Run>)> {
    use ferrum_bench::production::*;
    let (Some(pg), Some(s3)) = (&args.pg_url, &args.s3_endpoint) else { return Ok((Vec::new(), Vec::new())) };
    let mut ferrum_runs = Vec::new();
    for (clients, seeded) in [(1usize, 0u64), (4, 0), (4, args.seed)] {
        let name = format!("bench_{run_id}_{clients}_{seeded}");
        let url = fresh_database(pg, &name).await?;
        let bucket = name.replace('_', "-");
        fresh_bucket(s3, &bucket).await?;
        if seeded > 0 {
            let t = Instant::now();
            ferrum_store::catalog::seed::seed(&url, seeded, 1).await?;
            println!("seeded {seeded} instances in {:.1} s", t.elapsed().as_secs_f64());
        }
        let env = ferrum_env(&url, s3, &bucket);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let server = servers::ferrum(ferrum, &args.scratch, &env).await?;
        let label = match seeded {
            0 => format!("ferrum PG+S3, {clients} client(s)"),
            n => format!("ferrum PG+S3 +{}k, {clients} cl.", n / 1000),
        };
        ferrum_runs.push(upload_all(&server, "/api/uploads", corpus.clone(), clients, &label).await?);
    }
    let mut orthanc_runs = Vec::new();
    match servers::orthanc_binary().filter(|_| std::path::Path::new(ORTHANC_POSTGRES_PLUGIN).exists()) {
        Some(bin) if !args.no_orthanc => {
            for clients in [1usize, 4] {
                let url = fresh_database(pg, &format!("bench_{run_id}_orthanc_{clients}")).await?;
                let server =
                    servers::orthanc(&bin, &args.scratch, &[ORTHANC_POSTGRES_PLUGIN], orthanc_postgres(&url)?).await?;
                let label = format!("orthanc PG, {clients} client(s)");
                orthanc_runs.push(upload_all(&server, "/instances", corpus.clone(), clients, &label).await?);
            }
        }
        _ => println!("Orthanc's PostgreSQL plugin is not installed (apt-get install orthanc-postgresql)"),
    }
    Ok((ferrum_runs, orthanc_runs))
}

async fn upload_all(
    server: &Server,
    path: &str,
    corpus: Arc<Vec<Vec<u8>>>,
    clients: usize,
    label: &str,
) -> anyhow::Result<Run> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let url = format!("{}{}", server.base, path);
    let cpu_before = server.cpu_secs();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, next, corpus, url, auth) =
            (client.clone(), next.clone(), corpus.clone(), url.clone(), server.auth.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = corpus.get(i) else { break };
                let mut req = client.post(&url).header("content-type", "application/dicom").body(body.clone());
                if let Some(a) = &auth {
                    req = req.header("authorization", a);
                }
                let t = Instant::now();
                let r = req.send().await?;
                let status = r.status();
                r.bytes().await?;
                latencies.push(t.elapsed());
                if !status.is_success() {
                    bail!("upload {i} answered {status}");
                }
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    let wall = started.elapsed();
    Ok(Run {
        label: label.to_owned(),
        files: corpus.len(),
        bytes: corpus.iter().map(|b| b.len() as u64).sum(),
        wall,
        latencies,
        peak_rss_kib: server.peak_rss_kib(),
        cpu_secs: server.cpu_secs().zip(cpu_before).map(|(a, b)| a - b),
    })
}

async fn upload_zip(server: &Server, zip: &std::path::Path, files: usize, bytes: u64) -> anyhow::Result<Run> {
    let len = std::fs::metadata(zip)?.len();
    let cpu_before = server.cpu_secs();
    let (status, report, wall) = servers::upload_zip_file(server, zip).await?;
    if !status.is_success() || report["stored"].as_u64() != Some(files as u64) {
        bail!("ZIP upload answered {status}: stored {} of {files}", report["stored"]);
    }
    Ok(Run {
        label: format!("ferrum ZIP {:.0} MB", len as f64 / 1e6),
        files,
        bytes,
        wall,
        latencies: vec![wall],
        peak_rss_kib: server.peak_rss_kib(),
        cpu_secs: server.cpu_secs().zip(cpu_before).map(|(a, b)| a - b),
    })
}

fn ratio(a: &Run, b: &Run) -> String {
    format!("{:.2}x", a.files_per_sec() / b.files_per_sec())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)?;
    let ferrum = args
        .ferrum
        .canonicalize()
        .with_context(|| format!("{} (build it with cargo build --release)", args.ferrum.display()))?;
    let run_id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();

    print!("generating {} instances of {}x{} 16-bit CT... ", args.files, args.size, args.size);
    let corpus: Arc<Vec<Vec<u8>>> = Arc::new((0..args.files).map(|i| ct_instance(run_id, i, args.size)).collect());
    let mean = corpus.iter().map(|b| b.len()).sum::<usize>() / corpus.len().max(1);
    println!("{:.0} KB each", mean as f64 / 1024.0);

    let mut runs = Vec::new();
    for clients in [1usize, 4] {
        let server = servers::ferrum(&ferrum, &args.scratch, &[]).await?;
        runs.push(
            upload_all(&server, "/api/uploads", corpus.clone(), clients, &format!("ferrum loose, {clients} client(s)"))
                .await?,
        );
    }
    let orthanc = if args.no_orthanc { None } else { servers::orthanc_binary() };
    let mut reference = Vec::new();
    match &orthanc {
        Some(bin) => {
            for clients in [1usize, 4] {
                let server = servers::orthanc(bin, &args.scratch, &[], serde_json::json!({})).await?;
                reference.push(
                    upload_all(
                        &server,
                        "/instances",
                        corpus.clone(),
                        clients,
                        &format!("orthanc loose, {clients} client(s)"),
                    )
                    .await?,
                );
            }
        }
        None => println!("Orthanc is not installed (apt-get install orthanc): no reference runs"),
    }
    let (prod, prod_reference) = production_runs(&args, &ferrum, &corpus, run_id).await?;
    let mut zip_run = None;
    if args.zip_mb > 0 {
        let count = ((args.zip_mb * 1_000_000) / mean as u64).max(1) as u32;
        let zip_path = args.scratch.join("bench.zip");
        print!("writing a ZIP of {count} instances... ");
        let bytes = write_zip(&zip_path, run_id + 1, 0, count, args.size)?;
        println!("{:.0} MB", bytes as f64 / 1e6);
        let server = servers::ferrum(&ferrum, &args.scratch, &[]).await?;
        zip_run = Some(upload_zip(&server, &zip_path, count as usize, bytes).await?);
        std::fs::remove_file(&zip_path)?;
    }

    println!();
    stats::header();
    for r in runs.iter().chain(reference.iter()).chain(zip_run.iter()).chain(prod.iter()).chain(prod_reference.iter()) {
        stats::row(r);
    }
    println!();
    if reference.len() == 2 {
        println!("ferrum / orthanc files/s, 1 client:  {}", ratio(&runs[0], &reference[0]));
        println!("ferrum / orthanc files/s, 4 clients: {}   (target >= 1.5x)", ratio(&runs[1], &reference[1]));
    }
    println!(
        "ferrum p50 per file, 1 client: {:.2} ms   (target <= 5 ms)",
        runs[0].percentile_ms(0.5).unwrap_or(f64::NAN)
    );
    if let Some(z) = &zip_run {
        println!("ferrum ZIP / loose (1 client) files/s: {}   (target >= 0.9x)", ratio(z, &runs[0]));
        println!(
            "ferrum peak RSS during the ZIP: {:.1} MB   (target <= 150 MB)",
            z.peak_rss_kib.unwrap_or(0) as f64 / 1024.0
        );
    }
    if prod.len() == 3 {
        if prod_reference.len() == 2 {
            println!("ferrum PG+S3 / orthanc PG files/s, 1 client:  {}", ratio(&prod[0], &prod_reference[0]));
            println!(
                "ferrum PG+S3 / orthanc PG files/s, 4 clients: {}   (target >= 2x)",
                ratio(&prod[1], &prod_reference[1])
            );
        }
        println!("ferrum PG+S3 / embedded files/s, 4 clients:   {}   (target >= 0.5x)", ratio(&prod[1], &runs[1]));
        println!(
            "ferrum PG+S3 with {} catalogued / empty, 4 clients: {}   (target >= 0.9x)",
            args.seed,
            ratio(&prod[2], &prod[1])
        );
    }
    Ok(())
}
