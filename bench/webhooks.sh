#!/usr/bin/env bash
# Issue 25's target: contact creates with 3 active webhooks against the same creates with none.
# A release build, a seeded database (SQLite; BACKEND=postgres for PostgreSQL), the server with
# --webhooks-allow-private, and examples/ceiling.rs as the receiver (it answers 200 to anything
# at once). Rounds alternate none / three hooks, so a busy moment of the machine falls on both;
# each round is wrk (2 threads x 32 connections) playing the create list of bench/urls.py
# (every request a new contact) for DURATION seconds. Prints a table for bench/webhooks.md, the
# section bench/run.sh appends to BENCHMARKS.md.
#
#   bench/webhooks.sh                       # 20,000 contacts, 2 rounds of 10 s
#   CONTACTS=100000 ROUNDS=3 DURATION=15 bench/webhooks.sh
#   BACKEND=postgres bench/webhooks.sh      # a fresh contacts_webhooks_bench database
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${BACKEND:-sqlite}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
CONTACTS=${CONTACTS:-20000}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10}
PORT=3911
RECEIVER_PORT=3912

if ! command -v wrk >/dev/null; then
  apt-get update && apt-get install -y wrk
fi
cargo build --release --locked --bin contacts-server --example ceiling
BIN=target/release/contacts-server
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

case "$BACKEND" in
  sqlite) url="sqlite://$WORK/bench.db" ;;
  postgres)
    psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS contacts_webhooks_bench" \
      -c "CREATE DATABASE contacts_webhooks_bench"
    url="$PG_SERVER/contacts_webhooks_bench" ;;
  *) echo "BACKEND is sqlite or postgres" >&2; exit 2 ;;
esac
KEY=$("$BIN" seed --contacts "$CONTACTS" --projects 20 --users 50 --database-url "$url" | tail -1)
# The hooks' owner (the CLI acts as the first admin).
"$BIN" user create --login bench-admin --password bench-admin-pass --admin --database-url "$url" >/dev/null
target/release/examples/ceiling "127.0.0.1:$RECEIVER_PORT" & PIDS+=($!)
RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$url" --webhooks-allow-private \
  >/dev/null 2>"$WORK/server.log" & PIDS+=($!)
for _ in $(seq 1 50); do
  curl -fs -H "X-Redmine-API-Key: $KEY" "http://127.0.0.1:$PORT/users/current.json" >/dev/null && break
  sleep 0.2
done
python3 bench/urls.py "$BACKEND" "$url" "http://127.0.0.1:$PORT" "$KEY" "$CONTACTS" "$WORK/lists" >/dev/null

# creates ROUND HOOKS: one wrk run of the create list; prints "round hooks req/s p50 p99".
creates() {
  wrk -t2 -c32 -d"${DURATION}s" --latency --timeout 10s -s bench/requests.lua "http://127.0.0.1:$PORT" \
    -- "$WORK/lists/create.tsv" "$KEY" 2 >"$WORK/wrk.out"
  python3 - "$1" "$2" "$WORK/wrk.out" <<'PY'
import re, sys
round_, hooks, path = sys.argv[1:]
text = open(path).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
print(f"| {round_} | {hooks} | {rps:,.0f} | {lat.get('50', '?')} | {lat.get('99', '?')} |")
PY
}

echo "| round | active hooks | creates/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  creates "$round" 0
  ids=()
  for _ in 1 2 3; do
    "$BIN" webhook create --url "http://127.0.0.1:$RECEIVER_PORT/" --event '*' --allow-private \
      --database-url "$url" >"$WORK/hook.out"
    ids+=("$(sed -n 's/^created webhook \([0-9]*\).*/\1/p' "$WORK/hook.out")")
  done
  creates "$round" 3
  for id in "${ids[@]}"; do "$BIN" webhook delete "$id" --database-url "$url" >/dev/null; done
done
