#!/usr/bin/env bash
# Export benchmark (figures, not a test). Builds release binaries, then runs the bench:
#   scripts/bench-export.sh [--mb 2048] [--size 512] [--erase-instances 1000]
# Uploads one study of --mb MB (generated 512x512 CT slices), exports it through
# GET /api/studies/{uid}/archive, and prints the rate, the server's peak RSS during the
# export and its CPU per MB (from /proc); then the time to erase a 1,000-instance study, to
# its answer and until every blob is gone (FERRUM_BLOB_DELETE_GRACE_SECS=0). Needs about
# twice --mb of free disk under target/bench-scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p ferrum -p ferrum-bench
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/bench-export" --ferrum "$target/release/ferrum" "$@"
