#!/usr/bin/env bash
# Soak: the mixed workload at a moderate rate for a long time (on demand, not in CI).
#
#   bench/soak.sh sqlite|postgres [SECONDS]        # 1800 = the 30-minute soak
#
# Every kind of bench/load-mixed.sh at once, one wrk process each, with MIX connections
# (default 1 or 2 per kind) that each wait DELAY_MS (default 20 ms) before every request.
# Prints the server's RSS at the start, every SOAK_INTERVAL seconds (60) and at the end,
# with the load average and any error in the server log, then the per-kind table (errors
# must be 0) and the receiver's count (duplicates and bad signatures must be 0).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
seconds=${2:-1800}
interval=${SOAK_INTERVAL:-60}
mix=${MIX:-"staff_search:2 staff_customer:2 staff_measure:1 shop_products:2 shop_live:2 order:2 pull:1 factory:2"}
export DELAY_MS=${DELAY_MS:-20}
. bench/mixed-common.sh
mixed_build
# The receiver outlives the load by 20 s, so the dispatcher can deliver the last orders.
mixed_start "$backend" $((seconds + 20))
memory_start=$(memory "$server")
load_start=$(load_average)
echo "soak: $backend, $seconds s, connections \"$mix\", ${DELAY_MS} ms between requests per connection"
echo "t=0 s: server $memory_start; load average $load_start"
mixed_phase "$seconds" "$mix" > "$work/soak.txt" &
load=$!
started=$(date +%s)
next=$interval
while kill -0 "$load" 2>/dev/null; do
  sleep 1
  elapsed=$(( $(date +%s) - started ))
  # A loaded machine can make a turn of this loop last over a second: a report is due once
  # the time is reached, not only on the exact second.
  if [ "$elapsed" -ge "$next" ] && kill -0 "$load" 2>/dev/null; then
    next=$((next + interval))
    echo "t=$elapsed s: server $(memory "$server"); load average $(load_average); server log errors $(grep -cE 'ERROR|panicked' "$work/server.log" || true)"
  fi
done
wait "$load"
memory_end=$(memory "$server")
echo "t=$(( $(date +%s) - started )) s (end): server $memory_end; load average $(load_average)"
receiver_line=$(receiver_report)
echo
echo "### Soak, $backend, $seconds s ($(date -u +%Y-%m-%d))"
echo
echo "\`bench/soak.sh $backend $seconds\`: server $memory_start at the start, $memory_end at the end; load average $load_start at the start."
echo
echo "| kind | connections | requests/s | of hello world | p50 | p99 | errors | target |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
result_table 0 0 0 < "$work/soak.txt"
echo
echo "Receiver (push factory, every signature verified): $receiver_line"
errors=$(grep -cE 'ERROR|panicked' "$work/server.log" || true)
echo "Server log lines with an error: $errors"
[ "$errors" -eq 0 ] || grep -E 'ERROR|panicked' "$work/server.log" | head -n 20
