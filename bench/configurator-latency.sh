#!/usr/bin/env bash
# The shop configurator's live update over HTTP (POST /shop/configure/road/live), as the
# customers' browsers send it: one signed-in customer per client, each sending the road
# bicycle's form again and again, alternating valid forms and forms with a conflict (the
# engine's repair is then part of the answer), over several different configurations.
#
#   bench/configurator-latency.sh [REQUESTS_EACH] [CLIENTS...]      (default: 200, 1 and 32)
#
# Builds the release binary and examples/configurator_latency.rs, starts the server on a
# fresh SQLite database (with the demo catalogs) on 127.0.0.1:${PORT:-18081}, runs the
# example once per client count, and prints throughput, p50, p99 and max with the load
# average before each run.
set -euo pipefail
cd "$(dirname "$0")/.."
each=${1:-200}
shift || true
clients=("$@")
[ ${#clients[@]} -eq 0 ] && clients=(1 32)
port=${PORT:-18081}
target=${CARGO_TARGET_DIR:-target}
[ -n "${BENCH_SKIP_BUILD:-}" ] || cargo build --release --locked --bin atelier --example configurator_latency
dir=$(mktemp -d)
cleanup() {
  kill "${server:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
export DATABASE_URL="sqlite://$dir/latency.db" ATELIER_ADDR="127.0.0.1:$port" RUST_LOG=warn
"$target/release/atelier" serve > "$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
for n in "${clients[@]}"; do
  echo "== $n client(s), $each updates each; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$target/release/examples/configurator_latency" "http://127.0.0.1:$port" "$n" "$each"
done
