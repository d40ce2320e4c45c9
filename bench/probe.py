#!/usr/bin/env python3
"""One request at a time, each timed alone: the latency of a kind of request with nobody queueing.

    probe.py BACKEND SCENARIO REP BASE_URL API_KEY LIST SECONDS MAX_REQUESTS

Plays the GET lines of a request list (bench/urls.py) in order from a place that differs per
repetition, for SECONDS or MAX_REQUESTS requests, whichever comes first (at least one).
Prints one line of bench/run.sh's results (backend, scenario, rep, req/s, p50 ms, p99 ms,
non-2xx, socket errors, requests). wrk is not used here: at one connection its latencies
disagree with its own request rate (mean latency x req/s came to 3, where one connection
allows at most 1).
"""
import http.client
import sys
import time
from urllib.parse import urlsplit

backend, scenario, rep, base, key, source, seconds, max_requests = sys.argv[1:]
paths = [line.split("\t")[1] for line in open(source) if line.startswith("GET\t")]
host = urlsplit(base)
connection = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
latencies, bad = [], 0
start = int(rep) * 97
started = time.perf_counter()
while not latencies or (time.perf_counter() - started < float(seconds) and len(latencies) < int(max_requests)):
    path = paths[(start + len(latencies)) % len(paths)]
    sent = time.perf_counter()
    connection.request("GET", path, headers={"X-Redmine-API-Key": key})
    response = connection.getresponse()
    response.read()
    latencies.append((time.perf_counter() - sent) * 1000)
    bad += response.status >= 400
elapsed = time.perf_counter() - started
latencies.sort()


def percentile(p):
    return latencies[min(len(latencies) - 1, int(len(latencies) * p))]


print("\t".join([backend, scenario, rep, f"{len(latencies) / elapsed:.1f}", f"{percentile(0.50):.3f}",
                 f"{percentile(0.99):.3f}", str(bad), "0", str(len(latencies))]))
