#!/usr/bin/env bash
# DICOMweb benchmark (figures, not a test): series and study metadata, QIDO-RS study
# searches at --qido-studies seeded studies, and frames (uncompressed, JPEG passed through),
# against Orthanc with its DICOMweb plugin on the same files, side by side in one run:
#   scripts/bench-dicomweb.sh [--size 512] [--requests 20] [--qido-studies 100000] [--orthanc-studies 2000]
# Install the reference first: apt-get install orthanc orthanc-dicomweb
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --bins
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/bench-dicomweb" --ferrum "$target/release/ferrum" "$@"
