#!/usr/bin/env bash
# De-identification benchmark (figures, not a test): a de-identified link's first image vs
# a plain link's, and `ferrum export --deidentify` vs a plain export.
#   scripts/bench-deid.sh [--mb 256] [--size 512] [--runs 5]
# Builds release binaries unless FERRUM_BENCH_PROFILE=debug.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
profile="${FERRUM_BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build --release -p ferrum -p ferrum-bench
else
  cargo build --workspace --bins
fi
exec "$target/$profile/bench-deid" --ferrum "$target/$profile/ferrum" "$@"
