//! Crash drill: SIGKILL the server at a random moment while clients upload, start it again on
//! the same storage, and check that every file ever acknowledged is served byte for byte and
//! that every instance the catalog lists is served (no row without its blob); `--rounds`
//! times over one growing archive. The embedded default by default; `--pg-url` and
//! `--s3-endpoint` for PostgreSQL + S3 (scripts/drill-crash.sh --production).
//!
//!     scripts/drill-crash.sh [--rounds 20] [--clients 4] [--production]
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use ferrum_bench::drill::{self, Acked, Load};
use ferrum_bench::{production, servers};

#[derive(Parser)]
struct Args {
    /// The ferrum binary (a release build).
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    #[arg(long, default_value_t = 20)]
    rounds: u32,
    /// Concurrent uploading clients.
    #[arg(long, default_value_t = 4)]
    clients: u32,
    /// The kill comes this long after the uploads start, at random between the two, ms.
    #[arg(long, default_value_t = 300)]
    min_ms: u64,
    #[arg(long, default_value_t = 3000)]
    max_ms: u64,
    /// Rows and columns of each CT instance.
    #[arg(long, default_value_t = 256)]
    size: u16,
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
    /// PostgreSQL + S3: a database is made next to the one this URL names ...
    #[arg(long, requires = "s3_endpoint")]
    pg_url: Option<String>,
    /// ... and a bucket on this S3-compatible store (credentials from the AWS chain).
    #[arg(long, requires = "pg_url")]
    s3_endpoint: Option<String>,
}

fn random_below(n: u64) -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() % n.max(1)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)?;
    let run: u64 = std::process::id().into();
    let (env, catalog_url): (Vec<(String, String)>, Option<String>) = match (&args.pg_url, &args.s3_endpoint) {
        (Some(pg), Some(s3)) => {
            let url = production::fresh_database(pg, &format!("drill_crash_{run}")).await?;
            let bucket = format!("drill-crash-{run}");
            production::fresh_bucket(s3, &bucket).await?;
            (production::ferrum_env(&url, s3, &bucket), Some(url))
        }
        _ => (Vec::new(), None),
    };
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let set_up = if catalog_url.is_some() { "PostgreSQL + S3" } else { "SQLite + local directory" };
    println!(
        "crash drill on {set_up}: {} rounds, {} clients, kill after {}–{} ms",
        args.rounds, args.clients, args.min_ms, args.max_ms
    );
    println!("round  kill_ms  acked_round  acked_total  listed  missing  unserved  restart_s");

    let mut dir = tempfile::tempdir_in(&args.scratch)?;
    let mut all: HashMap<String, (String, Instant)> = HashMap::new();
    let mut failed = false;
    for round in 0..args.rounds {
        let server = servers::ferrum_in(&args.ferrum, dir, &env_ref).await?;
        let acked: Acked = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let first = round * 1_000_000;
        let clients = drill::upload_until(
            &server,
            Load { run, first, clients: args.clients, size: args.size },
            stop.clone(),
            acked.clone(),
            true,
        );
        let kill_ms = args.min_ms + random_below(args.max_ms.saturating_sub(args.min_ms) + 1);
        tokio::time::sleep(Duration::from_millis(kill_ms)).await;
        dir = server.crash();
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            client.await??;
        }
        let round_acked = acked.lock().unwrap().clone();
        let n_round = round_acked.len();
        all.extend(round_acked);

        let restart = Instant::now();
        let server = servers::ferrum_in(&args.ferrum, dir, &env_ref).await?;
        let restart_s = restart.elapsed().as_secs_f64();
        let url = catalog_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", server.data_dir().join("catalog.db").display()));
        let listed = drill::listed_instances(&url).await?;
        let check = drill::check(&server, &all, None, &listed).await?;
        println!(
            "{round:>5}  {kill_ms:>7}  {n_round:>11}  {:>11}  {:>6}  {:>7}  {:>8}  {restart_s:>9.2}",
            all.len(),
            check.listed,
            check.missing.len(),
            check.unserved
        );
        failed |= !check.holds();
        dir = server.crash();
    }
    if failed {
        bail!("an acknowledged object was lost or a catalog row lacks its blob");
    }
    println!(
        "holds: after {} kills, every acknowledged file ({}) is served byte for byte, every listed instance is served",
        args.rounds,
        all.len()
    );
    Ok(())
}
