#!/usr/bin/env bash
# Crash drill (on demand, not in CI): SIGKILLs the server at random moments while four
# clients upload, restarts it, and checks every acknowledged file and every catalog row:
#   scripts/drill-crash.sh [--rounds 20] [--clients 4] [--production]
# --production runs it on PostgreSQL + S3 (the servers scripts/test-services.sh starts).
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for a in "$@"; do
  if [ "$a" = --production ]; then
    eval "$(scripts/test-services.sh)"
    args+=(--pg-url "$FERRUM_TEST_DATABASE_URL" --s3-endpoint "$FERRUM_TEST_S3_ENDPOINT")
  else
    args+=("$a")
  fi
done
cargo build --release -p ferrum -p ferrum-bench --bins
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/drill-crash" --ferrum "$target/release/ferrum" --scratch "$target/bench-scratch" "${args[@]}"
