//! Audit-trail throughput: how many events a second the hash chain takes, on the embedded
//! SQLite catalog (through its group-commit writer) and on PostgreSQL (the chain's head taken
//! `FOR UPDATE` by every append), from C concurrent writers — against the reference of the
//! same rows appended without a chain (plain INSERTs into a table of the same shape, each in
//! its own transaction), measured side by side in one run.
//!
//!     scripts/bench-audit.sh [--events 4000] [--writers 16] [--postgres URL]
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use ferrum_store::catalog::SqlCatalog;
use ferrum_store::AuditCatalog;

#[derive(Parser)]
struct Args {
    /// Events appended per measure.
    #[arg(long, default_value_t = 4000)]
    events: usize,
    /// Concurrent writers.
    #[arg(long, default_value_t = 16)]
    writers: usize,
    /// PostgreSQL to measure on (a fresh schema is made and dropped); default
    /// FERRUM_TEST_DATABASE_URL, as scripts/test-services.sh sets it.
    #[arg(long, env = "FERRUM_TEST_DATABASE_URL")]
    postgres: Option<String>,
}

fn event(i: usize) -> NewAuditEvent {
    let mut e = NewAuditEvent::new(format!("user:u{}", i % 50), Action::ViewStudy, Outcome::Allowed);
    e.study_uid = Some(format!("1.2.826.0.1.3680043.10.1137.{}", i % 1000));
    e.remote_addr = Some("10.0.0.7".into());
    e.user_agent = Some("Mozilla/5.0 (bench)".into());
    e.request_id = Some(format!("{i:032x}"));
    e
}

/// CPU seconds of this process and of every `postgres` process (the server's work counts).
fn cpu_secs() -> f64 {
    let ticks = 100.0;
    let read = |path: &str| -> Option<f64> {
        let stat = std::fs::read_to_string(path).ok()?;
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some((f[11].parse::<f64>().ok()? + f[12].parse::<f64>().ok()?) / ticks)
    };
    let mut total = read("/proc/self/stat").unwrap_or(0.0);
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let pid = entry.file_name();
            let Some(pid) = pid.to_str().filter(|p| p.bytes().all(|b| b.is_ascii_digit())) else { continue };
            if std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres") {
                total += read(&format!("/proc/{pid}/stat")).unwrap_or(0.0);
            }
        }
    }
    total
}

struct Figures {
    label: String,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_us: f64,
}

async fn measure<F, Fut>(label: &str, args: &Args, append: F) -> anyhow::Result<Figures>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let append = Arc::new(append);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let cpu = cpu_secs();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.writers {
        let (append, next, total) = (append.clone(), next.clone(), args.events);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, anyhow::Error>(lat);
                }
                let t = Instant::now();
                append(i).await?;
                lat.push(t.elapsed());
            }
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    let wall = start.elapsed();
    let cpu = cpu_secs() - cpu;
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    Ok(Figures {
        label: label.to_owned(),
        per_sec: args.events as f64 / wall.as_secs_f64(),
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        cpu_us: cpu * 1e6 / args.events as f64,
    })
}

const AT: &str = "2026-12-01T00:00:00.000000Z";
const PLAIN: &str = "CREATE TABLE audit_plain (seq BIGINT, at TEXT, actor TEXT, action TEXT, outcome TEXT, \
     study_uid TEXT, series_uid TEXT, sop_uid TEXT, remote_addr TEXT, user_agent TEXT, request_id TEXT, \
     detail TEXT, count BIGINT, prev_hash TEXT, hash TEXT)";
const PLAIN_INSERT: &str = "INSERT INTO audit_plain (seq, at, actor, action, outcome, study_uid, remote_addr, \
     user_agent, request_id, count, prev_hash, hash) VALUES ($1, $2, $3, 'view_study', 'allowed', $4, $5, $6, $7, 1, '', '')";

fn print(rows: &[Figures]) {
    let reference = rows[0].per_sec;
    for f in rows {
        println!(
            "{:<44} {:>9.0} {:>8.2} {:>8.2} {:>10.1} {:>9.2}×",
            f.label,
            f.per_sec,
            f.p50_ms,
            f.p99_ms,
            f.cpu_us,
            f.per_sec / reference
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!(
        "{} events, {} concurrent writers; the ratio is events/s against the unchained reference of the same catalog",
        args.events, args.writers
    );
    println!("{:<44} {:>9} {:>8} {:>8} {:>10} {:>10}", "measure", "events/s", "p50 ms", "p99 ms", "CPU µs/ev", "ratio");

    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let sqlite = Arc::new(SqlCatalog::open_sqlite(&url, 8).await?);
    let pool = sqlite.sqlite_pool().expect("sqlite").clone();
    sqlx::query(PLAIN).execute(&pool).await?;
    let reference = {
        let pool = pool.clone();
        measure("SQLite, plain INSERT per transaction (ref)", &args, move |i| {
            let pool = pool.clone();
            async move {
                let e = event(i);
                sqlx::query(PLAIN_INSERT)
                    .bind(i as i64)
                    .bind(AT)
                    .bind(&e.actor)
                    .bind(&e.study_uid)
                    .bind(&e.remote_addr)
                    .bind(&e.user_agent)
                    .bind(&e.request_id)
                    .execute(&pool)
                    .await?;
                Ok(())
            }
        })
        .await?
    };
    let chained = {
        let catalog = sqlite.clone();
        measure("SQLite, hash chain (group-commit writer)", &args, move |i| {
            let catalog = catalog.clone();
            async move {
                catalog.append_audit(&event(i)).await?;
                Ok(())
            }
        })
        .await?
    };
    print(&[reference, chained]);

    if let Some(pg_url) = &args.postgres {
        use sqlx::Connection;
        use std::str::FromStr;
        let schema = format!("bench_audit_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(pg_url).await?;
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut admin).await?;
        let result = async {
            let options =
                sqlx::postgres::PgConnectOptions::from_str(pg_url)?.options([("search_path", schema.as_str())]);
            let pg = Arc::new(SqlCatalog::open_with(options, args.writers as u32).await?);
            let pool = pg.postgres_pool().expect("postgres").clone();
            sqlx::query(PLAIN).execute(&pool).await?;
            let reference = {
                let pool = pool.clone();
                measure("PostgreSQL, plain INSERT per transaction (ref)", &args, move |i| {
                    let pool = pool.clone();
                    async move {
                        let e = event(i);
                        sqlx::query(PLAIN_INSERT)
                            .bind(i as i64)
                            .bind(AT)
                            .bind(&e.actor)
                            .bind(&e.study_uid)
                            .bind(&e.remote_addr)
                            .bind(&e.user_agent)
                            .bind(&e.request_id)
                            .execute(&pool)
                            .await?;
                        Ok(())
                    }
                })
                .await?
            };
            let chained = {
                let catalog = pg.clone();
                measure("PostgreSQL, hash chain (head FOR UPDATE)", &args, move |i| {
                    let catalog = catalog.clone();
                    async move {
                        catalog.append_audit(&event(i)).await?;
                        Ok(())
                    }
                })
                .await?
            };
            print(&[reference, chained]);
            anyhow::Ok(())
        }
        .await;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin).await?;
        result?;
    } else {
        println!("(no PostgreSQL: set FERRUM_TEST_DATABASE_URL or --postgres to measure it too)");
    }
    Ok(())
}
