//! Rendering benchmark: series thumbnails (made on first request, then served from the blob
//! store) and full-size rendered frames from Ferrum, against Orthanc's `/preview` and
//! `/frames/0/rendered` over the same synthetic CT corpus, one sequential client. Then how
//! long the background thumbnails of a 500-instance ZIP upload take after its answer.
//!
//!     scripts/bench-render.sh --instances 200
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::render_bench::{self, ct_instance_own_series, measure, measure_on, ratio, Instance, Measure};
use ferrum_bench::servers::{self, Server};

#[derive(Parser)]
struct Args {
    /// The ferrum binary to measure (a release build).
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    /// Instances in the corpus, each in a series of its own (so one uncached thumbnail each).
    #[arg(long, default_value_t = 200)]
    instances: u32,
    /// Requests per measure (default: one per instance). The thumbnail measures ask each
    /// series once, so they make at most --instances requests.
    #[arg(long)]
    requests: Option<usize>,
    /// Rows and columns of each instance.
    #[arg(long, default_value_t = 512)]
    size: u16,
    /// Instances in the ZIP whose background thumbnails are timed, each in its own series
    /// (0 skips it).
    #[arg(long, default_value_t = 500)]
    zip_instances: u32,
    /// Where servers keep their data (the same disk for every server).
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
    /// Skip Orthanc even when installed.
    #[arg(long)]
    no_orthanc: bool,
}

/// Long enough for any run: the bench logs in once per server.
const TOKEN_TTL: (&str, &str) = ("FERRUM_TOKEN_TTL_SECS", "86400");
/// The window of the rendered-frame measures (CT soft tissue), asked of both servers.
const WINDOW: (i32, i32) = (40, 400);
const THUMBNAIL_JOBS: (&str, &str) = ("ferrum_jobs_completed_total", "thumbnail");

