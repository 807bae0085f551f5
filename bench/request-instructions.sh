#!/usr/bin/env bash
# Instructions the server spends per request of one kind of the mixed workload, counted by
# valgrind's callgrind: a figure that does not move with the machine's load (throughput here
# moved by ±20 % between runs of the same build). Use it to compare two builds.
#
#   bench/request-instructions.sh KIND [sqlite|postgres] [SECONDS]
#
# KIND is one of bench/mixed.lua's (order, shop_products, shop_live, staff_search, …). Starts
# the release server under callgrind on a fresh database with the mixed workload's fixture
# (bench/mixed-common.sh), warms up with a few requests, then counts only while wrk sends
# KIND over 4 connections for SECONDS (default 20): every thread of the server, HTTP, database
# client and the dispatcher's deliveries included (not the kernel's work, nor the database
# server's on PostgreSQL). Prints the requests and the instructions per request.
# BENCH_SKIP_BUILD=1 measures the binaries already built; CARGO_TARGET_DIR another build's;
# CALLGRIND_OUT=FILE keeps the profile (for callgrind_annotate). Needs valgrind and wrk. Takes
# about two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: bench/request-instructions.sh KIND [sqlite|postgres] [SECONDS]}
backend=${2:-sqlite}
seconds=${3:-20}
for tool in valgrind callgrind_control wrk; do
  command -v $tool > /dev/null || { echo "needs $tool (apt-get install valgrind wrk)" >&2; exit 2; }
done
. bench/mixed-common.sh
[ -n "${BENCH_SKIP_BUILD:-}" ] || mixed_build
out="$work/cg.out"
export BENCH_SERVER_WRAPPER="valgrind --tool=callgrind --callgrind-out-file=$out"
mixed_start "$backend" 3600
run_kind "$kind" 2 1 3 > /dev/null
# Counters are zeroed when wrk starts and dumped when it ends: start-up, migrations, the
# fixture and the warm-up are left out.
callgrind_control -z "$server" > /dev/null
read -r _ _ requests _ _ _ _ status_errors socket_errors < <(run_kind "$kind" 4 1 "$seconds")
callgrind_control -d "$server" > /dev/null
[ -z "${CALLGRIND_OUT:-}" ] || cp "$out.1" "$CALLGRIND_OUT"
# The first dump holds every thread's events since the zeroing: "summary: <Ir>".
total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out.1")
echo "$kind on $backend: $requests requests (errors: $status_errors status, $socket_errors socket), $total instructions"
awk -v t="$total" -v n="$requests" 'BEGIN { if (n > 0) printf "instructions per request: %d\n", t / n }'
