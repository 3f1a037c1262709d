#!/usr/bin/env bash
# The whole test suite. Starts what the tests talk to first (PostgreSQL, installed from
# Debian's packages if missing; see scripts/test-services.sh), then runs:
#   1. every crate's unit tests, the store conformance suites against SQLite, the local
#      directory and PostgreSQL, and the end-to-end tests of the real binary on SQLite;
#   2. the end-to-end tests again with the server on a PostgreSQL catalog.
# Extra arguments go to cargo test (a test name filter, say).
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/test-services.sh)"

cargo test --workspace --all-targets "$@"
echo "== end-to-end tests with the PostgreSQL catalog =="
FERRUM_E2E_CATALOG=postgres cargo test --test e2e "$@"
