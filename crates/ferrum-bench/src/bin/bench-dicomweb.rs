//! DICOMweb benchmark (figures, not a test): the same generated studies uploaded to Ferrum
//! and to Orthanc with its DICOMweb plugin, one after the other in the same run, then the
//! same WADO-RS and QIDO-RS requests to each: series metadata of 200 and 1,000 instances,
//! study metadata of a 2,000-instance study, the study search OHIF's study list sends, and
//! single frames (uncompressed, and JPEG baseline passed through as stored). Prints p50/p95,
//! the server's CPU per request (from /proc/PID/stat) and the ratio of Ferrum's p50 to
//! Orthanc's. Ferrum's catalog is first seeded with `--qido-studies` synthetic studies
//! (`ferrum_store::catalog::seed`) so that the searches run at that size; Orthanc gets
//! `--orthanc-studies` of the same studies loaded from files (one a series). Last, store
//! throughput: rounds of new files sent as STOW-RS and as the upload route's form to Ferrum,
//! and as STOW-RS to Orthanc ([`ferrum_bench::store_rate`]).
//!
//!     scripts/bench-dicomweb.sh [--size 512] [--requests 20] [--qido-studies 100000]
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ferrum_bench::corpus::ct_instance_as;
use ferrum_bench::seed_files;
use ferrum_bench::servers::{self, Server};
use ferrum_bench::store_rate::{self, Framing, Rate};
use ferrum_store::catalog::seed::{seed_studies, seeded_studies, StudySeed};

#[derive(Parser)]
struct Args {
    /// The ferrum binary to measure (a release build).
    #[arg(long, default_value = "target/release/ferrum")]
    ferrum: PathBuf,
    /// Rows and columns of the metadata studies' instances (the frame instances are 512).
    #[arg(long, default_value_t = 512)]
    size: u16,
    /// Requests per metadata measure (QIDO and frames: five times as many).
    #[arg(long, default_value_t = 20)]
    requests: usize,
    /// Synthetic studies seeded into Ferrum's catalog before the uploads.
    #[arg(long, default_value_t = 100_000)]
    qido_studies: u64,
    /// A catalog seeded beforehand (`seed-catalog --url sqlite://PATH`, checkpointed) copied
    /// in instead of seeding `--qido-studies` again; it must hold that many studies.
    #[arg(long)]
    seeded_catalog: Option<PathBuf>,
    /// The same studies loaded into Orthanc (one file a series) before the measures.
    #[arg(long, default_value_t = 2_000)]
    orthanc_studies: u64,
    /// Instances of each frame series (uncompressed; JPEG).
    #[arg(long, default_value_t = 20)]
    frame_instances: u32,
    /// Where the servers keep their data.
    #[arg(long, default_value = "target/bench-scratch")]
    scratch: PathBuf,
    /// Files of each store round (uncompressed 512×512 CT, new UIDs every round).
    #[arg(long, default_value_t = 300)]
    stow_files: u32,
    /// Files per store request.
    #[arg(long, default_value_t = 50)]
    stow_batch: usize,
    /// Rounds of each framing (alternating); the median is printed.
    #[arg(long, default_value_t = 3)]
    stow_rounds: u32,
    /// Skip Orthanc even when installed.
    #[arg(long)]
    no_orthanc: bool,
}

const DICOMWEB_PLUGIN: &str = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
const FRAME_ACCEPT: &str = "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*";
/// OHIF v3's study list request.
const QIDO_OHIF: &str =
    "studies?PatientName=*muller*&limit=101&offset=0&fuzzymatching=false&includefield=00081030,00080060";
const QIDO_ALL: &str = "studies?limit=101&offset=0&fuzzymatching=false&includefield=00081030,00080060";
const QIDO_DATE: &str = "studies?StudyDate=20240101-20240131&ModalitiesInStudy=CT&limit=101";

/// The generated studies: where each measure's objects are.
struct Corpus {
    files: Vec<Vec<u8>>,
    run: u64,
}

impl Corpus {
    fn uid(&self, study: u32) -> String {
        format!("2.25.{}.{study}", self.run)
    }

    fn series(&self, study: u32, series: u32) -> String {
        format!("{}/series/{}.{series}", self.uid(study), self.uid(study))
    }

    fn frame(&self, series: u32, index: u32) -> String {
        format!("{}/instances/{}.{series}.{index}/frames/1", self.series(3, series), self.uid(3))
    }
}

