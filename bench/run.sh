#!/usr/bin/env bash
# The benchmark (issue 20's scenarios): builds release binaries, seeds a fresh database, starts
# the server and drives it with wrk (2 threads x 32 connections, a warm-up then DURATION seconds
# per scenario, REPS repetitions), and drives the minimal actix-web server of
# examples/ceiling.rs the same way in the same run. Every request is a different URL with
# different data: bench/urls.py writes request lists from the seeded database (contact ids the
# reader sees, list offsets, searches made of the seed's names, company words and phone
# numbers) and bench/requests.lua has wrk play them. Writes BENCHMARKS.md.
#
#   bench/run.sh                  # SQLite and PostgreSQL, 1,000,000 contacts (about 40 minutes)
#   bench/run.sh sqlite           # one backend
#   CONTACTS=20000 DURATION=3 REPS=1 bench/run.sh sqlite    # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${1:-all}
# What is measured, named before the run writes BENCHMARKS.md (which would make the tree dirty).
BENCH_COMMIT=$(git describe --always --dirty 2>/dev/null || echo unknown)
export BENCH_COMMIT
CONTACTS=${CONTACTS:-1000000}
DURATION=${DURATION:-15}
REPS=${REPS:-3}
WARMUP=${WARMUP:-5}
THREADS=2
CONNECTIONS=32
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
ALL_SECONDS=${ALL_SECONDS:-300}   # python-redmine's all() stops here if not done
SORT_REQUESTS=${SORT_REQUESTS:-20} # sort=name at offset 500,000: requests per repetition
PORT=3901
CEILING_PORT=3902

if ! command -v wrk >/dev/null; then
  apt-get update && apt-get install -y wrk
fi
cargo build --release --locked --bin contacts-server --example ceiling
BIN=target/release/contacts-server
CEILING=target/release/examples/ceiling
WORK=$(mktemp -d)
RESULTS=$WORK/results.tsv
: >"$RESULTS"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

# run_wrk BACKEND SCENARIO BASE LIST: a warm-up, then REPS measured runs, one line each. wrk
# plays the request list (bench/requests.lua): every request the next line, a different URL.
run_wrk() {
  local backend=$1 scenario=$2 base=$3 list=$4
  local args=(-t$THREADS -c$CONNECTIONS --timeout 10s -s bench/requests.lua "$base" -- "$list" "$KEY" $THREADS)
  wrk -d${WARMUP}s "${args[@]}" >/dev/null
  for rep in $(seq 1 "$REPS"); do
    wrk -d${DURATION}s --latency "${args[@]}" >"$WORK/wrk.out"
    python3 - "$backend" "$scenario" "$rep" "$WORK/wrk.out" >>"$RESULTS" <<'PY'
import re, sys
backend, scenario, rep, path = sys.argv[1:]
text = open(path).read()
def ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
latency = re.search(r"\s50%\s+(\S+)", text)
p50 = ms(latency.group(1)) if latency else 0.0
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1)) if latency else 0.0
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
print("\t".join([backend, scenario, rep, f"{rps:.1f}", f"{p50:.3f}", f"{p99:.3f}", bad.group(1) if bad else "0",
                 str(sum(map(int, errors.groups()))) if errors else "0", str(requests)]))
PY
  done
}

# run_probe BACKEND SCENARIO BASE LIST MAX: one request at a time (bench/probe.py), REPS runs of
# at most MAX requests or DURATION seconds each.
run_probe() {
  local backend=$1 scenario=$2 base=$3 list=$4 max=$5
  for rep in $(seq 1 "$REPS"); do
    python3 bench/probe.py "$backend" "$scenario" "$rep" "$base" "$KEY" "$list" "$DURATION" "$max" >>"$RESULTS"
  done
}

wait_for() {
  local url=$1 key=${2:-}
  for _ in $(seq 1 600); do
    if curl -fs -o /dev/null -H "X-Redmine-API-Key: $key" "$url"; then return 0; fi
    sleep 0.01
  done
  echo "no answer from $url" >&2
  return 1
}

# fact BACKEND NAME VALUE, or `facts BACKEND < lines of "name<TAB>value"`.
fact() { echo -e "$1\t$2\t$3" >>"$WORK/facts.tsv"; }
facts() { while IFS=$'\t' read -r name value; do fact "$1" "$name" "$value"; done; }

