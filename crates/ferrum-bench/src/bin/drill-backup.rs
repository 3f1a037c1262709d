//! Backup drill: `ferrum backup` taken again and again from a running server while clients
//! upload, the last snapshot restored into a fresh data directory, a server started on it,
//! and every object checked: each file acknowledged before that backup began is served byte
//! for byte (by SHA-256), and every instance the restored catalog lists is served at all (no
//! row without its blob). Prints each backup's figures and the restore's.
//!
//!     scripts/drill-backup.sh [--seconds 60] [--clients 4] [--backups 4]
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::drill::{self, Acked, Load};
use ferrum_bench::servers;
use ferrum_store::blob::crypto::MasterKeys;

#[derive(Parser)]
struct Args {
    /// The ferrum binary (a release build).
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    /// How long the clients upload.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Concurrent uploading clients.
    #[arg(long, default_value_t = 4)]
    clients: u32,
    /// Backups taken while they upload, evenly spread.
    #[arg(long, default_value_t = 4)]
    backups: u32,
    /// Rows and columns of each CT instance.
    #[arg(long, default_value_t = 256)]
    size: u16,
    /// Where the servers and the repository live.
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)?;
    let scratch = tempfile::tempdir_in(&args.scratch)?;
    let key = scratch.path().join("backup.key");
    std::fs::write(&key, format!("{}\n", hex::encode(MasterKeys::new_data_key())))?;
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    let repo = scratch.path().join("repo");
    let server = servers::ferrum(&args.ferrum, scratch.path(), &[]).await?;
    let data_dir = server.data_dir().to_owned();

    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let load = Load { run: std::process::id().into(), first: 0, clients: args.clients, size: args.size };
    let clients = drill::upload_until(&server, load, stop.clone(), acked.clone(), false);
    let gap = Duration::from_secs(args.seconds) / (args.backups + 1);
    let mut last_start = None;
    println!("backup  at_s  seconds  cpu_s  files  bytes  new_objects  new_bytes  unchanged  acked_before");
    let began = Instant::now();
    for n in 1..=args.backups {
        tokio::time::sleep_until((began + gap * n).into()).await;
        let started = Instant::now();
        let before = acked.lock().unwrap().len();
        let (summary, cpu) = ferrum_cli(&args.ferrum, &data_dir, &key, &["backup", &repo.to_string_lossy()]).await?;
        println!(
            "{n:>6}  {:>4.1}  {:>7.2}  {cpu:>5.2}  {:>5}  {:>5}  {:>11}  {:>9}  {:>9}  {before:>12}",
            (started - began).as_secs_f64(),
            summary["seconds"].as_f64().unwrap_or_default(),
            summary["files"],
            summary["bytes"],
            summary["new_objects"],
            summary["new_bytes"],
            summary["unchanged"],
        );
        last_start = Some(started);
    }
    tokio::time::sleep_until((began + Duration::from_secs(args.seconds)).into()).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await??;
    }
    let last_start = last_start.context("--backups 0 takes no backup")?;
    let acked = acked.lock().unwrap().clone();
    drop(server);

    let restored = tempfile::tempdir_in(scratch.path())?;
    let (out, cpu) = ferrum_cli(&args.ferrum, restored.path(), &key, &["restore", &repo.to_string_lossy()]).await?;
    println!(
        "restore: {} files, {} bytes in {:.2} s ({cpu:.2} s CPU)",
        out["files"],
        out["bytes"],
        out["seconds"].as_f64().unwrap_or_default()
    );
    let listed = drill::listed_instances(&format!("sqlite://{}", restored.path().join("catalog.db").display())).await?;
    let copy = servers::ferrum_in(&args.ferrum, restored, &[]).await?;
    let check = drill::check(&copy, &acked, Some(last_start), &listed).await?;
    println!(
        "acknowledged: {} files; before the last backup began: {}, missing: {}; after it: {} (in the snapshot \
         anyway: {}); instances the restored catalog lists: {}, unserved: {}",
        acked.len(),
        check.required,
        check.missing.len(),
        acked.len() as u64 - check.required,
        check.later_present,
        check.listed,
        check.unserved,
    );
    if !check.holds() {
        bail!("the restore lost acknowledged objects: {:?}", check);
    }
    println!("holds: every object acknowledged before the snapshot is restored byte for byte");
    Ok(())
}

/// Runs `ferrum ARGS` on `data_dir`; answers its JSON line and the CPU seconds it used.
async fn ferrum_cli(
    binary: &Path,
    data_dir: &Path,
    key: &Path,
    args: &[&str],
) -> anyhow::Result<(serde_json::Value, f64)> {
    let before = children_cpu();
    let out = tokio::process::Command::new(binary)
        .args(args)
        .env("FERRUM_DATA_DIR", data_dir)
        .env("FERRUM_BACKUP_KEY_FILE", key)
        .env("FERRUM_LOG", "warn")
        .output()
        .await?;
    if !out.status.success() {
        bail!("ferrum {}: {}", args[0], String::from_utf8_lossy(&out.stderr));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    Ok((serde_json::from_str(stdout.lines().last().unwrap_or_default())?, children_cpu() - before))
}

/// CPU seconds used by this process's children that have ended (getrusage RUSAGE_CHILDREN,
/// as /proc/self/stat's cutime and cstime).
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rfind(')').map(|i| &stat[i + 2..]).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    (13..=14).filter_map(|i| fields.get(i)?.parse::<f64>().ok()).sum::<f64>() / 100.0
}