async fn upload(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    body: &[u8],
) -> anyhow::Result<serde_json::Value> {
    let mut req =
        client.post(format!("{}{path}", server.base)).header("content-type", "application/dicom").body(body.to_vec());
    if let Some(a) = &server.auth {
        req = req.header("authorization", a);
    }
    let r = req.send().await?;
    let status = r.status();
    let text = r.text().await?;
    if !status.is_success() {
        bail!("POST {path} answered {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

async fn thumbnail_jobs_done(client: &reqwest::Client, server: &Server) -> anyhow::Result<u64> {
    let text = client.get(format!("{}/metrics", server.base)).send().await?.error_for_status()?.text().await?;
    Ok(render_bench::counter(&text, THUMBNAIL_JOBS.0, THUMBNAIL_JOBS.1))
}

/// The data directory `servers::ferrum` made: the one new entry of the scratch directory.
fn new_entry(before: &[PathBuf], scratch: &Path) -> Option<PathBuf> {
    let mut new: Vec<PathBuf> = render_bench::entries(scratch).into_iter().filter(|p| !before.contains(p)).collect();
    (new.len() == 1).then(|| new.remove(0))
}

fn thumbnails_on_disk(data_dir: Option<&PathBuf>) -> Option<usize> {
    data_dir.map(|d| render_bench::count_files(&d.join("blobs/derived/thumb")))
}

/// Ferrum with no background workers, so that no thumbnail exists before it is asked for.
async fn ferrum_runs(
    args: &Args,
    ferrum: &Path,
    corpus: &[Instance],
    client: &reqwest::Client,
) -> anyhow::Result<Vec<Measure>> {
    let before = render_bench::entries(&args.scratch);
    let server = servers::ferrum(ferrum, &args.scratch, &[("FERRUM_JOB_WORKERS", "0"), TOKEN_TTL]).await?;
    let data_dir = new_entry(&before, &args.scratch);
    let started = Instant::now();
    for (i, instance) in corpus.iter().enumerate() {
        let report = upload(client, &server, "/api/uploads", &instance.bytes).await?;
        if report["stored"].as_u64() != Some(1) {
            bail!("ferrum upload {i} stored {}: {report}", report["stored"]);
        }
    }
    println!("uploaded {} instances to ferrum in {:.1} s", corpus.len(), started.elapsed().as_secs_f64());
    let auth = [("authorization", server.auth.as_deref().unwrap_or_default())];
    let base = &server.base;
    // Opens the connection, so that the first timed request does not pay for it.
    measure(client, "warm-up", &auth, &[format!("{base}/api/me")]).await?;
    if let Some(n) = thumbnails_on_disk(data_dir.as_ref()).filter(|n| *n > 0) {
        bail!("{n} thumbnails exist before any was asked for: the uncached figures would be wrong");
    }

    let requests = args.requests.unwrap_or(corpus.len());
    let thumbs: Vec<String> =
        corpus.iter().take(requests).map(|i| format!("{base}/api/series/{}/thumbnail", i.series_uid)).collect();
    let rendered = |query: &str| -> Vec<String> {
        (0..requests)
            .map(|k| format!("{base}/api/instances/{}/rendered{query}", corpus[k % corpus.len()].sop_uid))
            .collect()
    };
    let mut runs = vec![measure_on(&server, client, "ferrum series thumbnail, uncached", &auth, &thumbs).await?];
    if let Some(n) = thumbnails_on_disk(data_dir.as_ref()) {
        if n != thumbs.len() {
            println!("note: {n} thumbnails kept after {} first requests", thumbs.len());
        }
    }
    runs.push(measure_on(&server, client, "ferrum series thumbnail, cached", &auth, &thumbs).await?);
    let (c, w) = WINDOW;
    let jpeg = rendered(&format!("?window={c},{w}&format=jpeg"));
    // Each frame's first request reads, parses and decodes the object; later ones (another
    // window, size or format) start from the decoded frame the server keeps.
    let label = format!("ferrum rendered, JPEG, W {c}/{w}, first request");
    runs.push(measure_on(&server, client, &label, &auth, &jpeg).await?);
    runs.push(measure_on(&server, client, "ferrum rendered, PNG, own window", &auth, &rendered("")).await?);
    let png = rendered(&format!("?window={c},{w}"));
    runs.push(measure_on(&server, client, &format!("ferrum rendered, PNG, W {c}/{w}"), &auth, &png).await?);
    let label = format!("ferrum rendered, JPEG, W {c}/{w}, frame decoded");
    runs.push(measure_on(&server, client, &label, &auth, &jpeg).await?);
    let jobs = thumbnail_jobs_done(client, &server).await?;
    if jobs > 0 {
        println!("note: ferrum ran {jobs} thumbnail jobs with FERRUM_JOB_WORKERS=0");
    }
    Ok(runs)
}

async fn orthanc_runs(
    args: &Args,
    bin: &Path,
    corpus: &[Instance],
    client: &reqwest::Client,
) -> anyhow::Result<Vec<Measure>> {
    let server = servers::orthanc(bin, &args.scratch, &[], serde_json::json!({})).await?;
    let started = Instant::now();
    let mut ids = Vec::with_capacity(corpus.len());
    for (i, instance) in corpus.iter().enumerate() {
        let answer = upload(client, &server, "/instances", &instance.bytes).await?;
        ids.push(answer["ID"].as_str().with_context(|| format!("orthanc upload {i} answered {answer}"))?.to_owned());
    }
    println!("uploaded {} instances to orthanc in {:.1} s", corpus.len(), started.elapsed().as_secs_f64());
    let base = &server.base;
    measure(client, "warm-up", &[], &[format!("{base}/system")]).await?;
    let requests = args.requests.unwrap_or(corpus.len());
    let urls = |route: &str| -> Vec<String> {
        (0..requests).map(|k| format!("{base}/instances/{}/{route}", ids[k % ids.len()])).collect()
    };
    // `/frames/0/rendered` came with Orthanc 1.9; older ones have only `/frames/0/preview`.
    let probe = client.get(format!("{base}/instances/{}/frames/0/rendered", ids[0])).send().await?;
    let mut runs = vec![measure_on(&server, client, "orthanc /preview (PNG)", &[], &urls("preview")).await?];
    if probe.status().is_success() {
        probe.bytes().await?;
        // Without a window Orthanc 1.10 renders the whole 16-bit range (a flat grey picture):
        // ask both servers for the same window.
        let (c, w) = WINDOW;
        let route = format!("frames/0/rendered?window-center={c}&window-width={w}");
        let default = urls("frames/0/rendered");
        runs.push(measure_on(&server, client, "orthanc /frames/0/rendered, PNG, default", &[], &default).await?);
        let png = [("accept", "image/png")];
        let label = format!("orthanc /frames/0/rendered, PNG, W {c}/{w}");
        runs.push(measure_on(&server, client, &label, &png, &urls(&route)).await?);
        let jpeg = [("accept", "image/jpeg")];
        let label = format!("orthanc /frames/0/rendered, JPEG, W {c}/{w}");
        runs.push(measure_on(&server, client, &label, &jpeg, &urls(&route)).await?);
    } else {
        println!("orthanc answered {} to /frames/0/rendered: measuring /frames/0/preview instead", probe.status());
        runs.push(
            measure_on(&server, client, "orthanc /frames/0/preview (PNG)", &[], &urls("frames/0/preview")).await?,
        );
    }
    Ok(runs)
}

/// What the thumbnails of one ZIP upload cost: when the upload answered, and how long after
/// that the last background thumbnail was kept.
struct ZipThumbnails {
    instances: u32,
    upload: Duration,
    done_at_answer: u64,
    after_answer: Option<Duration>,
    on_disk: Option<usize>,
}

async fn zip_thumbnails(args: &Args, ferrum: &Path, run_id: u64) -> anyhow::Result<ZipThumbnails> {
    let count = args.zip_instances;
    let zip_path = args.scratch.join("bench-render.zip");
    print!("writing a ZIP of {count} instances, each in its own series... ");
    let (series, bytes) = render_bench::write_zip_own_series(&zip_path, run_id + 1, count, args.size)?;
    println!("{:.0} MB", bytes as f64 / 1e6);

    let before = render_bench::entries(&args.scratch);
    let server = servers::ferrum(ferrum, &args.scratch, &[TOKEN_TTL]).await?;
    let data_dir = new_entry(&before, &args.scratch);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(3600)).build()?;
    let (status, report, upload) = servers::upload_zip_file(&server, &zip_path).await?;
    let answered = Instant::now();
    if !status.is_success() || report["stored"].as_u64() != Some(u64::from(count)) {
        bail!("ZIP upload answered {status}: stored {} of {count}", report["stored"]);
    }
    let done_at_answer = thumbnail_jobs_done(&client, &server).await?;
    let mut after_answer = None;
    while answered.elapsed() < Duration::from_secs(120) {
        if thumbnail_jobs_done(&client, &server).await? >= series.len() as u64 {
            after_answer = Some(answered.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let on_disk = thumbnails_on_disk(data_dir.as_ref());
    drop(server);
    std::fs::remove_file(&zip_path)?;
    Ok(ZipThumbnails { instances: count, upload, done_at_answer, after_answer, on_disk })
}

fn find<'a>(runs: &'a [Measure], label: &str) -> Option<&'a Measure> {
    runs.iter().find(|m| m.run.label.starts_with(label))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.instances == 0 {
        bail!("--instances must be at least 1");
    }
    std::fs::create_dir_all(&args.scratch)?;
    let ferrum = args
        .ferrum
        .canonicalize()
        .with_context(|| format!("{} (build it with cargo build --release)", args.ferrum.display()))?;
    let run_id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();

    print!(
        "generating {} instances of {}x{} 16-bit CT, each in its own series... ",
        args.instances, args.size, args.size
    );
    let corpus = (0..args.instances)
        .map(|i| ct_instance_own_series(run_id, i, args.size))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mean = corpus.iter().map(|i| i.bytes.len()).sum::<usize>() / corpus.len();
    println!("{:.0} KB each", mean as f64 / 1024.0);

    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
    let mut runs = ferrum_runs(&args, &ferrum, &corpus, &client).await?;
    match servers::orthanc_binary() {
        Some(bin) if !args.no_orthanc => runs.extend(orthanc_runs(&args, &bin, &corpus, &client).await?),
        Some(_) => {}
        None => println!("Orthanc is not installed (apt-get install orthanc): no reference runs"),
    }
    drop(corpus);
    let zip = if args.zip_instances > 0 { Some(zip_thumbnails(&args, &ferrum, run_id).await?) } else { None };

    println!();
    render_bench::header();
    for m in &runs {
        render_bench::row(m);
    }
    println!();
    let (c, w) = WINDOW;
    let uncached = find(&runs, "ferrum series thumbnail, uncached");
    let cached = find(&runs, "ferrum series thumbnail, cached");
    let png = find(&runs, &format!("ferrum rendered, PNG, W {c}/{w}"));
    let jpeg_first = find(&runs, &format!("ferrum rendered, JPEG, W {c}/{w}, first request"));
    let jpeg = find(&runs, &format!("ferrum rendered, JPEG, W {c}/{w}, frame decoded"));
    let preview = find(&runs, "orthanc /preview");
    let orthanc_png = find(&runs, &format!("orthanc /frames/0/rendered, PNG, W {c}/{w}"))
        .or_else(|| find(&runs, "orthanc /frames/0/preview"));
    let orthanc_jpeg = find(&runs, &format!("orthanc /frames/0/rendered, JPEG, W {c}/{w}"));
    let line = |what: &str, a: Option<&Measure>, b: Option<&Measure>, p50: bool, target: &str| {
        if let (Some(a), Some(b)) = (a, b) {
            let r = if p50 { ratio(a.p50_ms(), b.p50_ms()) } else { ratio(a.mean_ms(), b.mean_ms()) };
            println!("{what:<58} {r:>7}   {target}");
        }
    };
    line("ferrum cached thumbnail mean / orthanc preview mean:", cached, preview, false, "(target <= 0.2x)");
    line("ferrum uncached thumbnail p50 / orthanc rendered PNG p50:", uncached, orthanc_png, true, "(target <= 1x)");
    line("ferrum rendered PNG p50 / orthanc rendered PNG p50:", png, orthanc_png, true, "(target <= 1x)");
    line("ferrum rendered JPEG p50 / orthanc rendered JPEG p50:", jpeg, orthanc_jpeg, true, "(target <= 1x)");
    line("  the same, each frame's first request:", jpeg_first, orthanc_jpeg, true, "(target <= 1x)");
    let cpu = |what: &str, a: Option<&Measure>, b: Option<&Measure>| {
        let (Some(a), Some(b)) = (a, b) else { return };
        if let (Some(x), Some(y)) = (a.cpu_ms_per_request(), b.cpu_ms_per_request()) {
            println!("{what:<58} {:>7}   ({x:.2} ms vs {y:.2} ms)", ratio(x, y));
        }
    };
    cpu("server CPU per JPEG frame, ferrum / orthanc:", jpeg, orthanc_jpeg);
    cpu("  the same, each frame's first request:", jpeg_first, orthanc_jpeg);
    cpu("server CPU per PNG frame, ferrum / orthanc:", png, orthanc_png);
    if let Some(z) = zip {
        println!(
            "ZIP of {} instances ({} series): answered in {:.2} s, {} thumbnails done by then",
            z.instances,
            z.instances,
            z.upload.as_secs_f64(),
            z.done_at_answer
        );
        match z.after_answer {
            Some(t) => println!(
                "all {} series thumbnails done {:.2} s after the upload's answer   (target <= 2 s)",
                z.instances,
                t.as_secs_f64()
            ),
            None => println!("the series thumbnails were not all done 120 s after the upload's answer (target <= 2 s)"),
        }
        if let Some(n) = z.on_disk {
            if n != z.instances as usize {
                println!("note: {n} thumbnail files under blobs/derived/thumb/ for {} series", z.instances);
            }
        }
    }
    Ok(())
}
