"""Writes BENCHMARKS.md from bench/run.sh's measurements (every figure comes from the run)."""
import os
import platform
import statistics
import subprocess
import sys
from collections import defaultdict

results, facts_path, contacts, duration, reps, backends = sys.argv[1:]
rows = defaultdict(list)
for line in open(results):
    backend, scenario, rep, rps, p50, p99, bad, socket_errors = line.rstrip("\n").split("\t")
    rows[(backend, scenario)].append((float(rps), float(p50), float(p99), int(bad)))
facts = {}
for line in open(facts_path):
    backend, name, value = line.rstrip("\n").split("\t")
    facts[(backend, name)] = value

READS = ["show_json", "show_xml", "list25_json", "list25_xml", "list100_include_projects", "search_name",
         "search_phone", "filter_tag"]
# The same reads on URLs never asked before, so none is answered from memory.
FRESH = ["show_json_fresh", "list25_json_fresh", "search_name_fresh", "search_phone_fresh", "filter_tag_fresh"]
ONE_AT_A_TIME = ["list25_json@1", "search_name@1", "search_phone@1"]
SCENARIOS = ["ceiling"] + READS + FRESH + ONE_AT_A_TIME + ["create", "update", "mixed_80r_20w"]


def median(backend, scenario, i):
    values = [r[i] for r in rows.get((backend, scenario), [])]
    return statistics.median(values) if values else None


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


