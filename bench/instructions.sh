#!/usr/bin/env bash
# Instructions per configurator live update, counted by valgrind's callgrind: a figure that
# does not move with the machine's load, where wall-clock times here vary by ±20 % from one
# minute to the next. Use it to compare two builds of `benches/configurator.rs`.
#
#   bench/instructions.sh [BENCH_BINARY]
#
# Without an argument, builds the bench (`cargo bench --bench configurator --no-run`) and
# uses it. For each of the three cases, runs it under callgrind for a few seconds and prints
# the instructions of one update (the routine's inclusive count over its calls; criterion's
# own bookkeeping is outside it). Needs valgrind (`apt-get install valgrind`). Takes about a
# minute.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind > /dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
bin=${1:-}
if [ -z "$bin" ]; then
  bin=$(cargo bench --locked --bench configurator --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*configurator-[^"]*"' | tail -1 | cut -d'"' -f4)
fi
[ -x "$bin" ] || { echo "no bench binary: $bin" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
echo "| case | instructions per update |"
echo "|---|---:|"
for case in "road, valid" "one conflict" "six forms"; do
  file="$out/cg.$(echo "$case" | tr -dc a-z)"
  valgrind --tool=callgrind --callgrind-out-file="$file" "$bin" --bench --profile-time 4 "$case" > /dev/null 2>&1
  # The caller tree names the routine's caller with its call count: "<Ir> < …Bencher<M>::iter (<calls>x)",
  # both with thousands separators.
  per=$(callgrind_annotate --tree=caller --inclusive=yes "$file" 2>/dev/null \
    | grep 'Bencher<M>::iter (' | head -1 | sed -E 's/^ *([0-9,]+).*\(([0-9,]+)x\).*/\1 \2/' | tr -d , \
    | awk '$2 > 0 { printf "%d", $1 / $2 }')
  echo "| $case | ${per:-?} |"
done
