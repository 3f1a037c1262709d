//! De-identification benchmark (figures, not a test): uploads one study (generated 512×512
//! 16-bit CT slices, `--mb` of them), then measures
//! - a viewer link's first image, plain and de-identified: the study JSON through
//!   `/api/share/{token}/study` and the first rendered frame after it (the median of `--runs`
//!   fresh links each), then the first series' metadata through the link's DICOMweb root and one frame;
//! - `ferrum export --study` plain and `--deidentify`, to a ZIP: the rate over the bytes
//!   written.
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::corpus::{ct_instance_one_study, write_zip_of};
use ferrum_bench::servers::{self, Server};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    /// The ferrum binary to measure.
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    /// Size of the study, MB.
    #[arg(long, default_value_t = 256)]
    mb: u64,
    /// Rows and columns of each slice.
    #[arg(long, default_value_t = 512)]
    size: u16,
    /// Fresh links measured of each kind.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Where the server keeps its data and the exports go.
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A new link's first image: (study JSON, first rendered frame after it, then its first
/// series' metadata through the link's DICOMweb root, as OHIF asks for it), seconds.
async fn first_image(
    client: &reqwest::Client,
    server: &Server,
    study: &str,
    deid: bool,
) -> anyhow::Result<(f64, f64, f64, f64)> {
    let auth = server.auth.clone().unwrap_or_default();
    let link: Value = client
        .post(format!("{}/api/studies/{study}/links", server.base))
        .header("authorization", auth)
        .json(&json!({ "deidentify": deid }))
        .send()
        .await?
        .json()
        .await?;
    let token = link["url"].as_str().context("no link url")?.rsplit('/').next().unwrap_or_default().to_owned();
    let api = format!("{}/api/share/{token}", server.base);
    let started = Instant::now();
    let r = client.get(format!("{api}/study")).send().await?;
    if !r.status().is_success() {
        bail!("the link's study answered {}", r.status());
    }
    let json: Value = r.json().await?;
    let study_secs = started.elapsed().as_secs_f64();
    let sop = json["series"][0]["instances"][0]["sop_instance_uid"].as_str().context("no instance")?;
    let r = client.get(format!("{api}/instances/{sop}/rendered?format=jpeg")).send().await?;
    if !r.status().is_success() {
        bail!("the link's frame answered {}", r.status());
    }
    r.bytes().await?;
    let frame_secs = started.elapsed().as_secs_f64();
    let (study_uid, series_uid) = (
        json["study_instance_uid"].as_str().context("no study UID")?,
        json["series"][0]["series_instance_uid"].as_str().context("no series UID")?,
    );
    let root = format!("{}/share/{token}/dicomweb", server.base);
    let started = Instant::now();
    let r = client.get(format!("{root}/studies/{study_uid}/series/{series_uid}/metadata")).send().await?;
    if !r.status().is_success() {
        bail!("the link's series metadata answered {}", r.status());
    }
    let metadata: Value = r.json().await?;
    let metadata_secs = started.elapsed().as_secs_f64();
    let frames = metadata[0]["7FE00010"]["BulkDataURI"].as_str().context("no BulkDataURI")?;
    let started = Instant::now();
    let r = client
        .get(format!("{frames}/1"))
        .header("accept", "multipart/related; type=application/octet-stream; transfer-syntax=*")
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("the link's frame answered {}", r.status());
    }
    r.bytes().await?;
    Ok((study_secs, frame_secs, metadata_secs, started.elapsed().as_secs_f64()))
}

/// `ferrum export --study` into a new ZIP; answers the seconds and the bytes written.
fn export(args: &Args, server: &Server, study: &str, deid: bool, n: u64) -> anyhow::Result<(f64, u64)> {
    let out = args.scratch.join(format!("deid-bench-{n}-{deid}.zip"));
    let mut cmd = std::process::Command::new(&args.ferrum);
    cmd.env("FERRUM_DATA_DIR", server.data_dir()).env("FERRUM_LOG", "warn");
    cmd.args(["export", "--study", study, "--out"]).arg(&out);
    if deid {
        cmd.arg("--deidentify");
    }
    let started = Instant::now();
    let run = cmd.output()?;
    let secs = started.elapsed().as_secs_f64();
    if !run.status.success() {
        bail!("ferrum export failed: {}", String::from_utf8_lossy(&run.stderr));
    }
    let bytes = std::fs::metadata(&out)?.len();
    std::fs::remove_file(&out)?;
    Ok((secs, bytes))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)?;
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let slice = ct_instance_one_study(run, 0, args.size).len() as u64;
    let count = ((args.mb * 1_000_000) / slice).max(1) as u32;
    let server = servers::ferrum(&args.ferrum, &args.scratch, &[]).await?;
    let zip = args.scratch.join(format!("deid-bench-{run}.zip"));
    write_zip_of(&zip, run, 0, count, args.size, ct_instance_one_study)?;
    let (status, report, _) = servers::upload_zip_file(&server, &zip).await?;
    std::fs::remove_file(&zip)?;
    if !status.is_success() {
        bail!("the upload answered {status}");
    }
    let study = report["studies"][0]["study_instance_uid"].as_str().context("no study")?.to_owned();
    server.wait_idle(Duration::from_secs(600)).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(600)).build()?;

    println!("| measure ({count} instances of {}×{}) | plain | de-identified |", args.size, args.size);
    println!("|---|---|---|");
    let mut rows = Vec::new();
    for deid in [false, true] {
        let mut times: [Vec<f64>; 4] = Default::default();
        for _ in 0..args.runs {
            let (j, f, m, w) = first_image(&client, &server, &study, deid).await?;
            for (list, t) in times.iter_mut().zip([j, f, m, w]) {
                list.push(t);
            }
        }
        let [j, f, m, w] = times.map(median);
        rows.push((j, f, m, w));
    }
    println!("| link: study JSON (median) | {:.0} ms | {:.0} ms |", rows[0].0 * 1e3, rows[1].0 * 1e3);
    println!(
        "| link: first rendered frame after it (median) | {:.0} ms | {:.0} ms |",
        rows[0].1 * 1e3,
        rows[1].1 * 1e3
    );
    println!(
        "| link: series metadata through its DICOMweb root (median) | {:.0} ms | {:.0} ms |",
        rows[0].2 * 1e3,
        rows[1].2 * 1e3
    );
    println!(
        "| link: a frame through its DICOMweb root after that (median) | {:.0} ms | {:.0} ms |",
        rows[0].3 * 1e3,
        rows[1].3 * 1e3
    );
    let plain = export(&args, &server, &study, false, run)?;
    let deid = export(&args, &server, &study, true, run)?;
    let rate = |(secs, bytes): (f64, u64)| {
        format!("{:.0} MB/s ({secs:.1} s, {:.0} MB)", bytes as f64 / 1e6 / secs, bytes as f64 / 1e6)
    };
    println!("| `ferrum export --study` to a ZIP | {} | {} |", rate(plain), rate(deid));
    Ok(())
}
