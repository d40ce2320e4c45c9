#!/usr/bin/env bash
# The benchmark: builds release binaries, seeds a fresh database, starts the server and drives
# it with wrk (2 threads x 32 connections, a warm-up then DURATION seconds per scenario, REPS
# repetitions), and drives the minimal actix-web server of examples/ceiling.rs the same way in
# the same run. Writes BENCHMARKS.md.
#
#   bench/run.sh                  # SQLite and PostgreSQL, 1,000,000 contacts
#   bench/run.sh sqlite           # one backend
#   CONTACTS=100000 DURATION=5 REPS=1 bench/run.sh sqlite    # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${1:-all}
CONTACTS=${CONTACTS:-1000000}
DURATION=${DURATION:-15}
REPS=${REPS:-3}
WARMUP=${WARMUP:-5}
THREADS=2
CONNECTIONS=32
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
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

# run_wrk BACKEND SCENARIO URL [LUA]: a warm-up, then REPS measured runs, one line each.
run_wrk() {
  local backend=$1 scenario=$2 url=$3 lua=${4:-$WORK/auth.lua}
  wrk -t$THREADS -c$CONNECTIONS -d${WARMUP}s -s "$lua" "$url" >/dev/null
  for rep in $(seq 1 "$REPS"); do
    wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s "$lua" "$url" >"$WORK/wrk.out"
    python3 - "$backend" "$scenario" "$rep" "$WORK/wrk.out" >>"$RESULTS" <<'PY'
import re, sys
backend, scenario, rep, path = sys.argv[1:]
text = open(path).read()
def ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors:.*", text)
print("\t".join([backend, scenario, rep, f"{rps:.1f}", f"{p50:.3f}", f"{p99:.3f}", bad.group(1) if bad else "0",
                 "1" if errors else "0"]))
PY
  done
}

