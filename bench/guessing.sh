#!/usr/bin/env bash
# Password guessing against a live server (issue 21 item 4): 64 wrk connections send HTTP Basic
# requests with a wrong password for one login while one client, alone on its connection,
# sends key-authenticated GET /contacts.json?limit=25 one after another; that client's latency
# is the figure (p50 and p99). Three runs on a fresh seeded database each: no guessing, guessing
# with the default throttle (the guessers are soon answered 429), and guessing with the
# throttle off (--login-max-failures 0 --login-max-failures-per-address 0: every guess costs an
# argon2 check, as from a botnet of addresses and logins), which is what the password-check
# semaphore alone has to hold. Prints a Markdown table for BENCHMARKS.md.
#
#   bench/guessing.sh                  # SQLite
#   bench/guessing.sh postgres         # PostgreSQL on $PG_SERVER
#   DURATION=10 bench/guessing.sh      # seconds of measuring per run (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${1:-sqlite}
DURATION=${DURATION:-20}
CONTACTS=${CONTACTS:-10000}
GUESSERS=${GUESSERS:-64}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-3911}
BIN=${BIN:-target/release/contacts-server}

if ! command -v wrk >/dev/null; then
  apt-get update && apt-get install -y wrk
fi
[ -x "$BIN" ] || cargo build --release --locked --bin contacts-server
WORK=$(mktemp -d)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

fresh_database() {
  if [ "$BACKEND" = postgres ]; then
    psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS contacts_guessing" -c "CREATE DATABASE contacts_guessing"
    echo "$PG_SERVER/contacts_guessing"
  else
    rm -f "$WORK"/guessing.db*
    echo "sqlite://$WORK/guessing.db"
  fi
}

# measure SCENARIO GUESSING SERVER_ARGS...: one row of the table.
measure() {
  local scenario=$1 guessing=$2
  shift 2
  local url key
  url=$(fresh_database)
  key=$("$BIN" seed --contacts "$CONTACTS" --projects 5 --users 10 --database-url "$url" | tail -1)
  "$BIN" user create --login victim --password "the-right-password" --database-url "$url" >/dev/null
  RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$url" "$@" >/dev/null 2>"$WORK/server.log" &
  SERVER=$!
  for _ in $(seq 1 500); do
    curl -fs -o /dev/null -H "X-Redmine-API-Key: $key" "http://127.0.0.1:$PORT/users/current.json" && break
    sleep 0.02
  done
  curl -fs -o /dev/null -H "X-Redmine-API-Key: $key" "http://127.0.0.1:$PORT/users/current.json" ||
    { echo "the server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }
  local wrk_pid=
  if [ "$guessing" = yes ]; then
    # The same wrong password each time: the server checks every one all the same.
    local basic
    basic=$(printf 'victim:a-wrong-guess' | base64)
    wrk -t1 -c"$GUESSERS" -d$((DURATION + 4))s -H "Authorization: Basic $basic" \
      "http://127.0.0.1:$PORT/users/current.json" >"$WORK/wrk.out" &
    wrk_pid=$!
    sleep 2
  fi
  python3 - "$PORT" "$key" "$DURATION" >"$WORK/probe.out" <<'PY'
import http.client, sys, time
port, key, duration = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
times, failed, end = [], 0, time.monotonic() + duration
while time.monotonic() < end:
    started = time.monotonic()
    try:
        conn.request("GET", "/contacts.json?limit=25", headers={"X-Redmine-API-Key": key})
        res = conn.getresponse()
        res.read()
        failed += res.status != 200
    except (http.client.HTTPException, OSError):
        # A closed keep-alive connection: counted as a failure, then a new connection.
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        failed += 1
    times.append((time.monotonic() - started) * 1000)
    time.sleep(0.005)
times.sort()
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"{len(times)}\t{failed}\t{pick(0.5):.2f}\t{pick(0.99):.2f}\t{times[-1]:.2f}")
PY
  local guesses="-"
  if [ -n "$wrk_pid" ]; then
    wait "$wrk_pid"
    guesses=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  fi
  local throttled
  throttled=$(curl -s -o /dev/null -w "%{http_code}" -u victim:the-right-password "http://127.0.0.1:$PORT/users/current.json")
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  IFS=$'\t' read -r n failed p50 p99 max <"$WORK/probe.out"
  echo "| $BACKEND | $scenario | $guesses | $n | $failed | $p50 ms | $p99 ms | $max ms | $throttled |"
}

echo "| backend | scenario | guesses/s answered | key requests | non-200 | p50 | p99 | max | right password after |"
echo "|---|---|---|---|---|---|---|---|---|"
measure "no guessing" no
measure "$GUESSERS guessers, default throttle" yes
measure "$GUESSERS guessers, throttle off" yes --login-max-failures 0 --login-max-failures-per-address 0
