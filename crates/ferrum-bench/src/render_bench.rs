//! Pieces of the rendering benchmark: CT instances each in a series of its own (so that every
//! series thumbnail is a separate first render), timed sequential GETs, and the figures table.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::OpenFileOptions;

use crate::corpus::ct_instance;
use crate::servers::Server;
use crate::stats::Run;

/// One instance of the corpus with the UIDs the benchmark asks for.
pub struct Instance {
    pub bytes: Vec<u8>,
    pub sop_uid: String,
    pub series_uid: String,
}

/// `corpus::ct_instance(run, index, size)` moved into a series of its own (same study).
pub fn ct_instance_own_series(run: u64, index: u32, size: u16) -> anyhow::Result<Instance> {
    let bytes = ct_instance(run, index, size);
    let mut obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .from_reader(bytes.as_slice())
        .context("reading back a corpus instance")?;
    let text =
        |tag| -> anyhow::Result<String> { Ok(obj.element(tag)?.to_str()?.trim_end_matches(['\0', ' ']).to_owned()) };
    let study_uid = text(tags::STUDY_INSTANCE_UID)?;
    let sop_uid = text(tags::SOP_INSTANCE_UID)?;
    // ct_instance numbers its series 0..3 under the study UID; 1000 + index never meets them.
    let series_uid = format!("{study_uid}.{}", 1000 + index);
    obj.put(DataElement::new(tags::SERIES_INSTANCE_UID, VR::UI, PrimitiveValue::from(series_uid.clone())));
    let mut out = Vec::with_capacity(bytes.len());
    obj.write_all(&mut out).context("encoding a corpus instance")?;
    Ok(Instance { bytes: out, sop_uid, series_uid })
}

/// Writes `count` instances, each in its own series, into a stored (not deflated) ZIP.
/// Answers the series UIDs and the total of entry bytes.
pub fn write_zip_own_series(path: &Path, run: u64, count: u32, size: u16) -> anyhow::Result<(Vec<String>, u64)> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut zip = zip::ZipWriter::new(file);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(false);
    let mut series = Vec::with_capacity(count as usize);
    let mut total = 0;
    for i in 0..count {
        let instance = ct_instance_own_series(run, i, size)?;
        zip.start_file(format!("study/series{i:04}/IM{i:06}.dcm"), options)?;
        zip.write_all(&instance.bytes)?;
        total += instance.bytes.len() as u64;
        series.push(instance.series_uid);
    }
    zip.finish()?.flush()?;
    Ok((series, total))
}

/// Latencies of one kind of request, with what was answered.
pub struct Measure {
    pub run: Run,
    pub content_type: String,
}

impl Measure {
    pub fn mean_ms(&self) -> f64 {
        let l = &self.run.latencies;
        l.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / l.len().max(1) as f64
    }

    pub fn p50_ms(&self) -> f64 {
        self.run.percentile_ms(0.5).unwrap_or(f64::NAN)
    }

    /// Server CPU (user + system, all threads) per request, ms.
    pub fn cpu_ms_per_request(&self) -> Option<f64> {
        self.run.cpu_secs.map(|c| c * 1000.0 / self.run.files.max(1) as f64)
    }
}

/// [`measure`] against `server`, with the server's CPU time over the run (from
/// /proc/PID/stat, 10 ms ticks: enough over a few hundred requests).
pub async fn measure_on(
    server: &Server,
    client: &reqwest::Client,
    label: &str,
    headers: &[(&str, &str)],
    urls: &[String],
) -> anyhow::Result<Measure> {
    let before = server.cpu_secs();
    let mut m = measure(client, label, headers, urls).await?;
    m.run.cpu_secs = before.zip(server.cpu_secs()).map(|(a, b)| b - a);
    Ok(m)
}

