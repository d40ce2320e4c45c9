#!/usr/bin/env python3
"""The conditional GETs' lists: asks each URL of a request list once, keeps its ETag, and writes
the same URLs twice, with `If-None-Match` (the 304 path) and without (answered in full).

    etags.py BASE_URL API_KEY LIST OUT_304 OUT_FULL

Checks that the tags are honoured: a sample asked again with its tag must be answered 304.
Prints facts (`name<TAB>value`) for bench/run.sh's facts.tsv.
"""
import http.client
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

base, key, source, out_304, out_full = sys.argv[1:]
host = urlsplit(base)
local = threading.local()


def get(path, tag=None):
    if not hasattr(local, "connection"):
        local.connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
    headers = {"X-Redmine-API-Key": key}
    if tag:
        headers["If-None-Match"] = tag
    local.connection.request("GET", path, headers=headers)
    response = local.connection.getresponse()
    response.read()
    return response.status, response.getheader("ETag")


paths = [line.split("\t")[1] for line in open(source) if line.startswith("GET\t")]
with ThreadPoolExecutor(4) as pool:
    answers = list(pool.map(get, paths))
tagged = [(path, tag) for path, (status, tag) in zip(paths, answers) if status == 200 and tag]
sample = tagged[:200]
with ThreadPoolExecutor(4) as pool:
    again = list(pool.map(lambda pt: get(*pt)[0], sample))
with open(out_304, "w") as f:
    f.writelines(f"GET\t{path}\t\t{tag}\n" for path, tag in tagged)
with open(out_full, "w") as f:
    f.writelines(f"GET\t{path}\t\t\n" for path, _ in tagged)
print(f"conditional_urls\t{len(paths)}")
print(f"conditional_tagged\t{len(tagged)}")
print(f"conditional_sample\t{len(sample)}")
print(f"conditional_sample_304\t{sum(status == 304 for status in again)}")
