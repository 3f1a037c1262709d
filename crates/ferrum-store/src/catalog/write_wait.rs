//! How long the embedded catalog's writes wait for the one writer: from asking to write until
//! their transaction has begun on the write connection (for an upload, until the group commit
//! that carries it has begun). Every SQLite write waits here, in order; none waits in SQLite's
//! busy handler. Kept process-wide, like the "database is locked" count, for `/metrics`.
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the histogram's buckets, in microseconds (the last bucket is `+Inf`).
pub const BUCKETS_MICROS: [u64; 10] =
    [1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 5_000_000];

static COUNTS: [AtomicU64; BUCKETS_MICROS.len() + 1] = [const { AtomicU64::new(0) }; BUCKETS_MICROS.len() + 1];
static SUM_MICROS: AtomicU64 = AtomicU64::new(0);
static MAX_MICROS: AtomicU64 = AtomicU64::new(0);

pub(crate) fn record(waited: Duration) {
    let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
    let bucket = BUCKETS_MICROS.iter().position(|&b| micros <= b).unwrap_or(BUCKETS_MICROS.len());
    COUNTS[bucket].fetch_add(1, Ordering::Relaxed);
    SUM_MICROS.fetch_add(micros, Ordering::Relaxed);
    MAX_MICROS.fetch_max(micros, Ordering::Relaxed);
}

/// The waits recorded so far.
#[derive(Debug, Clone)]
pub struct WriteWaits {
    /// Per bucket of [`BUCKETS_MICROS`] (then `+Inf`), not cumulative.
    pub counts: Vec<u64>,
    pub sum: Duration,
    /// The longest single wait.
    pub max: Duration,
}

pub fn write_waits() -> WriteWaits {
    WriteWaits {
        counts: COUNTS.iter().map(|c| c.load(Ordering::Relaxed)).collect(),
        sum: Duration::from_micros(SUM_MICROS.load(Ordering::Relaxed)),
        max: Duration::from_micros(MAX_MICROS.load(Ordering::Relaxed)),
    }
}
