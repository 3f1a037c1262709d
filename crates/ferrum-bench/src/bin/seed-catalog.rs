//! Writes a synthetic archive straight into a catalog (the seeding the search and DICOMweb
//! benches use), for looking at query plans and timings by hand:
//!
//!     seed-catalog --studies 100000 --url sqlite:///tmp/catalog.db [--owners rad1,rad2 --reader reader]
use std::time::Instant;

use clap::Parser;
use ferrum_store::catalog::seed::{seed_studies, StudySeed};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    studies: u64,
    /// `sqlite://PATH` or a PostgreSQL URL.
    #[arg(long)]
    url: String,
    /// Which seeded archive (seeds differ per batch).
    #[arg(long, default_value_t = 1)]
    batch: u32,
    /// Accounts (made beforehand with `ferrum user add`) the studies are spread over, as the
    /// search bench does; none leaves them unowned.
    #[arg(long, value_delimiter = ',')]
    owners: Vec<String>,
    /// An account (made beforehand) that is granted 1% of the studies.
    #[arg(long)]
    reader: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let spec = StudySeed { studies: args.studies, batch: args.batch, owners: args.owners, reader: args.reader };
    seed_studies(&args.url, &spec).await?;
    println!("seeded {} studies in {:.1} s", args.studies, started.elapsed().as_secs_f64());
    Ok(())
}
