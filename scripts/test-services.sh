#!/usr/bin/env bash
# Starts the services the test suite talks to, idempotently, and prints the environment
# that points the tests at them:
#     eval "$(scripts/test-services.sh)"
# - PostgreSQL (Debian's package, installed if missing): a private cluster on 127.0.0.1,
#   port $FERRUM_TEST_PG_PORT (55432), data under $FERRUM_TEST_SERVICES_DIR.
# - Chromium and chromedriver (Debian's packages, installed if missing) for the browser tests.
# - An S3-compatible server that checks SigV4 signatures (s3s-fs from crates.io, installed
#   with cargo if missing) on 127.0.0.1, port $FERRUM_TEST_S3_PORT (59000).
# - The third-party DICOM clients the tests drive: dcmtk (Debian's package) and, in a Python
#   virtual environment of their own under $FERRUM_TEST_SERVICES_DIR, pydicom 3 and
#   dicomweb-client from PyPI ($FERRUM_TEST_PYTHON is its interpreter).
# - The OHIF viewer as npm publishes it (@ohif/app, pinned), unpacked under
#   $FERRUM_TEST_SERVICES_DIR; $FERRUM_TEST_OHIF_DIR is its built dist/ folder.
set -euo pipefail

STATE=${FERRUM_TEST_SERVICES_DIR:-${TMPDIR:-/tmp}/ferrum-test-services}
PG_PORT=${FERRUM_TEST_PG_PORT:-55432}
S3_PORT=${FERRUM_TEST_S3_PORT:-59000}
S3_ACCESS_KEY=ferrum-test
S3_SECRET_KEY=ferrum-test-secret-key
S3S_FS_VERSION=0.14.1
OHIF_VERSION=3.13.2
mkdir -p "$STATE"
chmod 755 "$STATE"

as_postgres() {
  # PostgreSQL refuses to run as root; as another user, run as that user.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_postgres_installed() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing PostgreSQL (Debian's package)..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >&2
  fi
}

start_postgres() {
  local bin data
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  data="$STATE/pg-$PG_PORT"
  if [ ! -s "$data/PG_VERSION" ]; then
    rm -rf "$data"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    # fsync off: a test cluster is thrown away; durability is tested against the catalog's
    # own commits, not PostgreSQL's disk.
    as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $PG_PORT -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >&2
  fi
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'ferrum_test'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE ferrum_test" >&2
  fi
  echo "export FERRUM_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/ferrum_test"
}

ensure_chromium_installed() {
  # The browser tests drive Debian's Chromium through its chromedriver.
  if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
    echo "installing Chromium and chromedriver (Debian's packages)..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
  fi
}

start_s3() {
  if ! command -v s3s-fs >/dev/null 2>&1; then
    echo "installing s3s-fs $S3S_FS_VERSION (cargo install)..." >&2
    cargo install --quiet --locked "s3s-fs@$S3S_FS_VERSION" --features binary >&2
  fi
  local root="$STATE/s3-$S3_PORT" pidfile="$STATE/s3-$S3_PORT.pid"
  mkdir -p "$root"
  # s3s-fs resolves paths against its working directory: one left running from a directory
  # that has since been deleted (an earlier clone) answers every request with an error.
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null \
    && readlink "/proc/$(cat "$pidfile")/cwd" | grep -q '(deleted)'; then
    kill "$(cat "$pidfile")"
    sleep 0.5
  fi
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null; then
    (cd "$STATE" && exec setsid s3s-fs --host 127.0.0.1 --port "$S3_PORT" \
      --access-key "$S3_ACCESS_KEY" --secret-key "$S3_SECRET_KEY" "$root") >"$STATE/s3-$S3_PORT.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && break
      sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null || { echo "s3s-fs did not start; see $STATE/s3-$S3_PORT.log" >&2; exit 1; }
  fi
  echo "export FERRUM_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
  echo "export FERRUM_TEST_S3_ROOT=$root"
  echo "export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY"
  echo "export AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY"
  echo "export AWS_REGION=us-east-1"
}

ensure_dicom_clients() {
  if ! command -v dcmdump >/dev/null 2>&1; then
    echo "installing dcmtk (Debian's package)..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dcmtk >&2
  fi
  local venv="$STATE/python"
  if ! "$venv/bin/python" -c 'import pydicom, dicomweb_client; assert int(pydicom.__version__.split(".")[0]) >= 3' \
    >/dev/null 2>&1; then
    echo "installing pydicom and dicomweb-client (PyPI, into $venv)..." >&2
    if ! python3 -m venv --clear "$venv" >&2 2>/dev/null; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
      python3 -m venv --clear "$venv" >&2
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "pydicom>=3,<4" "dicomweb-client>=0.59" >&2
  fi
  echo "export FERRUM_TEST_PYTHON=$venv/bin/python"
}

ensure_ohif() {
  # The package's tarball alone: its dist/ is the built viewer; the dependencies it lists are
  # what it was built from, not needed to serve it.
  local root="$STATE/ohif-$OHIF_VERSION" dist
  dist="$root/node_modules/@ohif/app/dist"
  if [ ! -s "$dist/index.html" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "installing npm (Debian's package)..." >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >&2
    fi
    echo "installing @ohif/app $OHIF_VERSION (npm, into $root)..." >&2
    rm -rf "$root.tmp"
    mkdir -p "$root.tmp/node_modules/@ohif/app"
    (cd "$root.tmp" && npm pack --silent "@ohif/app@$OHIF_VERSION" >/dev/null)
    tar -xzf "$root.tmp/ohif-app-$OHIF_VERSION.tgz" -C "$root.tmp/node_modules/@ohif/app" --strip-components=1
    rm -f "$root.tmp/ohif-app-$OHIF_VERSION.tgz"
    rm -rf "$root"
    mv "$root.tmp" "$root"
  fi
  echo "export FERRUM_TEST_OHIF_DIR=$dist"
}

ensure_postgres_installed
start_postgres
start_s3
ensure_chromium_installed
ensure_dicom_clients
ensure_ohif