/// Study 1: one series of 200; study 2: two series of 1,000; study 3: a series of
/// uncompressed 512×512 frames and one of JPEG baseline frames.
fn corpus(args: &Args, run: u64) -> Corpus {
    let mut files = Vec::new();
    files.extend((0..200).map(|i| ct_instance_as(run, i, args.size, 1, 0, false)));
    files.extend((0..2000).map(|i| ct_instance_as(run, i, args.size, 2, i / 1000, false)));
    for (series, jpeg) in [(0, false), (1, true)] {
        files.extend((0..args.frame_instances).map(|i| ct_instance_as(run, i, 512, 3, series, jpeg)));
    }
    Corpus { files, run }
}

/// Figures of one kind of request on one server.
struct Figure {
    p50: f64,
    p95: f64,
    cpu_ms: f64,
    bytes: usize,
    detail: String,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// What an answer must hold: a JSON array of this many items, any array, or a body of at
/// least this many bytes.
#[derive(Clone, Copy)]
enum Check {
    Items(usize),
    Array,
    Bytes(usize),
}

/// GETs `paths` (in turn) under `root` `requests` times on one kept-alive connection.
async fn measure(
    server: &Server,
    root: &str,
    paths: &[String],
    accept: &str,
    requests: usize,
    check: Check,
) -> anyhow::Result<Figure> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).timeout(Duration::from_secs(600)).build()?;
    let mut times = Vec::with_capacity(requests);
    let (mut bytes, mut detail) = (0, String::new());
    let cpu = server.cpu_secs().unwrap_or(0.0);
    for n in 0..requests {
        let url = format!("{}{root}/{}", server.base, paths[n % paths.len()]);
        let mut req = client.get(&url).header("accept", accept);
        if let Some(a) = &server.auth {
            req = req.header("authorization", a);
        }
        let t = Instant::now();
        let r = req.send().await?;
        let status = r.status();
        let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = r.bytes().await?;
        times.push(t.elapsed());
        if !status.is_success() {
            bail!("{url}: {status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]));
        }
        bytes = body.len();
        match check {
            Check::Items(_) | Check::Array => {
                let v: serde_json::Value = serde_json::from_slice(&body).with_context(|| url.clone())?;
                let items = v.as_array().map_or(0, Vec::len);
                if matches!(check, Check::Items(want) if want != items) {
                    bail!("{url}: {items} items");
                }
                detail = format!("{items} items");
            }
            Check::Bytes(least) => {
                if body.len() < least {
                    bail!("{url}: {} bytes", body.len());
                }
                detail = content_type;
            }
        }
    }
    let cpu_ms = (server.cpu_secs().unwrap_or(0.0) - cpu) * 1000.0 / requests as f64;
    times.sort();
    Ok(Figure { p50: pct(&times, 0.5), p95: pct(&times, 0.95), cpu_ms, bytes, detail })
}

/// A measure: a label, the paths under the DICOMweb root, `Accept`, requests, check, target.
type Spec = (String, Vec<String>, &'static str, usize, Check, &'static str);

fn measures(c: &Corpus, args: &Args) -> Vec<Spec> {
    let json = "application/dicom+json";
    let frames = |series| (0..args.frame_instances).map(|i| c.frame(series, i)).collect::<Vec<_>>();
    let r = args.requests;
    vec![
        (
            "series metadata, 200 instances".into(),
            vec![format!("studies/{}/metadata", c.series(1, 0))],
            json,
            r,
            Check::Items(200),
            "<= 0.1x",
        ),
        (
            "series metadata, 1,000 instances".into(),
            vec![format!("studies/{}/metadata", c.series(2, 0))],
            json,
            r,
            Check::Items(1000),
            "<= 0.1x, < 200 ms",
        ),
        (
            "study metadata, 2,000 instances".into(),
            vec![format!("studies/{}/metadata", c.uid(2))],
            json,
            r,
            Check::Items(2000),
            "<= 0.1x",
        ),
        (
            "QIDO studies, OHIF list, PatientName=*muller*".into(),
            vec![QIDO_OHIF.into()],
            json,
            5 * r,
            Check::Array,
            "p95 <= 20 ms",
        ),
        ("QIDO studies, OHIF list, no filter".into(), vec![QIDO_ALL.into()], json, 5 * r, Check::Array, "p95 <= 20 ms"),
        ("QIDO studies, date range + CT".into(), vec![QIDO_DATE.into()], json, 5 * r, Check::Array, "p95 <= 20 ms"),
        (
            "frame, uncompressed 512x512 16-bit".into(),
            frames(0).iter().map(|f| format!("studies/{f}")).collect(),
            FRAME_ACCEPT,
            5 * r,
            Check::Bytes(512 * 512 * 2),
            "p50 <= 1x",
        ),
        (
            "frame, JPEG baseline passed through".into(),
            frames(1).iter().map(|f| format!("studies/{f}")).collect(),
            FRAME_ACCEPT,
            5 * r,
            Check::Bytes(1000),
            "p50 <= 1x",
        ),
    ]
}

