#!/usr/bin/env bash
# Ingest benchmark (figures, not a test). Builds release binaries, then runs the bench:
#   scripts/bench-ingest.sh [--files 400] [--zip-mb 2048] [--no-orthanc]
# Install the reference first for side-by-side figures: apt-get install orthanc
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p ferrum -p ferrum-bench
exec target/release/bench-ingest --ferrum target/release/ferrum "$@"
