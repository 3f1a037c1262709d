#!/usr/bin/env bash
# Audit-trail throughput (figures, not a test): the hash chain against unchained INSERTs of
# the same rows, on SQLite and on the test PostgreSQL, from concurrent writers.
#   scripts/bench-audit.sh [--events 4000] [--writers 16] [--postgres URL]
# PostgreSQL comes from scripts/test-services.sh (FERRUM_TEST_DATABASE_URL) unless given.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/test-services.sh)"
cargo build --release -p ferrum-bench --bin bench-audit
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/bench-audit" "$@"
