"""Writes BENCHMARKS.md from bench/run.sh's measurements (every figure comes from the run)."""
import os
import platform
import statistics
import subprocess
import sys
from collections import defaultdict

results, facts_path, contacts, duration, reps, backends = sys.argv[1:]
contacts = int(contacts)
rows = defaultdict(list)
for line in open(results):
    backend, scenario, rep, rps, p50, p99, bad, socket_errors, requests = line.rstrip("\n").split("\t")
    rows[(backend, scenario)].append((float(rps), float(p50), float(p99), int(bad), int(socket_errors), int(requests)))
facts = {}
for line in open(facts_path):
    backend, name, value = line.rstrip("\n").split("\t")
    facts[(backend, name)] = value

# (scenario, its list in bench/urls.py, what each request is)
SCENARIOS = [
    ("ceiling", "show", "`examples/ceiling.rs` (a fixed 2 KB body), sent the show list's requests"),
    ("show", "show", "`GET /contacts/:id.json`, a contact the reader sees, at random"),
    ("list25", "list25", "`GET /contacts.json?limit=25&offset=N` (with total_count), N at random below 100,000"),
    ("search_two_words", "search_two_words",
     "`search=` a first and a last name (either order), or a company word and a name; each word whole or its "
     "first 3+ letters, capitalized or not"),
    ("search_phone", "search_phone", "`search=` 4-6 digits of a phone number the reader sees (its end or inside)"),
    ("search_one_word", "search_one_word", "`search=` one first name, last name or company word, whole or its first "
     "3+ letters"),
    ("conditional_full", "conditional_full", "2,000 contacts and 2,000 list pages (as above), answered in full"),
    ("conditional_304", "conditional_304", "the same URLs with `If-None-Match` of their tag: 304, no body"),
    ("sort_name@1", "sort_name", "`GET /contacts.json?sort=name&limit=25&offset=N`, N half the contacts (500,000 "
     "at 1,000,000) or, if the reader's list is shorter, 1,000 short of its end (per backend below), + 0-999; one "
     "request at a time"),
    ("create", "create", "`POST /projects/:id/contacts.json`, a new contact each time (names, company, phone, email, "
     "tags, address), in one of the reader's 3 projects"),
    ("update", "update", "`PUT /contacts/:id.json`, a new job title and phone on a contact of the reader's projects"),
    ("mixed_80r_20w", "mixed", "80% show, list25, two-word and phone searches in equal shares, 20% creates"),
]

# The targets at 1,000,000 contacts (issue 20, item 6).
TARGETS = {
    "sqlite": {"show": (0.25, None, 10), "list25": (0.05, None, 20), "search_two_words": (None, 5, 20),
               "search_phone": (None, 3, 20), "mixed_rps": 3000, "mixed_p99": 50, "mixed_no_errors": True,
               "all_seconds": 60, "sort_name_p50": 100, "conditional": 1.5},
    "postgres": {"show": (0.10, None, 20), "list25": (0.02, None, 50), "search_two_words": (None, 10, 30),
                 "search_phone": (None, 10, 30), "mixed_rps": 1500, "mixed_p99": 80, "mixed_no_errors": False,
                 "all_seconds": 60, "sort_name_p50": 150, "conditional": 1.5},
}


def median(backend, scenario, i):
    values = [r[i] for r in rows.get((backend, scenario), [])]
    return statistics.median(values) if values else None


def fact(backend, name, default="0"):
    return facts.get((backend, name), default)


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
           f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, {platform.platform()}; "
           f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} when the report was written")
