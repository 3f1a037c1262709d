#!/usr/bin/env bash
# Ingest benchmark (figures, not a test). Builds release binaries, then runs the bench:
#   scripts/bench-ingest.sh [--files 300] [--corpus DIR] [--zip-mb 512] [--no-orthanc] [--production]
# Install the references first for side-by-side figures:
#   apt-get install orthanc orthanc-postgresql
# --production also measures PostgreSQL + S3 (on the servers scripts/test-services.sh starts:
# a private PostgreSQL cluster and s3s-fs) against Orthanc with its PostgreSQL index, and
# ingest into a catalog already holding 200,000 instances (--seed N to change).
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for a in "$@"; do
  if [ "$a" = --production ]; then
    eval "$(scripts/test-services.sh)"
    args+=(--pg-url "$FERRUM_TEST_DATABASE_URL" --s3-endpoint "$FERRUM_TEST_S3_ENDPOINT")
    # Their CPU is reported apart from the server's.
    state=${FERRUM_TEST_SERVICES_DIR:-${TMPDIR:-/tmp}/ferrum-test-services}
    pg_pid=$(head -n 1 "$state/pg-${FERRUM_TEST_PG_PORT:-55432}/postmaster.pid" 2>/dev/null || true)
    s3_pid=$(cat "$state/s3-${FERRUM_TEST_S3_PORT:-59000}.pid" 2>/dev/null || true)
    [ -n "$pg_pid" ] && args+=(--pg-pid "$pg_pid")
    [ -n "$s3_pid" ] && args+=(--s3-pid "$s3_pid")
  else
    args+=("$a")
  fi
done
cargo build --release --workspace --bins
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/bench-ingest" --ferrum "$target/release/ferrum" "${args[@]}"
