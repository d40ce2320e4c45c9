#!/usr/bin/env python3
"""python-redmine's `all()` on contacts: one client reads `GET /contacts.json?limit=100&offset=N`
page after page, as python-redmine's synchronous engine does (the first page tells
`total_count`, then offset 100, 200, ... until the total is reached), timed end to end,
parsing every page. Stops early after MAX_SECONDS.

    all_pages.py BASE_URL API_KEY MAX_SECONDS

Prints facts (`name<TAB>value`) for bench/run.sh's facts.tsv: the seconds taken, the contacts
read, the total the first page announced, the distinct ids read, and whether it got to the end.
"""
import http.client
import json
import sys
import time
from urllib.parse import urlsplit

base, key, max_seconds = sys.argv[1:]
host = urlsplit(base)
connection = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
ids, total, offset, pages, errors = set(), None, 0, 0, 0
read = 0
started = time.perf_counter()
slowest = 0.0
while total is None or offset < total:
    if time.perf_counter() - started > float(max_seconds):
        break
    sent = time.perf_counter()
    connection.request("GET", f"/contacts.json?limit=100&offset={offset}", headers={"X-Redmine-API-Key": key})
    response = connection.getresponse()
    body = response.read()
    slowest = max(slowest, time.perf_counter() - sent)
    if response.status != 200:
        errors += 1
        break
    page = json.loads(body)
    if total is None:
        total = page["total_count"]
    pages += 1
    read += len(page["contacts"])
    ids.update(c["id"] for c in page["contacts"])
    if not page["contacts"]:
        break
    offset += 100
elapsed = time.perf_counter() - started
print(f"all_seconds\t{elapsed:.1f}")
print(f"all_pages\t{pages}")
print(f"all_read\t{read}")
print(f"all_distinct\t{len(ids)}")
print(f"all_total\t{total or 0}")
print(f"all_errors\t{errors}")
print(f"all_slowest_ms\t{slowest * 1000:.0f}")
print(f"all_complete\t{int(offset >= (total or 0) and errors == 0)}")
