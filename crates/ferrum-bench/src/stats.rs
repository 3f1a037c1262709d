//! Figures of one run.
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Run {
    pub label: String,
    pub files: usize,
    pub bytes: u64,
    pub wall: Duration,
    /// Per-request latencies (for loose files: one file per request).
    pub latencies: Vec<Duration>,
    pub peak_rss_kib: Option<u64>,
    /// Server CPU seconds spent on the run, background work it caused included (read once
    /// the server had gone idle again).
    pub cpu_secs: Option<f64>,
}

impl Run {
    pub fn files_per_sec(&self) -> f64 {
        self.files as f64 / self.wall.as_secs_f64()
    }

    pub fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.wall.as_secs_f64()
    }

    /// Server CPU milliseconds per file.
    pub fn cpu_ms_per_file(&self) -> Option<f64> {
        self.cpu_secs.map(|c| c * 1000.0 / self.files.max(1) as f64)
    }

    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        if self.latencies.is_empty() {
            return None;
        }
        let mut v = self.latencies.clone();
        v.sort();
        let idx = ((v.len() as f64 - 1.0) * p).round() as usize;
        Some(v[idx].as_secs_f64() * 1000.0)
    }
}

pub fn header() {
    println!(
        "{:<34} {:>6} {:>8} {:>7} {:>8} {:>8} {:>9} {:>10}",
        "run", "files", "files/s", "MB/s", "p50 ms", "p99 ms", "peak RSS", "CPU/file"
    );
}

pub fn row(r: &Run) {
    let ms = |p| r.percentile_ms(p).map_or("-".to_owned(), |v| format!("{v:.2}"));
    let rss = r.peak_rss_kib.map_or("-".to_owned(), |k| format!("{:.1} MB", k as f64 / 1024.0));
    println!(
        "{:<34} {:>6} {:>8.1} {:>7.1} {:>8} {:>8} {:>9} {:>10}",
        r.label,
        r.files,
        r.files_per_sec(),
        r.mb_per_sec(),
        ms(0.5),
        ms(0.99),
        rss,
        r.cpu_ms_per_file().map_or("-".to_owned(), |c| format!("{c:.2} ms"))
    );
}

/// `a / b` of a figure both runs have, as "1.23x".
pub fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "-".to_owned(),
    }
}
