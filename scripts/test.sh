#!/usr/bin/env bash
# The whole test suite: unit tests of every crate and the end-to-end tests, which start the
# real `ferrum` binary on random ports with fresh data directories and drive it over HTTP.
#
# Provisions what the tests need before running them. The embedded default (SQLite + local
# directory) needs nothing beyond the Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --all-targets "$@"
