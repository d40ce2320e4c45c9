#!/usr/bin/env python3
"""One request at a time, each timed alone: the latency of a URL path with nobody queueing.

    probe.py BACKEND SCENARIO REP BASE_URL PATH_PREFIX API_KEY SECONDS

Every request is a new URL (PATH_PREFIX + "fresh=<rep>-<n>"), so each goes to the database.
Prints one line of bench/run.sh's results (backend, scenario, rep, req/s, p50 ms, p99 ms,
non-2xx, socket errors). wrk is not used here: at one connection its latencies disagree with
its own request rate (mean latency x req/s came to 3, where one connection allows at most 1).
"""
import http.client
import sys
import time
from urllib.parse import urlsplit

backend, scenario, rep, base, prefix, key, seconds = sys.argv[1:]
host = urlsplit(base)
connection = http.client.HTTPConnection(host.hostname, host.port)
latencies, bad, n = [], 0, 0
started = time.perf_counter()
while time.perf_counter() - started < float(seconds):
    n += 1
    sent = time.perf_counter()
    connection.request("GET", f"{prefix}fresh={rep}-{n}", headers={"X-Redmine-API-Key": key})
    response = connection.getresponse()
    response.read()
    latencies.append((time.perf_counter() - sent) * 1000)
    bad += response.status >= 300
elapsed = time.perf_counter() - started
latencies.sort()
def percentile(p):
    return latencies[min(len(latencies) - 1, int(len(latencies) * p))]
print("\t".join([backend, scenario, rep, f"{len(latencies) / elapsed:.1f}", f"{percentile(0.50):.3f}",
                 f"{percentile(0.99):.3f}", str(bad), "0"]))
