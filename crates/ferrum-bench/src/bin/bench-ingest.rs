//! Ingest benchmark: the same CT corpus uploaded to Ferrum and, when installed, to Orthanc
//! (1.10 on its default SQLite index and file storage), with 1 and 4 concurrent keep-alive
//! clients, each server fresh and run in turn in the same invocation; then one large ZIP to
//! Ferrum. Prints, side by side, files/s, per-file latency (p50, p99), peak RSS and server
//! CPU per file, and the ratios to Orthanc.
//!
//!     scripts/bench-ingest.sh --files 300
//!     scripts/bench-ingest.sh --files 300 --corpus DIR   # files made elsewhere instead
//!
//! Server CPU is read from /proc/PID/stat before the first upload and after the server has
//! gone idle again (under 1% of a core for a second), so the background work an upload
//! causes — Ferrum's thumbnails — is counted in the cost of ingest.
//!
//! Durability is not the same on both sides, and the figures should be read with that in
//! mind: Orthanc (SyncStorageArea, true by default since 1.7.4) fdatasyncs each stored file
//! before answering, but neither the directory nor its SQLite index, which it runs in WAL
//! mode without a sync per commit (seen with `strace -f -e trace=fsync,fdatasync`). Ferrum
//! fsyncs the object, its directory and the catalog commit (WAL, synchronous=FULL) before it
//! answers.
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::corpus::{ct_instance, load_dir, write_zip};
use ferrum_bench::servers::{self, Server};
use ferrum_bench::stats::{self, ratio as figure_ratio, Run};

#[derive(Parser)]
struct Args {
    /// The ferrum binary to measure (a release build).
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    /// Loose files per run.
    #[arg(long, default_value_t = 300)]
    files: u32,
    /// Upload the files under this folder (recursively, in path order) instead of generated
    /// ones; `--files` still caps their number.
    #[arg(long)]
    corpus: Option<PathBuf>,
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
    /// PID of the PostgreSQL server (postmaster) of `--pg-url`, to report its CPU apart.
    #[arg(long)]
    pg_pid: Option<u32>,
    /// PID of the S3-compatible server of `--s3-endpoint`, to report its CPU apart.
    #[arg(long)]
    s3_pid: Option<u32>,
}

/// How long a server may take to finish the background work of a run.
const DRAIN_LIMIT: Duration = Duration::from_secs(120);

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
        let services_before = services_cpu(args);
        ferrum_runs.push(upload_all(&server, "/api/uploads", corpus.clone(), clients, &label).await?);
        let services_after = services_cpu(args);
        for ((name, before), (_, after)) in services_before.iter().zip(&services_after) {
            if let (Some(b), Some(a)) = (before, after) {
                println!("{label}: {name} CPU {:.2} ms per file", (a - b) * 1000.0 / corpus.len().max(1) as f64);
            }
        }
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

/// CPU seconds so far of the PostgreSQL server (with its backends) and of the S3 server.
fn services_cpu(args: &Args) -> [(&'static str, Option<f64>); 2] {
    [
        ("PostgreSQL", args.pg_pid.and_then(servers::tree_cpu_secs)),
        ("S3 server", args.s3_pid.and_then(servers::tree_cpu_secs)),
    ]
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
    server.wait_idle(DRAIN_LIMIT).await;
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
    server.wait_idle(DRAIN_LIMIT).await;
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

    let corpus: Vec<Vec<u8>> = match &args.corpus {
        Some(dir) => {
            let files = load_dir(dir, args.files as usize).with_context(|| format!("--corpus {}", dir.display()))?;
            println!("read {} files from {}", files.len(), dir.display());
            files
        }
        None => {
            println!("generating {} instances of {}x{} 16-bit CT", args.files, args.size, args.size);
            (0..args.files).map(|i| ct_instance(run_id, i, args.size)).collect()
        }
    };
    let corpus = Arc::new(corpus);
    let mean = corpus.iter().map(|b| b.len()).sum::<usize>() / corpus.len().max(1);
    println!("{:.0} KB each", mean as f64 / 1024.0);

    // Each client count: a fresh Ferrum, then a fresh Orthanc, one after the other.
    let orthanc = if args.no_orthanc { None } else { servers::orthanc_binary() };
    if orthanc.is_none() && !args.no_orthanc {
        println!("Orthanc is not installed (apt-get install orthanc): no reference runs");
    }
    let mut runs = Vec::new();
    let mut reference = Vec::new();
    for clients in [1usize, 4] {
        let server = servers::ferrum(&ferrum, &args.scratch, &[]).await?;
        let label = format!("ferrum loose, {clients} client(s)");
        runs.push(upload_all(&server, "/api/uploads", corpus.clone(), clients, &label).await?);
        drop(server);
        if let Some(bin) = &orthanc {
            let server = servers::orthanc(bin, &args.scratch, &[], serde_json::json!({})).await?;
            let label = format!("orthanc loose, {clients} client(s)");
            reference.push(upload_all(&server, "/instances", corpus.clone(), clients, &label).await?);
        }
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
    for (i, r) in runs.iter().enumerate() {
        stats::row(r);
        if let Some(o) = reference.get(i) {
            stats::row(o);
        }
    }
    for r in zip_run.iter().chain(prod.iter()).chain(prod_reference.iter()) {
        stats::row(r);
    }
    println!();
    for (i, clients) in [1, 4].iter().enumerate() {
        let (Some(f), Some(o)) = (runs.get(i), reference.get(i)) else { continue };
        let targets =
            if *clients == 4 { ["   (target >= 1.5x)", "   (target <= 0.5x)", "   (target <= 1x)"] } else { [""; 3] };
        println!("ferrum / orthanc, {clients} client(s):");
        println!("  files/s       {}{}", ratio(f, o), targets[0]);
        println!("  CPU per file  {}{}", figure_ratio(f.cpu_ms_per_file(), o.cpu_ms_per_file()), targets[1]);
        println!("  p50           {}", figure_ratio(f.percentile_ms(0.5), o.percentile_ms(0.5)));
        println!("  p99           {}{}", figure_ratio(f.percentile_ms(0.99), o.percentile_ms(0.99)), targets[2]);
    }
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
            println!(
                "ferrum PG+S3 / orthanc PG CPU per file, 4 clients: {}",
                figure_ratio(prod[1].cpu_ms_per_file(), prod_reference[1].cpu_ms_per_file())
            );
        }
        println!(
            "ferrum PG+S3 / embedded CPU per file, 4 clients: {}   (target <= 1.3x)",
            figure_ratio(prod[1].cpu_ms_per_file(), runs[1].cpu_ms_per_file())
        );
        println!("ferrum PG+S3 / embedded files/s, 4 clients:   {}   (target >= 0.5x)", ratio(&prod[1], &runs[1]));
        println!(
            "ferrum PG+S3 with {} catalogued / empty, 4 clients: {}   (target >= 0.9x)",
            args.seed,
            ratio(&prod[2], &prod[1])
        );
    }
    Ok(())
}