def commit():
    """The commit measured: bench/run.sh names it before the run rewrites BENCHMARKS.md."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


out.append(f"- Command: `CONTACTS={contacts} DURATION={duration} REPS={reps} bench/run.sh {backends}`, on {commit()}")
out.append(f"- Load: wrk, 2 threads x 32 connections, a warm-up, then {duration} s per scenario, {reps} repetitions; "
           "the medians of the repetitions are shown. wrk waits up to 10 s for an answer (more is a socket error).")
out.append(f"- Data: `contacts-server seed --contacts {contacts} --projects 20 --users 50`; requests carry the API key "
           "of user1, a non-admin Manager of 3 of the 20 projects, so visibility rules apply to every read.")
out.append("- Every request a different URL with different data: `bench/urls.py` reads the seeded database and "
           "writes a request list per scenario (contact ids the reader sees, list offsets, searches made of the "
           "first names, last names, company words and phone numbers the seed wrote); `bench/requests.lua` has wrk "
           "send each request the next line of its list, the two threads starting far apart. *lines* is a list's "
           "length, *distinct* its different requests: a run repeats a URL only past the end of its list, or when "
           "the list itself holds repeats (searches: there are only so many names).")
out.append("- Ceiling: `examples/ceiling.rs`, a minimal actix-web server answering a fixed 2 KB JSON body, sent the "
           "show list's requests by the same script in the same run; *ratio* is a scenario's req/s over the "
           "ceiling's.")
out.append("- `sort_name@1` comes from `bench/probe.py`, not wrk, one request at a time: at one connection wrk's "
           "latencies disagree with its own request rate. python-redmine's `all()` is `bench/all_pages.py`.\n")
out.append("The scenarios, in the order they run (reads on the seeded data first, then the writes):\n")
out.extend(f"- **{scenario}**: {what}" for scenario, _, what in SCENARIOS)
out.append("")
if contacts != 1_000_000:
    out.append(f"> This run has {contacts:,} contacts; the issue's targets are set at 1,000,000. They are checked "
               "here all the same (all() per 1,000,000 contacts), as a smoke test, not as the result; the seed and the "
               "import, mostly fixed costs at this size, are not judged (-).\n")

targets = []
for backend in [b for b in ("sqlite", "postgres") if (b, "ceiling") in rows]:
    ceiling = median(backend, "ceiling", 0)
    visible = int(fact(backend, "visible_contacts"))
    out.append(f"## {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}\n")
    out.append(f"Seeding took {fact(backend, 'seed_seconds', '?')} s; start-up to the first answer "
               f"{fact(backend, 'startup_ms', '?')} ms; server peak RSS "
               f"{int(fact(backend, 'peak_rss_kb')) / 1024:.0f} MB. The reader sees {visible:,} contacts "
               f"({visible / contacts:.0%}); the show list draws from {int(fact(backend, 'listed_contacts')):,} of "
               f"them (private contacts seen through a role's view_private_contacts are left out). Importing the CSV export "
               f"({int(fact(backend, 'import_rows')):,} rows) into a fresh database took "
               f"{fact(backend, 'import_seconds', '?')} s. This backend's part of the run took "
               f"{int(fact(backend, 'run_seconds')) / 60:.0f} min.\n")
    out.append("| scenario | lines | distinct | requests per run | req/s | p50 ms | p99 ms | ratio to ceiling "
               "| non-2xx/3xx | socket errors |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scenario, source, what in SCENARIOS:
        if (backend, scenario) not in rows:
            continue
        rps, p50, p99 = (median(backend, scenario, i) for i in range(3))
        bad = sum(r[3] for r in rows[(backend, scenario)])
        errors = sum(r[4] for r in rows[(backend, scenario)])
        lines = int(fact(backend, f"urls_{source}", fact(backend, "conditional_tagged")))
        distinct = int(fact(backend, f"distinct_{source}", fact(backend, "conditional_tagged")))
        sent = median(backend, scenario, 5)
        latency = "timed out | timed out" if p50 == 0 else f"{p50:.2f} | {p99:.2f}"
        # One request at a time is no load: its rate is no share of the ceiling's.
        share = "-" if scenario.endswith("@1") else f"{rps / ceiling:.1%}"
        out.append(f"| {scenario} | {lines:,} | {distinct:,} | {sent:,.0f} | {rps:,.0f} | {latency} | {share} "
                   f"| {bad} | {errors} |")
    out.append("")
    seconds, read, total = float(fact(backend, "all_seconds")), int(fact(backend, "all_read")), int(fact(backend, "all_total"))
    complete = fact(backend, "all_complete") == "1"
    out.append(f"python-redmine's `all()` (`limit=100`, offset after offset, one client): "
               + (f"all {total:,} contacts in {seconds:.1f} s" if complete else
                  f"{read:,} of {total:,} contacts in {seconds:.1f} s, then stopped")
               + f" ({int(fact(backend, 'all_pages')):,} pages, {int(fact(backend, 'all_distinct')):,} distinct ids, "
               f"slowest page {fact(backend, 'all_slowest_ms', '?')} ms, {fact(backend, 'all_errors')} errors).")
    out.append(f"`sort_name@1` started at offset {int(fact(backend, 'sort_name_offset')):,}.")
    out.append(f"Conditional GETs: {fact(backend, 'conditional_tagged')} of {fact(backend, 'conditional_urls')} URLs "
               f"answered with an ETag; asked again with it, {fact(backend, 'conditional_sample_304')} of "
               f"{fact(backend, 'conditional_sample')} were answered 304.\n")

    t = TARGETS[backend]

    def check(name, ok, measured):
        # ok None: not comparable at this scale.
        verdict = "-" if ok is None else "met" if ok else "MISSED"
        targets.append(f"| {backend} | {name} | {verdict} | {measured} |")

    # A seed or an import of a small database is mostly fixed costs: scaled to 1,000,000 it
    # would miss for nothing. Judged only at 1,000,000.
    at_scale = contacts >= 1_000_000

    def latency(scenario, column, limit, label=""):
        name = f"{scenario}{label} {'p50' if column == 1 else 'p99'} < {limit} ms"
        value = median(backend, scenario, column)
        if value is None:
            return check(name, False, "not measured")
        ok = 0 < value < limit
        measured = "timed out" if value == 0 else f"{value:.2f} ms" + ("" if ok else f" ({value / limit:.1f}x the target)")
        check(name, ok, measured)

    def ratio(scenario, wanted):
        r = median(backend, scenario, 0) / ceiling
        check(f"{scenario} >= {wanted:.0%} of ceiling", r >= wanted,
              f"{r:.1%}" + ("" if r >= wanted else f" ({wanted - r:.1%} short; {wanted / r:.1f}x to go)" if r else ""))

    for scenario in ("show", "list25", "search_two_words", "search_phone"):
        share, p50, p99 = t[scenario]
        if share:
            ratio(scenario, share)
        if p50:
            latency(scenario, 1, p50)
        latency(scenario, 2, p99)
    rps = median(backend, "mixed_80r_20w", 0)
    check(f"mixed_80r_20w >= {t['mixed_rps']:,} req/s", rps >= t["mixed_rps"],
          f"{rps:,.0f}/s" + ("" if rps >= t["mixed_rps"] else f" ({t['mixed_rps'] / rps:.1f}x to go)" if rps else ""))
    latency("mixed_80r_20w", 2, t["mixed_p99"])
    if t["mixed_no_errors"]:
        errors = sum(r[3] + r[4] for r in rows[(backend, "mixed_80r_20w")])
        check("mixed_80r_20w: 0 errors", errors == 0, f"{errors} non-2xx/3xx or socket errors")
    limit = t["all_seconds"] * contacts / 1_000_000
    ok = complete and seconds < limit
    check(f"all() of every contact the reader sees < {limit:.3g} s" + ("" if contacts == 1_000_000 else
          f" ({t['all_seconds']} s per 1,000,000)"), ok,
          f"{seconds:.1f} s" + ("" if complete else f", stopped at {read:,} of {total:,}") +
          ("" if ok or not complete else f" ({seconds / limit:.1f}x the target)"))
    latency("sort_name@1", 1, t["sort_name_p50"], f" (offset {int(fact(backend, 'sort_name_offset')):,})")
    full, conditional = median(backend, "conditional_full", 0), median(backend, "conditional_304", 0)
    gain = conditional / full if full else 0
    sample_ok = fact(backend, "conditional_sample_304") == fact(backend, "conditional_sample") != "0"
    check(f"If-None-Match (304) >= {t['conditional']}x the same URLs in full", gain >= t["conditional"] and sample_ok,
          f"{gain:.2f}x ({conditional:,.0f} against {full:,.0f} req/s)" + ("" if sample_ok else ", not all 304"))
    if backend == "sqlite":
        rps = median(backend, "create", 0)
        bad = sum(r[3] + r[4] for r in rows[(backend, "create")])
        check("create >= 2,000/s, no errors", rps >= 2000 and bad == 0, f"{rps:,.0f}/s, {bad} errors")
        seeded = float(fact(backend, "seed_seconds"))
        per_million = seeded * 1_000_000 / contacts
        check("seed of 1,000,000 contacts < 120 s", (0 < per_million < 120) if at_scale else None,
              f"{seeded:.1f} s for {contacts:,}")
    rss = int(fact(backend, "peak_rss_kb")) / 1024
    check("peak RSS < 100 MB", 0 < rss < 100, f"{rss:.0f} MB")
    ms = int(fact(backend, "startup_ms"))
    check("start-up < 300 ms", ms < 300, f"{ms} ms")
    seconds = float(fact(backend, "import_seconds"))
    rows_imported = int(fact(backend, "import_rows"))
    if rows_imported:
        per_million = seconds * 1_000_000 / rows_imported
        check("import of 1,000,000 rows < 60 s", (per_million < 60) if at_scale else None,
              f"{seconds:.1f} s for {rows_imported:,} rows")

out.append("## Targets\n")
out.append("Issue 20's targets, at 1,000,000 contacts, on its scenarios: every request a different URL, so each "
           "is read from the database; ratios to the ceiling of the same run.\n")
out.append("| backend | target | | measured |")
out.append("|---|---|---|---|")
out.extend(targets)
out.append("")
print("\n".join(out))
