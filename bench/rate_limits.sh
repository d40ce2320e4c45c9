#!/usr/bin/env bash
# The cost of the API rate limits (issue 23 item 8): one release binary, one seeded SQLite
# database, the server started with limits off and on (counted and reconciled every second,
# never refused), interleaved twice; wrk, 2 threads x 16 connections, 8 s per route. Needs a
# release build (cargo build --release) and wrk. Prints round, mode, route, req/s, p50, p99.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/contacts-server
W=$(mktemp -d)
URL=sqlite://$W/contacts.db
$BIN seed --contacts 20000 --database-url $URL >/dev/null 2>&1
KEY=$($BIN user create --login bench --password bench-password-1 --admin --database-url $URL 2>/dev/null | tail -1)
PORT=3931
for round in 1 2; do
  for mode in off on; do
    extra=()
    [ $mode = on ] && extra=(--rate-limit-reads 1000000000 --rate-limit-window-secs 60)
    $BIN serve --bind 127.0.0.1:$PORT --workers 2 --database-url $URL "${extra[@]}" >/dev/null 2>&1 &
    pid=$!
    sleep 1.5
    for path in "/users/current.json" "/contacts.json?limit=25"; do
      out=$(wrk -t2 -c16 -d8s --latency -H "X-Redmine-API-Key: $KEY" "http://127.0.0.1:$PORT$path")
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1=="50%" {print $2}')
      p99=$(echo "$out" | awk '$1=="99%" {print $2}')
      hdr=$(curl -s -o /dev/null -D - -H "X-Redmine-API-Key: $KEY" "http://127.0.0.1:$PORT$path" | grep -ci x-ratelimit || true)
      echo -e "$round\t$mode\t$path\t$rps\t$p50\t$p99\theaders=$hdr"
    done
    kill $pid; wait $pid 2>/dev/null || true
  done
done