async fn run_all(server: &Server, root: &str, c: &Corpus, args: &Args) -> anyhow::Result<Vec<anyhow::Result<Figure>>> {
    let mut out = Vec::new();
    for (label, paths, accept, requests, check, _) in measures(c, args) {
        // One untimed request first: the first answer of a kind warms caches on both sides.
        let warm = measure(server, root, &paths[..1], accept, 1, check).await;
        let figure = match warm {
            Ok(_) => measure(server, root, &paths, accept, requests, check).await,
            Err(e) => Err(e),
        };
        if let Err(e) = &figure {
            println!("{label}: {e:#}");
        }
        out.push(figure);
    }
    Ok(out)
}

/// Store clients of the throughput rows.
const STORE_CLIENTS: usize = 4;

/// Alternating rounds of each framing against `routes` (framing, path under the server);
/// answers each framing's rounds. Every round stores new studies.
async fn store_rounds(
    server: &Server,
    routes: &[(Framing, &str)],
    args: &Args,
    run: u64,
    first_study: u32,
) -> anyhow::Result<Vec<Vec<Rate>>> {
    let mut rates = vec![Vec::new(); routes.len()];
    let mut study = first_study;
    for _ in 0..args.stow_rounds {
        for (k, (framing, path)) in routes.iter().enumerate() {
            let files: Vec<Vec<u8>> =
                (0..args.stow_files).map(|i| ct_instance_as(run, i, 512, study, 0, false)).collect();
            study += 1;
            let url = format!("{}{path}", server.base);
            rates[k].push(store_rate::store(server, &url, *framing, &files, args.stow_batch, STORE_CLIENTS).await?);
        }
    }
    Ok(rates)
}

fn rate_cell(rates: Option<&Vec<Rate>>) -> String {
    match rates.and_then(|r| store_rate::median(r)) {
        Some(r) => format!("{:.0} | {:.1}", r.files_per_sec, r.cpu_ms_per_file),
        None => "- | -".into(),
    }
}

