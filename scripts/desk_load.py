#!/usr/bin/env python3
"""Latency of the association's figures: GET /api/v1/analytics/local-supply and /gaps for every
zone, and the /staff/gaps page's work (all zones), from CONCURRENCY staff clients at once,
REQUESTS requests each. Prints p50, p95 and max per endpoint.

Needs a running server (release) on BASE with a seeded world
(`peitao seed --synthetic 500000 --synthetic-needs 100000` gives about 1,000,000 capabilities and
100,000 open needs) and a staff account (`peitao staff create`). Standard library only.

    BASE=http://127.0.0.1:8080 EMAIL=bench@assoc.example.cn PASSWORD='...' \\
      python3 scripts/desk_load.py [REQUESTS] [CONCURRENCY]
"""
import json
import os
import sys
import threading
import time
import urllib.request

BASE = os.environ.get("BASE", "http://127.0.0.1:8080")
REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
CONCURRENCY = int(sys.argv[2]) if len(sys.argv) > 2 else 4
ZONES = ["CHENGYU", "WXSS", "YRD", "PRD", "JJJ"]


def login():
    body = json.dumps({"email": os.environ["EMAIL"], "password": os.environ["PASSWORD"]}).encode()
    req = urllib.request.Request(f"{BASE}/api/v1/auth/login", data=body,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as res:
        return json.load(res)["access_token"]


def measure(path, token, n, out):
    for i in range(n):
        zone = ZONES[i % len(ZONES)]
        req = urllib.request.Request(f"{BASE}{path.format(zone=zone)}",
                                     headers={"authorization": f"Bearer {token}"})
        t = time.perf_counter()
        with urllib.request.urlopen(req) as res:
            res.read()
            assert res.status == 200, res.status
        out.append((time.perf_counter() - t) * 1000)


def main():
    token = login()
    for path in ["/api/v1/analytics/local-supply?zone={zone}", "/api/v1/analytics/gaps?zone={zone}"]:
        measure(path, token, len(ZONES), [])  # warm up every zone once
        times = []
        threads = [threading.Thread(target=measure, args=(path, token, REQUESTS, times))
                   for _ in range(CONCURRENCY)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        times.sort()
        pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
        print(f"{path.split('?')[0]}: {len(times)} requests, {CONCURRENCY} clients, "
              f"{len(times) / wall:.1f}/s, p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, "
              f"max {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()
