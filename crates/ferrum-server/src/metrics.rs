//! Counters for `GET /metrics` (Prometheus text format). Labels are job kinds and outcomes,
//! never anything from a DICOM header.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

#[derive(Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<(&'static str, String), u64>>,
}

/// What each counter means, in the order they are printed.
const HELP: &[(&str, &str)] = &[
    ("ferrum_jobs_completed_total", "Background jobs this instance completed, by kind."),
    ("ferrum_jobs_failed_total", "Background job attempts that failed on this instance, by kind."),
];

impl Metrics {
    pub fn increment(&self, name: &'static str, kind: &str) {
        let mut counters = self.counters.lock().expect("metrics lock");
        *counters.entry((name, kind.to_owned())).or_default() += 1;
    }

    pub fn render(&self) -> String {
        let counters = self.counters.lock().expect("metrics lock");
        let mut out = String::new();
        for (name, help) in HELP {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for ((_, kind), value) in counters.iter().filter(|((n, _), _)| n == name) {
                let _ = writeln!(out, "{name}{{kind=\"{kind}\"}} {value}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP ferrum_catalog_database_locked_total Catalog statements that failed because SQLite's database was locked.\n\
             # TYPE ferrum_catalog_database_locked_total counter\n\
             ferrum_catalog_database_locked_total {}",
            ferrum_store::database_locked_errors()
        );
        write_waits(&mut out, &ferrum_store::write_waits());
        out
    }
}

/// The embedded catalog's waits for its one writer, as a histogram, and the longest one.
fn write_waits(out: &mut String, waits: &ferrum_store::WriteWaits) {
    let name = "ferrum_catalog_write_wait_seconds";
    let _ = writeln!(
        out,
        "# HELP {name} Time embedded catalog writes waited for the write connection before their transaction began.\n\
         # TYPE {name} histogram"
    );
    let mut cumulative = 0;
    for (bound, count) in ferrum_store::catalog::write_wait::BUCKETS_MICROS.iter().zip(&waits.counts) {
        cumulative += count;
        let _ = writeln!(out, "{name}_bucket{{le=\"{}\"}} {cumulative}", *bound as f64 / 1e6);
    }
    cumulative += waits.counts.last().copied().unwrap_or(0);
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
    let _ = writeln!(out, "{name}_sum {}\n{name}_count {cumulative}", waits.sum.as_secs_f64());
    let _ = writeln!(
        out,
        "# HELP ferrum_catalog_write_wait_max_seconds The longest wait of an embedded catalog write for the write connection.\n\
         # TYPE ferrum_catalog_write_wait_max_seconds gauge\n\
         ferrum_catalog_write_wait_max_seconds {}",
        waits.max.as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn counters_render_as_prometheus_text() {
        let m = Metrics::default();
        m.increment("ferrum_jobs_completed_total", "thumbnail");
        m.increment("ferrum_jobs_completed_total", "thumbnail");
        let text = m.render();
        assert!(text.contains("# TYPE ferrum_jobs_completed_total counter"));
        assert!(text.contains("ferrum_jobs_completed_total{kind=\"thumbnail\"} 2\n"), "{text}");
    }
}