fn cell(f: &anyhow::Result<Figure>) -> String {
    match f {
        Ok(f) => {
            format!("{:.2} | {:.2} | {:.2} | {:.0} KB, {}", f.p50, f.p95, f.cpu_ms, f.bytes as f64 / 1024.0, f.detail)
        }
        Err(_) => "failed | - | - | -".into(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)?;
    let ferrum = args
        .ferrum
        .canonicalize()
        .with_context(|| format!("{} (build it with cargo build --release)", args.ferrum.display()))?;
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let mut c = corpus(&args, run);
    let files = Arc::new(std::mem::take(&mut c.files));
    let mb = files.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!("generated {} instances ({mb:.0} MB)", files.len());

    // Ferrum: the seeded catalog first, then the uploads, on the embedded default.
    let dir = tempfile::tempdir_in(&args.scratch)?;
    if let Some(seeded) = &args.seeded_catalog {
        std::fs::copy(seeded, dir.path().join("catalog.db")).with_context(|| seeded.display().to_string())?;
        println!("ferrum: catalog copied from {} ({} studies)", seeded.display(), args.qido_studies);
    } else if args.qido_studies > 0 {
        let t = Instant::now();
        let url = format!("sqlite://{}", dir.path().join("catalog.db").display());
        let spec = StudySeed { studies: args.qido_studies, batch: 1, owners: Vec::new(), reader: None };
        seed_studies(&url, &spec).await?;
        println!("ferrum: seeded {} studies in {:.1} s", args.qido_studies, t.elapsed().as_secs_f64());
    }
    let server = servers::ferrum_in(&ferrum, dir, &[]).await?;
    let wall =
        seed_files::upload(&format!("{}/api/uploads", server.base), server.auth.clone(), files.clone(), 4).await?;
    println!(
        "ferrum: uploaded in {:.1} s ({:.0} files/s)",
        wall.as_secs_f64(),
        files.len() as f64 / wall.as_secs_f64()
    );
    server.wait_idle(Duration::from_secs(300)).await;
    let ferrum_figures = run_all(&server, "/dicomweb", &c, &args).await?;
    let ferrum_stores = store_rounds(
        &server,
        &[(Framing::Stow, "/dicomweb/studies"), (Framing::Form, "/api/uploads")],
        &args,
        run,
        100,
    )
    .await?;
    drop(server);
    let mut orthanc_stores = Vec::new();

    let mut orthanc_figures = Vec::new();
    match servers::orthanc_binary() {
        Some(bin) if !args.no_orthanc && std::path::Path::new(DICOMWEB_PLUGIN).exists() => {
            let config = serde_json::json!({
                "DicomWeb": {"Enable": true, "Root": "/dicom-web/", "StudiesMetadata": "Full", "SeriesMetadata": "Full"}
            });
            let server = servers::orthanc(&bin, &args.scratch, &[DICOMWEB_PLUGIN], config).await?;
            let url = format!("{}/instances", server.base);
            let wall = seed_files::upload(&url, None, files.clone(), 4).await?;
            println!(
                "orthanc: uploaded in {:.1} s ({:.0} files/s)",
                wall.as_secs_f64(),
                files.len() as f64 / wall.as_secs_f64()
            );
            if args.orthanc_studies > 0 {
                let shaped: Vec<Vec<u8>> =
                    seeded_studies(1, args.orthanc_studies).flat_map(|s| seed_files::study_files(&s)).collect();
                let n = shaped.len();
                let wall = seed_files::upload(&url, None, Arc::new(shaped), 4).await?;
                println!(
                    "orthanc: loaded {} seeded studies ({n} files) in {:.0} s",
                    args.orthanc_studies,
                    wall.as_secs_f64()
                );
            }
            server.wait_idle(Duration::from_secs(300)).await;
            orthanc_figures = run_all(&server, "/dicom-web", &c, &args).await?;
            orthanc_stores = store_rounds(&server, &[(Framing::Stow, "/dicom-web/studies")], &args, run, 1000).await?;
        }
        _ => println!("Orthanc or its DICOMweb plugin is not installed (apt-get install orthanc orthanc-dicomweb)"),
    }

    println!();
    println!(
        "| measure | Ferrum p50 ms | p95 ms | CPU ms/req | answer | Orthanc p50 ms | p95 ms | CPU ms/req | answer | p50 ratio | target |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (i, (label, _, _, _, _, target)) in measures(&c, &args).into_iter().enumerate() {
        let f = &ferrum_figures[i];
        let o = orthanc_figures.get(i);
        let ratio = match (f, o) {
            (Ok(f), Some(Ok(o))) => format!("{:.3}x", f.p50 / o.p50),
            _ => "-".into(),
        };
        let o = o.map_or("- | - | - | -".into(), cell);
        println!("| {label} | {} | {o} | {ratio} | {target} |", cell(f));
    }
    println!();
    println!(
        "Store throughput: {} uncompressed 512x512 CT files a round, {} a request, {STORE_CLIENTS} clients, \
         median of {} alternating rounds; CPU until idle (thumbnails included)",
        args.stow_files, args.stow_batch, args.stow_rounds
    );
    println!("| route | Ferrum files/s | CPU ms/file | Orthanc files/s | CPU ms/file | target |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| STOW-RS (multipart/related) | {} | {} | files/s >= the upload route's |",
        rate_cell(ferrum_stores.first()),
        rate_cell(orthanc_stores.first())
    );
    println!("| POST /api/uploads (multipart/form-data) | {} | - | - | |", rate_cell(ferrum_stores.get(1)));
    if let (Some(stow), Some(form)) = (
        ferrum_stores.first().and_then(|r| store_rate::median(r)),
        ferrum_stores.get(1).and_then(|r| store_rate::median(r)),
    ) {
        println!(
            "STOW-RS / upload route: {:.2}x files/s, {:.2}x CPU per file",
            stow.files_per_sec / form.files_per_sec,
            stow.cpu_ms_per_file / form.cpu_ms_per_file
        );
    }
    println!(
        "(Ferrum: {} seeded studies + the uploads, embedded SQLite; Orthanc: {} of the same studies + the uploads, \
         SQLite index, DICOMweb plugin with StudiesMetadata/SeriesMetadata \"Full\")",
        args.qido_studies, args.orthanc_studies
    );
    Ok(())
}
