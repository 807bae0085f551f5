#!/usr/bin/env bash
# Order placement over HTTP (sales-channel API, 32 concurrent clients by default) with the
# dispatcher pushing every work order to a local, signature-verifying factory receiver.
#
#   bench/load-orders.sh sqlite|postgres [SECONDS] [CONNECTIONS] [push|pull|backlog]
#
# backlog: no HTTP load; 20,000 orders are placed at once and the dispatcher drains them to
# the receiver: the delivery rate on its own.
# Builds the release binary and the two helpers in examples/, starts everything on a fresh
# database, runs wrk, prints wrk's figures and the receiver's (deliveries/s, commit->receipt
# latency, duplicates, bad signatures). Needs wrk; PostgreSQL on 127.0.0.1:5432 for postgres.
# BENCH_SKIP_BUILD=1 skips the release build. Ports: BENCH_SERVER_PORT (default 18080) and
# BENCH_RECEIVER_PORT (default 18099), so two runs can share a machine.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
seconds=${2:-10}
connections=${3:-32}
mode=${4:-push}
target=${CARGO_TARGET_DIR:-target}
server_port=${BENCH_SERVER_PORT:-18080}
receiver_port=${BENCH_RECEIVER_PORT:-18099}
# BENCH_SKIP_BUILD=1 measures the binaries already built (e.g. while the sources change).
[ -n "${BENCH_SKIP_BUILD:-}" ] || cargo build --release --locked --bin atelier --example bench_fixture --example webhook_receiver
dir=$(mktemp -d)
pgdb=""
cleanup() {
  kill "${server:-}" "${receiver:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$pgdb" ] && dropdb -h 127.0.0.1 -U postgres --if-exists "$pgdb" || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
case $backend in
  sqlite) export DATABASE_URL="sqlite://$dir/load.db" ;;
  postgres)
    pgdb="atelier_load_$$"
    createdb -h 127.0.0.1 -U postgres "$pgdb"
    # The server and the app share the machine: no TLS on loopback (PG_SSLMODE=prefer, libpq's
    # default, encrypts every query when the server offers it, as Debian's does).
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$pgdb?sslmode=${PG_SSLMODE:-disable}" ;;
  *) echo "backend must be sqlite or postgres" >&2; exit 2 ;;
esac
export ATELIER_ADDR=127.0.0.1:$server_port RUST_LOG=warn
# The receiver listens on loopback, which the SSRF guard refuses unless allowed.
export ATELIER_WEBHOOK_ALLOW_PRIVATE=true
# In a session of its own, not in wrk's: where the kernel groups CPU time by session, a server
# sharing wrk's group starved PostgreSQL's backends for up to two seconds at a time (see
# mixed_start in bench/mixed-common.sh). `setsid` replaces itself, so $! is the server's pid.
setsid "$target/release/atelier" serve > "$dir/server.log" 2>&1 &
server=$!
ready=""
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$server_port/readyz" > /dev/null && ready=1 && break; sleep 0.1; done
if [ -z "$ready" ]; then
  echo "the server did not start on port $server_port (BENCH_SERVER_PORT):" >&2
  cat "$dir/server.log" >&2
  exit 1
fi
# The figures are only comparable with the machine's load noted beside them.
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
push_url=""
[ "$mode" != pull ] && push_url="http://127.0.0.1:$receiver_port/hooks"
backlog=0
[ "$mode" = backlog ] && backlog=20000
if [ "$mode" = backlog ]; then
  # The receiver listens before the first event can be sent.
  secret="whsec_$(head -c 32 /dev/urandom | base64)"
  "$target/release/examples/webhook_receiver" 127.0.0.1:$receiver_port "$secret" "$seconds" > "$dir/receiver.txt" &
  receiver=$!
  echo "== $backend, backlog of $backlog orders"
  SECRET=$secret BACKLOG=$backlog "$target/release/examples/bench_fixture" $push_url > /dev/null
  wait "$receiver"
  receiver=""
  cat "$dir/receiver.txt"
  exit 0
fi
read -r key customer secret _factory_token < <(CUSTOMERS_FILE="$dir/customers.txt" "$target/release/examples/bench_fixture" $push_url)
if [ "$mode" = push ]; then
  "$target/release/examples/webhook_receiver" 127.0.0.1:$receiver_port "$secret" "$seconds" > "$dir/receiver.txt" &
  receiver=$!
fi
echo "== $backend, $connections connections, $seconds s, $mode"
# The server's CPU time per order (user + system, from /proc) is steadier than orders/s when
# other work shares the machine.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
before=$(cpu_ticks)
KEY=$key CUSTOMER=$customer CUSTOMERS_FILE="$dir/customers.txt" wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/place_orders.lua "http://127.0.0.1:$server_port" | tail -n 1 | tee "$dir/wrk.txt"
after=$(cpu_ticks)
requests=$(sed -n 's/.*requests \([0-9]*\);.*/\1/p' "$dir/wrk.txt")
awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="${requests:-0}" \
  'BEGIN { if (n > 0) printf "server CPU %.1f s, %.0f us per order\n", t / hz, t / hz / n * 1e6 }'
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$mode" = push ]; then
  wait "$receiver"
  receiver=""
  cat "$dir/receiver.txt"
fi
