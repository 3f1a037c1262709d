#!/usr/bin/env bash
# Backup drill (on demand, not in CI): backs up a running server again and again while four
# clients upload, restores the last snapshot into a fresh data directory and checks every
# acknowledged object byte for byte:
#   scripts/drill-backup.sh [--seconds 60] [--clients 4] [--backups 4] [--size 256]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p ferrum -p ferrum-bench --bins
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/drill-backup" --ferrum "$target/release/ferrum" --scratch "$target/bench-scratch" "$@"
