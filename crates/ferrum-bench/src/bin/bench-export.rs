//! Export benchmark (figures, not a test): uploads one large study (generated 512×512 16-bit
//! CT slices, `--mb` of them), exports it through `GET /api/studies/{uid}/archive`, and
//! prints the rate, the server's peak RSS during the export (VmHWM, reset before it through
//! /proc/PID/clear_refs) and its CPU per MB. Then, on a fresh server with
//! FERRUM_BLOB_DELETE_GRACE_SECS=0, the time to erase a `--erase-instances` study: the
//! answer, and until every one of its blobs (objects and thumbnails) is gone.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::corpus::{ct_instance_one_study, write_zip_of};
use ferrum_bench::servers::{self, Server};
use futures_util::StreamExt;

#[derive(Parser)]
struct Args {
    /// The ferrum binary to measure (a release build).
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    /// Size of the exported study, MB.
    #[arg(long, default_value_t = 2048)]
    mb: u64,
    /// Rows and columns of each slice.
    #[arg(long, default_value_t = 512)]
    size: u16,
    /// Instances of the erased study (0 skips the erase).
    #[arg(long, default_value_t = 1000)]
    erase_instances: u32,
    /// Where servers keep their data and the generated ZIP.
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
}

fn kib_line(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Generates the study as a ZIP and uploads it; answers the study UID and the bytes stored.
async fn upload_study(
    server: &Server,
    scratch: &Path,
    run: u64,
    count: u32,
    size: u16,
) -> anyhow::Result<(String, u64)> {
    let zip = scratch.join(format!("export-bench-{run}.zip"));
    let bytes = write_zip_of(&zip, run, 0, count, size, ct_instance_one_study)?;
    let (status, report, wall) = servers::upload_zip_file(server, &zip).await?;
    std::fs::remove_file(&zip)?;
    if !status.is_success() || report["stored"].as_u64() != Some(u64::from(count)) {
        bail!("the upload answered {status}: stored {}", report["stored"]);
    }
    eprintln!("uploaded {count} instances ({:.0} MB) in {:.1} s", bytes as f64 / 1e6, wall.as_secs_f64());
    let study = report["studies"][0]["study_instance_uid"].as_str().context("no study in the report")?.to_owned();
    Ok((study, bytes))
}

/// Every file under `dir`.
fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| if e.file_type().map(|t| t.is_dir()).unwrap_or(false) { count_files(&e.path()) } else { 1 })
        .sum()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)?;
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let slice = ct_instance_one_study(run, 0, args.size).len() as u64;
    let count = ((args.mb * 1_000_000) / slice).max(1) as u32;

    let server = servers::ferrum(&args.ferrum, &args.scratch, &[]).await?;
    let (study, stored) = upload_study(&server, &args.scratch, run, count, args.size).await?;
    server.wait_idle(Duration::from_secs(600)).await;
    let pid = server.pid();
    let rss_before = kib_line(pid, "VmRSS:").unwrap_or(0);
    // Resets VmHWM to the current RSS, so that the peak read after is the export's.
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").context("resetting the peak RSS")?;
    let cpu_before = server.cpu_secs();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(7200)).build()?;
    let started = Instant::now();
    let r = client
        .get(format!("{}/api/studies/{study}/archive", server.base))
        .header("authorization", server.auth.clone().unwrap_or_default())
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("the archive answered {}", r.status());
    }
    let mut body = r.bytes_stream();
    let mut received = 0u64;
    while let Some(chunk) = body.next().await {
        received += chunk?.len() as u64;
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = server.cpu_secs().zip(cpu_before).map(|(a, b)| a - b);
    let peak = kib_line(pid, "VmHWM:");
    let mb = received as f64 / 1e6;
    println!("| measure | value |");
    println!("|---|---|");
    println!("| study exported | {count} instances, {:.0} MB stored, {mb:.0} MB archive |", stored as f64 / 1e6);
    println!("| export rate | {:.0} MB/s ({wall:.1} s) |", mb / wall);
    println!("| server RSS before the export | {:.0} MB |", rss_before as f64 / 1024.0);
    println!(
        "| server peak RSS during the export | {} |",
        peak.map_or("?".into(), |k| format!("{:.0} MB", k as f64 / 1024.0))
    );
    println!("| server CPU per MB exported | {} |", cpu.map_or("?".into(), |c| format!("{:.2} ms", c * 1000.0 / mb)));
    drop(server);

    if args.erase_instances > 0 {
        let server = servers::ferrum(&args.ferrum, &args.scratch, &[("FERRUM_BLOB_DELETE_GRACE_SECS", "0")]).await?;
        let (study, _) = upload_study(&server, &args.scratch, run + 1, args.erase_instances, 64).await?;
        server.wait_idle(Duration::from_secs(600)).await;
        let blobs = server.data_dir().join("blobs");
        let files = count_files(&blobs);
        let started = Instant::now();
        let r = client
            .delete(format!("{}/api/studies/{study}", server.base))
            .header("authorization", server.auth.clone().unwrap_or_default())
            .send()
            .await?;
        let answered = started.elapsed().as_secs_f64();
        if !r.status().is_success() {
            bail!("the erase answered {}", r.status());
        }
        while count_files(&blobs) > 0 {
            if started.elapsed() > Duration::from_secs(600) {
                bail!("blobs still there after 10 minutes");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let gone = started.elapsed().as_secs_f64();
        println!(
            "| erase of a {}-instance study ({files} blobs) | answered in {:.0} ms, every blob gone after {gone:.1} s |",
            args.erase_instances,
            answered * 1000.0
        );
    }
    Ok(())
}