# run_probe BACKEND SCENARIO BASE PATH_PREFIX KEY: one request at a time (bench/probe.py), a
# warm-up then REPS measured runs.
run_probe() {
  local backend=$1 scenario=$2 base=$3 prefix=$4 key=$5
  python3 bench/probe.py "$backend" "$scenario" 0 "$base" "$prefix" "$key" "$WARMUP" >/dev/null
  for rep in $(seq 1 "$REPS"); do
    python3 bench/probe.py "$backend" "$scenario" "$rep" "$base" "$prefix" "$key" "$DURATION" >>"$RESULTS"
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

bench_backend() {
  local backend=$1 url
  if [ "$backend" = sqlite ]; then
    url="sqlite://$WORK/bench.db"
  else
    psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS contacts_bench" -c "CREATE DATABASE contacts_bench"
    url="$PG_SERVER/contacts_bench"
  fi
  echo "== $backend: seeding $CONTACTS contacts"
  local started=$(date +%s.%N)
  local key
  key=$("$BIN" seed --contacts "$CONTACTS" --projects 20 --users 50 --database-url "$url" | tail -1)
  local seeded=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
  echo -e "$backend\tseed_seconds\t$seeded" >>"$WORK/facts.tsv"

  "$CEILING" "127.0.0.1:$CEILING_PORT" & PIDS+=($!)
  local t0=$(date +%s%N)
  # Access logs off (warnings stay): the ceiling writes none either.
  RUST_LOG=warn DATABASE_URL="$url" "$BIN" serve --bind "127.0.0.1:$PORT" >/dev/null 2>"$WORK/server.log" & local server=$!
  PIDS+=("$server")
  wait_for "http://127.0.0.1:$PORT/users/current.json" "$key"
  echo -e "$backend\tstartup_ms\t$(( ($(date +%s%N) - t0) / 1000000 ))" >>"$WORK/facts.tsv"
  # The first list counts the member's visible contacts; later ones find the total remembered.
  local cold
  cold=$(curl -fs -o /dev/null -w "%{time_total}" -H "X-Redmine-API-Key: $key" "http://127.0.0.1:$PORT/contacts.json?limit=25")
  echo -e "$backend\tcold_list_ms\t$(python3 -c "print(round($cold * 1000))")" >>"$WORK/facts.tsv"
  wait_for "http://127.0.0.1:$CEILING_PORT/"

  local base="http://127.0.0.1:$PORT"
  local ids
  ids=$(curl -fs -H "X-Redmine-API-Key: $key" "$base/projects/project-1/contacts.json?limit=100" |
    python3 -c 'import json,sys; print(",".join(str(c["id"]) for c in json.load(sys.stdin)["contacts"]))')
  local one=${ids%%,*}
  local digits
  digits=$(curl -fs -H "X-Redmine-API-Key: $key" "$base/contacts/$one.json" |
    python3 -c 'import json,sys; p=json.load(sys.stdin)["contact"]["phones"][0]["number"]; print("".join(c for c in p if c.isdigit())[-7:])')

  cat >"$WORK/auth.lua" <<LUA
wrk.headers["X-Redmine-API-Key"] = "$key"
LUA
  cat >"$WORK/create.lua" <<LUA
wrk.method = "POST"
wrk.headers["X-Redmine-API-Key"] = "$key"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"contact": {"first_name": "Bench", "last_name": "Mark", "phone": "+1 555 0100", "email": "bench@example.com", "tag_list": "bench,load", "address_attributes": {"city": "Oslo", "country_code": "NO"}}}'
LUA
  cat >"$WORK/update.lua" <<LUA
wrk.headers["X-Redmine-API-Key"] = "$key"
wrk.headers["Content-Type"] = "application/json"
local ids = { $ids }
local n = 0
request = function()
  n = n + 1
  return wrk.format("PUT", "/contacts/" .. ids[(n % #ids) + 1] .. ".json", nil,
    '{"contact": {"job_title": "Updated ' .. n .. '"}}')
end
LUA
  cat >"$WORK/mixed.lua" <<LUA
wrk.headers["X-Redmine-API-Key"] = "$key"
wrk.headers["Content-Type"] = "application/json"
local ids = { $ids }
local n = 0
request = function()
  n = n + 1
  local pick = n % 10
  if pick < 2 then
    return wrk.format("POST", "/projects/project-1/contacts.json", nil, '{"contact": {"first_name": "Mixed", "phone": "+1 555 0199"}}')
  elseif pick < 5 then
    return wrk.format("GET", "/contacts.json?limit=25")
  else
    return wrk.format("GET", "/contacts/" .. ids[(n % #ids) + 1] .. ".json")
  end
end
LUA

  # fresh_lua NAME PATH: a script whose every request is a URL not asked before (a `fresh=`
  # parameter the server ignores), so no answer comes from memory: the database path.
  fresh_lua() {
    cat >"$WORK/$1.lua" <<LUA
wrk.headers["X-Redmine-API-Key"] = "$key"
-- Each wrk run (the warm-up, every repetition) its own token: no URL is asked twice.
math.randomseed(os.time())
local run = tostring(os.time()) .. "-" .. tostring(math.random(1000000))
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "$2" .. "fresh=" .. run .. "-" .. tid .. "-" .. n)
end
LUA
  }
  fresh_lua show_fresh "/contacts/$one.json?"
  fresh_lua list_fresh "/contacts.json?limit=25&"
  fresh_lua name_fresh "/contacts.json?search=lovel&"
  fresh_lua phone_fresh "/contacts.json?search=$digits&"
  fresh_lua tag_fresh "/contacts.json?tags=tag-07&"

  echo "== $backend: scenarios"
  run_wrk "$backend" ceiling "http://127.0.0.1:$CEILING_PORT/"
  # Reads first, on the seeded data as it is; then the writes, which add rows at the top of
  # every list.
  run_wrk "$backend" show_json "$base/contacts/$one.json"
  run_wrk "$backend" show_xml "$base/contacts/$one.xml"
  run_wrk "$backend" list25_json "$base/contacts.json?limit=25"
  run_wrk "$backend" list25_xml "$base/contacts.xml?limit=25"
  run_wrk "$backend" list100_include_projects "$base/contacts.json?limit=100&include=projects"
  run_wrk "$backend" search_name "$base/contacts.json?search=lovel"
  run_wrk "$backend" search_phone "$base/contacts.json?search=$digits"
  run_wrk "$backend" filter_tag "$base/contacts.json?tags=tag-07"
  # The same reads with every URL new, so each goes to the database (totals stay remembered).
  run_wrk "$backend" show_json_fresh "$base" "$WORK/show_fresh.lua"
  run_wrk "$backend" list25_json_fresh "$base" "$WORK/list_fresh.lua"
  run_wrk "$backend" search_name_fresh "$base" "$WORK/name_fresh.lua"
  run_wrk "$backend" search_phone_fresh "$base" "$WORK/phone_fresh.lua"
  run_wrk "$backend" filter_tag_fresh "$base" "$WORK/tag_fresh.lua"
  # The latency of one request at a time, without 32 clients queueing behind each other, on
  # new URLs.
  run_probe "$backend" list25_json@1 "$base" "/contacts.json?limit=25&" "$key"
  run_probe "$backend" search_name@1 "$base" "/contacts.json?search=lovel&" "$key"
  run_probe "$backend" search_phone@1 "$base" "/contacts.json?search=$digits&" "$key"
  run_wrk "$backend" create "$base/projects/project-1/contacts.json" "$WORK/create.lua"
  run_wrk "$backend" update "$base/contacts.json" "$WORK/update.lua"
  run_wrk "$backend" mixed_80r_20w "$base/contacts.json" "$WORK/mixed.lua"

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
  echo -e "$backend\timport_seconds\t$(python3 -c "import time; print(f'{time.time() - $started_import:.1f}')")" >>"$WORK/facts.tsv"
  # Rows actually imported, from the command's own summary ("imported N contacts in …").
  echo -e "$backend\timport_rows\t$(grep -o 'imported [0-9]*' "$WORK/import.out" | grep -o '[0-9]*')" >>"$WORK/facts.tsv"
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the server stopped during the run; its log:" >&2
    tail -30 "$WORK/server.log" >&2
    exit 1
  fi
  local peak
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  echo -e "$backend\tpeak_rss_kb\t$peak" >>"$WORK/facts.tsv"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

: >"$WORK/facts.tsv"
case "$BACKENDS" in
  all) bench_backend sqlite; bench_backend postgres ;;
  sqlite | postgres) bench_backend "$BACKENDS" ;;
  *) echo "usage: bench/run.sh [all|sqlite|postgres]" >&2; exit 2 ;;
esac

python3 bench/report.py "$RESULTS" "$WORK/facts.tsv" "$CONTACTS" "$DURATION" "$REPS" "$BACKENDS" >BENCHMARKS.md
# import-redmine's section (bench/redmine_import.sh) is kept from its own last run.
if [ -f bench/redmine_import.md ]; then printf '\n' >>BENCHMARKS.md; cat bench/redmine_import.md >>BENCHMARKS.md; fi
cat BENCHMARKS.md
