#!/usr/bin/env bash
# Study search latency over HTTP (figures, not a test): a seeded archive, the real server,
# p50/p95 per filter kind as an admin and as a radiologist who sees 1%, on SQLite and on
# the test PostgreSQL.
#   scripts/bench-search.sh [--studies 100000] [--requests 100] [--catalog both|sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/test-services.sh)"
cargo build --release --bin ferrum --bin bench-search
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/bench-search" --binary "$target/release/ferrum" "$@"
