#!/usr/bin/env bash
# Study search latency over HTTP (figures, not a test): a seeded archive, the real server,
# p50/p95 and server CPU per request for each filter kind as an admin and as a radiologist
# who sees 1%, on SQLite and on the test PostgreSQL; the ingest rate into the seeded catalog
# against an empty one; Orthanc's /tools/find on the same studies (apt-get install orthanc).
#   scripts/bench-search.sh [--studies 100000] [--requests 100] [--catalog both|sqlite|postgres]
#                           [--ingest-files 300] [--orthanc-studies 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/test-services.sh)"
cargo build --release --workspace --bins
target="${CARGO_TARGET_DIR:-target}"
state=${FERRUM_TEST_SERVICES_DIR:-${TMPDIR:-/tmp}/ferrum-test-services}
pg_pid=$(head -n 1 "$state/pg-${FERRUM_TEST_PG_PORT:-55432}/postmaster.pid" 2>/dev/null || true)
exec "$target/release/bench-search" --binary "$target/release/ferrum" ${pg_pid:+--pg-pid "$pg_pid"} "$@"
