#!/usr/bin/env bash
# Instructions the server spends per order placed over HTTP, counted by valgrind's callgrind:
# a figure that does not move with the machine's load (order throughput here moved by ±20 %
# between runs of the same build). Use it to compare two builds of order placement.
#
#   bench/order-instructions.sh [sqlite|postgres] [SECONDS]
#
# Starts the release server under callgrind on a fresh database (the factory pulls, so no
# delivery work is counted), prepares it with `examples/bench_fixture`, then counts only
# while wrk places jersey orders (`bench/place_orders.lua`, 4 connections) for SECONDS
# (default 20): every thread of the server, HTTP and database included. Prints the orders
# placed and the instructions per order. Needs valgrind and wrk; BENCH_SKIP_BUILD=1 measures
# the binaries already built; CARGO_TARGET_DIR picks another build; CALLGRIND_OUT=FILE keeps
# the profile (for callgrind_annotate). Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
seconds=${2:-20}
target=${CARGO_TARGET_DIR:-target}
port=${BENCH_SERVER_PORT:-18080}
for tool in valgrind callgrind_control wrk; do
  command -v $tool > /dev/null || { echo "needs $tool (apt-get install valgrind wrk)" >&2; exit 2; }
done
[ -n "${BENCH_SKIP_BUILD:-}" ] || cargo build --release --locked --bin atelier --example bench_fixture
dir=$(mktemp -d)
pgdb=""
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$pgdb" ] && dropdb -h 127.0.0.1 -U postgres --if-exists "$pgdb" || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
case $backend in
  sqlite) export DATABASE_URL="sqlite://$dir/load.db" ;;
  postgres)
    pgdb="atelier_instr_$$"
    createdb -h 127.0.0.1 -U postgres "$pgdb"
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$pgdb" ;;
  *) echo "backend must be sqlite or postgres" >&2; exit 2 ;;
esac
export ATELIER_ADDR=127.0.0.1:$port RUST_LOG=warn
# Counters are zeroed when wrk starts and dumped when it ends: start-up, migrations and the
# fixture are left out.
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
  "$target/release/atelier" serve > "$dir/server.log" 2>&1 &
server=$!
ready=""
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null && ready=1 && break; sleep 0.2; done
if [ -z "$ready" ]; then
  echo "the server did not start on port $port (BENCH_SERVER_PORT):" >&2
  cat "$dir/server.log" >&2
  exit 1
fi
read -r key customer _secret _token < <(CUSTOMERS_FILE="$dir/customers.txt" "$target/release/examples/bench_fixture")
# A few orders first, so that caches and connections are warm when counting starts.
KEY=$key CUSTOMER=$customer CUSTOMERS_FILE="$dir/customers.txt" wrk -t1 -c2 -d3s -s bench/place_orders.lua "http://127.0.0.1:$port" > /dev/null
callgrind_control -z "$server" > /dev/null
KEY=$key CUSTOMER=$customer CUSTOMERS_FILE="$dir/customers.txt" wrk -t1 -c4 -d"${seconds}s" -s bench/place_orders.lua "http://127.0.0.1:$port" | tail -n 1 > "$dir/wrk.txt"
callgrind_control -d "$server" > /dev/null
[ -z "${CALLGRIND_OUT:-}" ] || cp "$dir/cg.out.1" "$CALLGRIND_OUT"
orders=$(sed -n 's/.*requests \([0-9]*\);.*/\1/p' "$dir/wrk.txt")
failed=$(sed -n 's/.*not 201: \([0-9]*\);.*/\1/p' "$dir/wrk.txt")
# The first dump holds every thread's events since the zeroing: "summary: <Ir>".
total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$dir/cg.out.1")
echo "$backend: ${orders:-0} orders placed (not 201: ${failed:-?}), $total instructions"
awk -v t="$total" -v n="${orders:-0}" 'BEGIN { if (n > 0) printf "instructions per order: %d\n", t / n }'
