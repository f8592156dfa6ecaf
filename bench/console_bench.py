#!/usr/bin/env python3
"""Benchmark: server-side render time of each web console page at a demo scale.

Starts `pathwarden serve --demo-scale N` (anonymous loopback reader, no config), warms
each page up, then requests it REPS times and reads the daemon's own `Server-Timing:
app;dur=<ms>` header (time from the request entering the console to the response being
ready: authentication, SQL, template). Prints p50/p95 per page. Standard library only.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import quote

PLANTED = "arn:aws:iam::111111111111:role/chain-hop-a"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--scale", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=50)
    args = ap.parse_args()
    port, hport = free_port(), free_port()
    data = tempfile.mkdtemp(prefix="pw-console-bench-")
    proc = subprocess.Popen(
        [args.binary, "serve", "--demo-scale", str(args.scale), "--listen", f"127.0.0.1:{port}",
         "--http-listen", f"127.0.0.1:{hport}"],
        cwd=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PATHWARDEN_LOG": "warn"})
    base = f"http://127.0.0.1:{hport}"
    try:
        deadline = time.time() + 300
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    sys.exit("pathwarden did not start")
                time.sleep(0.2)
        opener = urllib.request.build_opener()
        # The first page gives the anonymous loopback session its cookie.
        r = opener.open(base + "/", timeout=600)
        cookie = r.headers.get("Set-Cookie", "").split(";")[0]
        opener.addheaders = [("Cookie", cookie)]
        pages = [
            ("overview", "/"),
            ("benchmarks", "/benchmarks"),
            ("findings", "/findings"),
            ("decisions", "/decisions"),
            ("sql (form)", "/sql"),
            ("paths: search", "/paths?q=chain-hop"),
            ("paths: one principal", "/paths?principal=" + quote(PLANTED, safe="")),
            ("paths: graph JSON", "/paths/data?principal=" + quote(PLANTED, safe="")),
            ("paths: everyone to admin", "/paths?everyone=1"),
        ]
        print(f"machine: {os.cpu_count()} cores; demo scale {args.scale}; {args.reps} requests per page after 3 warm-ups; binary {args.binary}")
        print()
        print("| page | p50 ms | p95 ms | max ms | bytes |")
        print("|---|---|---|---|---|")
        for name, path in pages:
            times, size = [], 0
            for i in range(3 + args.reps):
                with opener.open(base + path, timeout=600) as resp:
                    body = resp.read()
                    if resp.status != 200:
                        sys.exit(f"{path}: HTTP {resp.status}")
                    timing = resp.headers.get("Server-Timing", "")
                size = len(body)
                if i >= 3:
                    times.append(float(timing.split("dur=")[1]))
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} | {size} |")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
