#!/usr/bin/env python3
"""Login-flood drill (figures, not a test): starts a fresh `ferrum serve` on the embedded
default, floods POST /api/auth/login with made-up usernames from many threads, and meanwhile
times an authenticated study listing. Prints answers per second by status, the server's peak
RSS (VmHWM) and CPU time, and the listing's latency during the flood.

    cargo build --release && python3 scripts/drill-login-flood.py [--binary target/release/ferrum]
        [--threads 64] [--seconds 10]

Only the standard library; the flood comes from one address, so most answers are the
per-address throttle's 429s once 20 failures are counted, which is the point: a flood costs
the server a bounded number of hashes.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time


def request(port, method, path, body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/ferrum")
    ap.add_argument("--threads", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="ferrum-flood-")
    env = dict(os.environ, FERRUM_DATA_DIR=data, FERRUM_BIND="127.0.0.1:0",
               FERRUM_ADMIN_PASSWORD="a-long-admin-password", FERRUM_LOG="warn")
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.PIPE, text=True)
    port = None
    for line in server.stdout:
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    try:
        status, body = request(port, "POST", "/api/auth/login",
                               {"username": "admin", "password": "a-long-admin-password"})
        token = json.loads(body)["access_token"]
        rss_before = proc_status(server.pid, "VmRSS")
        cpu_before = cpu_seconds(server.pid)
        stop = time.monotonic() + args.seconds
        counts, lock = {}, threading.Lock()
        latencies = []

        def flood(n):
            i = 0
            while time.monotonic() < stop:
                i += 1
                s, _ = request(port, "POST", "/api/auth/login",
                               {"username": f"ghost-{n}-{i}", "password": "not-the-password"})
                with lock:
                    counts[s] = counts.get(s, 0) + 1

        def listing():
            while time.monotonic() < stop:
                t = time.monotonic()
                s, _ = request(port, "GET", "/api/studies?limit=50", token=token)
                latencies.append((time.monotonic() - t) * 1000)
                time.sleep(0.05)

        threads = [threading.Thread(target=flood, args=(n,)) for n in range(args.threads)]
        threads.append(threading.Thread(target=listing))
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(server.pid) - cpu_before
        total = sum(counts.values())
        print(f"flood: {args.threads} threads, {elapsed:.1f} s, {total} answers = {total / elapsed:.0f}/s")
        for s in sorted(counts):
            print(f"  {s}: {counts[s]} ({counts[s] / elapsed:.0f}/s)")
        print(f"server RSS before {rss_before / 1024:.0f} MiB, peak (VmHWM) {proc_status(server.pid, 'VmHWM') / 1024:.0f} MiB")
        print(f"server CPU {cpu:.2f} s = {cpu / max(total, 1) * 1000:.2f} ms per answer")
        if latencies:
            latencies.sort()
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            print(f"authenticated listing during the flood: {len(latencies)} requests, "
                  f"p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
