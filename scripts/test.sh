#!/usr/bin/env bash
# The whole test suite. Starts what the tests talk to first (PostgreSQL from Debian's
# packages and the S3-compatible s3s-fs, installed if missing; see scripts/test-services.sh),
# then runs:
#   1. every crate's unit tests, the store conformance suites against SQLite, PostgreSQL, the
#      local directory and S3, and the end-to-end tests of the real binary on the embedded
#      default (SQLite + local directory);
#   2. the end-to-end tests again in the production set-up: PostgreSQL catalog + S3 blobs.
# Extra arguments go to cargo test (a test name filter, say).
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/test-services.sh)"

cargo test --workspace --all-targets "$@"
echo "== end-to-end tests on PostgreSQL + S3 =="
FERRUM_E2E_CATALOG=postgres FERRUM_E2E_BLOBS=s3 cargo test --test e2e "$@"