bench_backend() {
  local backend=$1 url began=$(date +%s)
  if [ "$backend" = sqlite ]; then
    url="sqlite://$WORK/bench.db"
  else
    psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS contacts_bench" -c "CREATE DATABASE contacts_bench"
    url="$PG_SERVER/contacts_bench"
  fi
  echo "== $backend: seeding $CONTACTS contacts"
  local started=$(date +%s.%N)
  # The reader: user1, a non-admin Manager of 3 of the 20 projects (seed.rs).
  KEY=$("$BIN" seed --contacts "$CONTACTS" --projects 20 --users 50 --database-url "$url" | tail -1)
  fact "$backend" seed_seconds "$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")"

  "$CEILING" "127.0.0.1:$CEILING_PORT" & PIDS+=($!)
  local t0=$(date +%s%N)
  # Access logs off (warnings stay): the ceiling writes none either.
  RUST_LOG=warn DATABASE_URL="$url" "$BIN" serve --bind "127.0.0.1:$PORT" >/dev/null 2>"$WORK/server.log" & local server=$!
  PIDS+=("$server")
  wait_for "http://127.0.0.1:$PORT/users/current.json" "$KEY"
  fact "$backend" startup_ms $(( ($(date +%s%N) - t0) / 1000000 ))
  wait_for "http://127.0.0.1:$CEILING_PORT/"

  local base="http://127.0.0.1:$PORT" lists="$WORK/lists-$backend"
  echo "== $backend: request lists"
  python3 bench/urls.py "$backend" "$url" "$base" "$KEY" "$CONTACTS" "$lists" | facts "$backend"
  python3 bench/etags.py "$base" "$KEY" "$lists/conditional.tsv" "$lists/conditional_304.tsv" \
    "$lists/conditional_full.tsv" | facts "$backend"

  echo "== $backend: scenarios"
  # The ceiling plays the show list, so that wrk does the same work per request for both.
  run_wrk "$backend" ceiling "http://127.0.0.1:$CEILING_PORT" "$lists/show.tsv"
  # Reads first, on the seeded data as it is; then the writes, which add rows at the top of
  # every list (and change the list pages' tags).
  run_wrk "$backend" show "$base" "$lists/show.tsv"
  run_wrk "$backend" list25 "$base" "$lists/list25.tsv"
  run_wrk "$backend" search_two_words "$base" "$lists/search_two_words.tsv"
  run_wrk "$backend" search_phone "$base" "$lists/search_phone.tsv"
  run_wrk "$backend" search_one_word "$base" "$lists/search_one_word.tsv"
  run_wrk "$backend" conditional_full "$base" "$lists/conditional_full.tsv"
  run_wrk "$backend" conditional_304 "$base" "$lists/conditional_304.tsv"
  run_probe "$backend" sort_name@1 "$base" "$lists/sort_name.tsv" "$SORT_REQUESTS"
  echo "== $backend: every contact, 100 a page"
  python3 bench/all_pages.py "$base" "$KEY" "$ALL_SECONDS" | facts "$backend"
  run_wrk "$backend" create "$base" "$lists/create.tsv"
  run_wrk "$backend" update "$base" "$lists/update.tsv"
  run_wrk "$backend" mixed_80r_20w "$base" "$lists/mixed.tsv"

  # Round trip: the CSV export of the whole database, imported into a fresh one.
  local admin_key import_url
  admin_key=$("$BIN" user create --login bench-admin --password bench-admin-pass --admin --database-url "$url" | tail -1)
  curl -fs -H "X-Redmine-API-Key: $admin_key" "$base/contacts.csv" -o "$WORK/export.csv"
  if [ "$backend" = sqlite ]; then
    import_url="sqlite://$WORK/import.db"
  else
    psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS contacts_import" -c "CREATE DATABASE contacts_import"
    import_url="$PG_SERVER/contacts_import"
  fi
  "$BIN" seed --contacts 1 --projects 20 --users 50 --database-url "$import_url" >/dev/null
  local started_import
  started_import=$(date +%s.%N)
  "$BIN" import "$WORK/export.csv" --project project-1 --database-url "$import_url" >"$WORK/import.out" 2>"$WORK/import.log"
  fact "$backend" import_seconds "$(python3 -c "import time; print(f'{time.time() - $started_import:.1f}')")"
  # Rows actually imported, from the command's own summary ("imported N contacts in …").
  fact "$backend" import_rows "$(grep -o 'imported [0-9]*' "$WORK/import.out" | grep -o '[0-9]*')"
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the server stopped during the run; its log:" >&2
    tail -30 "$WORK/server.log" >&2
    exit 1
  fi
  fact "$backend" peak_rss_kb "$(awk '/VmHWM/ {print $2}' "/proc/$server/status")"
  fact "$backend" run_seconds $(( $(date +%s) - began ))
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

: >"$WORK/facts.tsv"
# The raw measurements are kept in target/bench after each backend, so that bench/report.py can
# be run again on them: python3 bench/report.py target/bench/results.tsv target/bench/facts.tsv ...
keep() { mkdir -p target/bench && cp "$RESULTS" "$WORK/facts.tsv" target/bench/; }
case "$BACKENDS" in
  all) bench_backend sqlite; keep; bench_backend postgres; keep ;;
  sqlite | postgres) bench_backend "$BACKENDS"; keep ;;
  *) echo "usage: bench/run.sh [all|sqlite|postgres]" >&2; exit 2 ;;
esac

python3 bench/report.py "$RESULTS" "$WORK/facts.tsv" "$CONTACTS" "$DURATION" "$REPS" "$BACKENDS" >BENCHMARKS.md
# Sections kept from their own last runs or written by hand: why targets are missed (with the
# measurements behind it), password guessing (bench/guessing.sh), import-redmine
# (bench/redmine_import.sh), rate limits (bench/rate_limits.sh), webhooks (bench/webhooks.sh).
for section in bench/misses.md bench/conditional.md bench/guessing.md bench/redmine_import.md bench/rate_limits.md bench/webhooks.md; do
  if [ -f "$section" ]; then printf '\n' >>BENCHMARKS.md; cat "$section" >>BENCHMARKS.md; fi
done
cat BENCHMARKS.md
