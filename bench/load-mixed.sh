#!/usr/bin/env bash
# Mixed workload against a release build, with actix-web's hello world as the ceiling.
#
#   bench/load-mixed.sh sqlite|postgres [SECONDS]
#
# 1. hello world (examples/hello.rs) with wrk -t2 -c32 for HELLO_SECONDS (10): the ceiling;
# 2. each request kind alone, wrk -t2 -c32 for SOLO_SECONDS (10; 0 skips): the figures the
#    targets are about, as a ratio to the ceiling (KINDS: only these); pages and the live
#    update with their answers unread, then checked in a second pass (see solo_kind);
# 3. every kind at once for SECONDS (30), one wrk process per kind with its own connections
#    (MIX, "kind:connections ..."): fitters searching, reading customer pages and saving
#    measurements, customers on the shop and the configurator's live update, the sales
#    channel placing orders, the factory pulling, claiming, acknowledging and posting events,
#    and the dispatcher pushing every apparel work order to the signature-verifying receiver.
# Prints ready-to-paste Markdown tables and the load average. Needs wrk; PostgreSQL on
# 127.0.0.1:5432 for postgres. The kinds are described in bench/mixed.lua.
# BENCH_SKIP_BUILD=1 measures the binaries already built (CARGO_TARGET_DIR: another build's).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
seconds=${2:-30}
hello_seconds=${HELLO_SECONDS:-10}
solo=${SOLO_SECONDS:-10}
# pull and factory run before order: pull starts caught up, factory claims the fixture's backlog.
# KINDS narrows the solo runs (e.g. KINDS="pull shop_live"); the order above matters.
kinds=${KINDS:-"staff_search staff_customer staff_measure shop_products shop_live pull factory order"}
mix=${MIX:-"staff_search:4 staff_customer:4 staff_measure:2 shop_products:4 shop_live:8 order:8 pull:2 factory:4"}
. bench/mixed-common.sh
[ -n "${BENCH_SKIP_BUILD:-}" ] || mixed_build
n_kinds=$(echo "$kinds" | wc -w)
solo_total=0
[ "$solo" -gt 0 ] && solo_total=$((solo * n_kinds + 4 * n_kinds))
load_before=$(load_average)
# The receiver lives past the whole run; receiver_report stops it once the load is done.
mixed_start "$backend" $((hello_seconds + solo_total + seconds + 60))
memory_start=$(memory "$server")

# In a session of its own, as the server is (see mixed_start in bench/mixed-common.sh).
setsid "$target/release/examples/hello" "127.0.0.1:$hello_port" &
hello=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$hello_port/" > /dev/null && break; sleep 0.05; done
cpu_before=$(cpu_ticks "$hello")
run_kind hello 32 2 "$hello_seconds" "http://127.0.0.1:$hello_port" > "$work/hello.txt"
cpu_line hello "$cpu_before" "$(cpu_ticks "$hello")" "$(awk '{print $3}' "$work/hello.txt")" > "$work/cpu.txt"
kill "$hello"; wait "$hello" 2>/dev/null || true; hello=""
hello_rps=$(awk '{print $5}' "$work/hello.txt")

# Each kind runs with CHECK=0: bench/mixed.lua then leaves the answers of the page kinds and
# the live update unread, as hello world's are (reading every body into Lua cost the client as
# much CPU as the server spent on a page, on the same two cores); the other kinds read them
# anyway. A second pass of 2 s then sends the same kind of requests and checks every answer's
# status (a redirect to sign-in is an error); its errors are added to the row.
solo_kind() {
  local measured checked before
  before=$(cpu_ticks "$server")
  measured=$(CHECK=0 run_kind "$1" 32 2 "$solo")
  cpu_line "$1" "$before" "$(cpu_ticks "$server")" "$(echo "$measured" | awk '{print $3}')" >> "$work/cpu.txt"
  checked=$(run_kind "$1" 4 1 2)
  # RESULT kind requests seconds rps p50 p99 status_errors socket_errors, twice.
  echo "$measured $checked" | awk '{ print $1, $2, $3, $4, $5, $6, $7, $8 + $17, $9 + $18 }'
}

: > "$work/solo.txt"
if [ "$solo" -gt 0 ]; then
  for kind in $kinds; do
    solo_kind "$kind" >> "$work/solo.txt"
    sleep 1
  done
fi
mixed_phase "$seconds" "$mix" > "$work/mixed.txt"
load_after=$(load_average)
memory_end=$(memory "$server")
receiver_line=$(receiver_report)

order_target=3000
[ "$backend" = postgres ] && order_target=1000
echo
echo "### Mixed workload, $backend ($(date -u +%Y-%m-%d))"
echo
echo "\`bench/load-mixed.sh $backend $seconds\` (hello ${hello_seconds} s, each kind alone ${solo} s, all together ${seconds} s)."
echo "Load average before: $load_before; after: $load_after. Server memory: $memory_start at start, $memory_end at the end."
echo
awk '{printf "actix-web hello world (examples/hello.rs, wrk -t2 -c32): **%.0f requests/s**, p50 %.2f ms, p99 %.2f ms, errors %d\n", $5, $6, $7, $8 + $9}' "$work/hello.txt"
if [ -s "$work/solo.txt" ]; then
  echo
  echo "Each kind alone (wrk -t2 -c32):"
  echo
  echo "| kind | connections | requests/s | of hello world | p50 | p99 | errors | target |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
  result_table 1 "$hello_rps" "$order_target" < "$work/solo.txt"
  echo
  echo "Server CPU per request, each kind alone (from /proc/PID/stat; on PostgreSQL the database"
  echo "server's own CPU is not in it). Hello world's is what every request costs at least:"
  echo
  echo "| kind | user µs | system µs | total µs | times hello world's |"
  echo "|---|---:|---:|---:|---:|"
  awk '$1 == "hello" { hello = $2 + $3 }
    { printf "| %s | %.1f | %.1f | %.1f | %s |\n", $1, $2, $3, $2 + $3, (hello > 0 ? sprintf("%.1f", ($2 + $3) / hello) : "—") }' "$work/cpu.txt"
fi
echo
echo "All kinds at once for $seconds s (one wrk process per kind, -t1):"
echo
echo "| kind | connections | requests/s | of hello world | p50 | p99 | errors | target |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
result_table 0 "$hello_rps" "$order_target" < "$work/mixed.txt"
echo
echo "Receiver (push factory, every signature verified): $receiver_line"
if grep -qE 'ERROR|panicked' "$work/server.log"; then
  echo
  echo "Server log errors (ERROR or panicked):"
  grep -E 'ERROR|panicked' "$work/server.log" | head -n 20
fi
