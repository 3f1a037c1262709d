#!/usr/bin/env bash
# Rendering benchmark (figures, not a test). Builds release binaries, then runs the bench:
#   scripts/bench-render.sh [--instances 200] [--requests N] [--zip-instances 500] [--no-orthanc]
# Measures series thumbnails (uncached, then cached) and full-size rendered frames from
# ferrum against Orthanc's /instances/{id}/preview and /frames/0/rendered over the same
# corpus, and how long after a 500-instance ZIP upload's answer its thumbnails are all made.
# Install the reference first for side-by-side figures: apt-get install orthanc
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --bins
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/bench-render" --ferrum "$target/release/ferrum" "$@"
