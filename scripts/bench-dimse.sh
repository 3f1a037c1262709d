#!/usr/bin/env bash
# DICOM network benchmark (figures, not a test): dcmtk's storescu to Ferrum's DICOM listener
# and to Orthanc's DICOM port (1 and 4 parallel associations, several repeats, medians), then
# findscu study queries at --find-studies seeded studies, side by side in one run:
#   scripts/bench-dimse.sh [--files 300] [--repeats 3] [--find-studies 100000] [--orthanc-find-studies 2000]
# Needs dcmtk (storescu, findscu, echoscu); install the reference for side-by-side figures:
#   apt-get install dcmtk orthanc
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --bins
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/bench-dimse" --ferrum "$target/release/ferrum" "$@"