out = []
out.append("# Benchmarks\n")
out.append("Written by `bench/run.sh` (do not edit by hand): every figure below comes from one run of it.\n")
out.append(f"- Machine: {os.cpu_count()} cores ({cpu()}), "
           f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, {platform.platform()}")
out.append(f"- Command: `CONTACTS={contacts} DURATION={duration} REPS={reps} bench/run.sh {backends}`")
out.append(f"- Load: wrk, 2 threads x 32 connections, a warm-up, then {duration} s per scenario, {reps} repetitions; "
           "the medians of the repetitions are shown.")
out.append(f"- Data: `contacts-server seed --contacts {contacts} --projects 20 --users 50`; requests carry the API key "
           "of user1, a non-admin Manager of 3 of the 20 projects, so visibility rules apply to every read.")
out.append("- Ceiling: `examples/ceiling.rs`, a minimal actix-web server answering a fixed 2 KB JSON body, driven the "
           "same way in the same run; *ratio* is a scenario's req/s over the ceiling's.")
out.append("- Repeated reads (a scenario asks one URL over and over) are answered from memory while nothing is written "
           "(see README, Performance); the `_fresh` scenarios and the @1 runs make every URL new, so each request goes "
           "to the database. The mixed load shows both at once: every write makes the kept answers stale.")
out.append("- The @1 rows come from `bench/probe.py`, not wrk: at one connection wrk's latencies disagree with its own "
           "request rate (its mean latency times its req/s came to 3, where one connection allows at most 1; a p99 "
           "of 150 ms where a client timing each request saw 3 slow requests in 6,000).\n")

targets = []
# The database path (no kept answer) at 32 connections against the same thresholds: beyond the issue.
beyond = []
for backend in [b for b in ("sqlite", "postgres") if (b, "ceiling") in rows]:
    ceiling = median(backend, "ceiling", 0)
    out.append(f"## {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}\n")
    out.append(f"Seeding took {facts.get((backend, 'seed_seconds'), '?')} s; start-up to the first answer "
               f"{facts.get((backend, 'startup_ms'), '?')} ms; server peak RSS "
               f"{int(facts.get((backend, 'peak_rss_kb'), '0')) / 1024:.0f} MB. The first list request, which "
               f"counts the member's visible contacts before the total is remembered, took "
               f"{facts.get((backend, 'cold_list_ms'), '?')} ms. Importing the CSV export "
               f"({int(facts.get((backend, 'import_rows'), '0')):,} rows) into a fresh database took "
               f"{facts.get((backend, 'import_seconds'), '?')} s. Scenarios marked @1 send one request at a time "
               f"(bench/probe.py, each request timed alone).\n")
    out.append("| scenario | req/s | p50 ms | p99 ms | ratio to ceiling | non-2xx |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for scenario in SCENARIOS:
        if (backend, scenario) not in rows:
            continue
        rps, p50, p99 = (median(backend, scenario, i) for i in range(3))
        bad = sum(r[3] for r in rows[(backend, scenario)])
        if p50 == 0:
            # wrk saw no request finish within its timeout: there is no latency to show.
            out.append(f"| {scenario} | {rps:,.0f} | timed out | timed out | {rps / ceiling:.1%} | {bad} |")
        else:
            out.append(f"| {scenario} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {rps / ceiling:.1%} | {bad} |")
    out.append("")

    def check(name, ok, measured, table=targets):
        # A scenario that completed no request in time measured nothing, and met nothing.
        ok = ok and not measured.startswith(("0.0%", "0.00 ms", "0/s"))
        measured = "timed out" if measured.startswith("0.00 ms") else measured
        words = ("met", "MISSED") if table is targets else ("within", "over")
        table.append(f"| {backend} | {name} | {words[0] if ok else words[1]} | {measured} |")

    def under(s, column, limit, table=targets, label="", what=""):
        value = median(backend, s, column)
        bound = "target" if table is targets else "threshold"
        check(f"{s}{label} {what} < {limit} ms", value < limit,
              f"{value:.2f} ms" + ("" if value < limit else f" ({value / limit:.1f}x the {bound})"), table)

    for s in ("show_json", "show_xml"):
        r = median(backend, s, 0) / ceiling
        check(f"{s} >= 50% of ceiling", r >= 0.5, f"{r:.1%}" + ("" if r >= 0.5 else f" ({0.5 - r:.1%} short)"))
    for s in ("list25_json", "list25_xml"):
        r = median(backend, s, 0) / ceiling
        check(f"{s} >= 25% of ceiling", r >= 0.25, f"{r:.1%}" + ("" if r >= 0.25 else f" ({0.25 - r:.1%} short)"))
    for s in READS:
        under(s, 2, 20, what="p99")
    for s in ("search_name", "search_phone", "search_name@1", "search_phone@1"):
        under(s, 1, 5, what="p50")
    for s in ("list25_json", "list25_json@1"):
        under(s, 1, 10, label=" (with total_count)", what="p50")
    if backend == "sqlite":
        rps = median(backend, "create", 0)
        bad = sum(r[3] for r in rows[(backend, "create")])
        check("create >= 2,000/s, no errors", rps >= 2000 and bad == 0, f"{rps:,.0f}/s, {bad} non-2xx")
        seeded = float(facts.get((backend, "seed_seconds"), "0"))
        per_million = seeded * 1_000_000 / int(contacts)
        check("seed of 1,000,000 contacts < 120 s", 0 < per_million < 120, f"{seeded:.1f} s for {int(contacts):,}")
    rss = int(facts.get((backend, "peak_rss_kb"), "0")) / 1024
    check("peak RSS < 100 MB", rss < 100, f"{rss:.0f} MB")
    ms = int(facts.get((backend, "startup_ms"), "0"))
    check("start-up < 300 ms", ms < 300, f"{ms} ms")
    seconds = float(facts.get((backend, "import_seconds"), "0"))
    rows_imported = int(facts.get((backend, "import_rows"), "0"))
    if rows_imported:
        per_million = seconds * 1_000_000 / rows_imported
        check("import of 1,000,000 rows < 60 s", per_million < 60, f"{seconds:.1f} s for {rows_imported:,} rows")
    # The database path held to the same thresholds, at 32 connections.
    for s in FRESH:
        under(s, 2, 20, beyond, what="p99")
    for s in ("search_name_fresh", "search_phone_fresh"):
        under(s, 1, 5, beyond, what="p50")
    under("list25_json_fresh", 1, 10, beyond, " (with total_count)", "p50")

out.append("## Targets\n")
out.append("The issue's targets, on its scenarios: each asks one URL over and over, as a polling client does, so "
           "reads are answered from kept answers while nothing is written. Its search and list latency targets, "
           "which name no concurrency, are also checked one request at a time on new URLs (@1), through the "
           "search index and the database.\n")
out.append("| backend | target | | measured |")
out.append("|---|---|---|---|")
out.extend(targets)
out.append("")
out.append("## Beyond the issue: the database path at 32 connections\n")
out.append("The `_fresh` scenarios make every URL new, so each of 32 clients' requests is read from the database; "
           "here they are held to the same latency thresholds. These are not the issue's targets; on this machine "
           "the load generator, and for PostgreSQL the database server, share its two cores with the server.\n")
out.append("| backend | threshold | | measured |")
out.append("|---|---|---|---|")
out.extend(beyond)
out.append("")
print("\n".join(out))
