//! The `ferrum` binary; everything lives in `ferrum-server`.
#![forbid(unsafe_code)]

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    ferrum_server::cli::run().await
}
