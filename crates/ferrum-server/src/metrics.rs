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
        out
    }
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