/// GETs each URL in turn with `headers` (one client, sequential, keep-alive), timing each
/// from the request until the whole body is read. Any answer but 2xx stops the benchmark.
pub async fn measure(
    client: &reqwest::Client,
    label: &str,
    headers: &[(&str, &str)],
    urls: &[String],
) -> anyhow::Result<Measure> {
    let mut latencies = Vec::with_capacity(urls.len());
    let mut bytes = 0u64;
    let mut content_type = String::new();
    let started = Instant::now();
    for url in urls {
        let mut req = client.get(url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let t = Instant::now();
        let r = req.send().await.with_context(|| format!("GET {url}"))?;
        let status = r.status();
        let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = r.bytes().await?;
        latencies.push(t.elapsed());
        if !status.is_success() {
            bail!("{label}: GET {url} answered {status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]));
        }
        bytes += body.len() as u64;
        content_type = ct;
    }
    let run = Run {
        label: label.to_owned(),
        files: urls.len(),
        bytes,
        wall: started.elapsed(),
        latencies,
        peak_rss_kib: None,
        cpu_secs: None,
    };
    Ok(Measure { run, content_type })
}

pub fn header() {
    println!(
        "{:<50} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}  type",
        "measure", "requests", "p50 ms", "p99 ms", "mean ms", "max ms", "KB/answer", "CPU ms"
    );
}

pub fn row(m: &Measure) {
    let r = &m.run;
    let ms = |p| r.percentile_ms(p).map_or("-".to_owned(), |v| format!("{v:.2}"));
    println!(
        "{:<50} {:>8} {:>8} {:>8} {:>8.2} {:>8} {:>9.1} {:>8}  {}",
        r.label,
        r.files,
        ms(0.5),
        ms(0.99),
        m.mean_ms(),
        ms(1.0),
        r.bytes as f64 / 1024.0 / r.files.max(1) as f64,
        m.cpu_ms_per_request().map_or("-".to_owned(), |c| format!("{c:.2}")),
        m.content_type
    );
}

/// `a / b` as "0.12x".
pub fn ratio(a: f64, b: f64) -> String {
    format!("{:.2}x", a / b)
}

/// The value of `name{kind="KIND"}` in a Prometheus text page; 0 when absent.
pub fn counter(metrics: &str, name: &str, kind: &str) -> u64 {
    let prefix = format!("{name}{{kind=\"{kind}\"}} ");
    metrics.lines().find_map(|l| l.strip_prefix(prefix.as_str())).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

/// Entries of `dir` (sorted), to find the data directory a server made under the scratch
/// directory.
pub fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    v.sort();
    v
}

/// Files under `dir`, recursively (0 when it does not exist), leaving out temporary files
/// (`.name.tmp`) still being written.
pub fn count_files(dir: &Path) -> usize {
    let Ok(read) = std::fs::read_dir(dir) else { return 0 };
    read.filter_map(Result::ok)
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                count_files(&p)
            } else {
                usize::from(!e.file_name().to_string_lossy().starts_with('.'))
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_get_a_series_of_their_own() {
        let a = ct_instance_own_series(7, 1, 16).unwrap();
        let b = ct_instance_own_series(7, 2, 16).unwrap();
        assert_ne!(a.series_uid, b.series_uid);
        assert_eq!(a.series_uid, "2.25.7.0.1001");
        let obj = OpenFileOptions::new().read_preamble(ReadPreamble::Always).from_reader(a.bytes.as_slice()).unwrap();
        let series = obj.element(tags::SERIES_INSTANCE_UID).unwrap().to_str().unwrap();
        assert_eq!(series.trim_end_matches('\0'), a.series_uid);
        assert_eq!(obj.meta().media_storage_sop_instance_uid().trim_end_matches('\0'), a.sop_uid);
    }

    #[test]
    fn counters_are_read_from_prometheus_text() {
        let text = "# TYPE x counter\nferrum_jobs_completed_total{kind=\"thumbnail\"} 12\n";
        assert_eq!(counter(text, "ferrum_jobs_completed_total", "thumbnail"), 12);
        assert_eq!(counter(text, "ferrum_jobs_completed_total", "sweep_orphans"), 0);
    }
}
