#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, starting from the seeds in fuzz/seeds/:
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     # 20 s each by default
#
# cargo-fuzz passes -Z flags to rustc; RUSTC_BOOTSTRAP=1 lets a stable toolchain take them.
# FUZZ_SANITIZER (none): Rust code needs no AddressSanitizer to find panics, and without it
# the build is cheaper; `address` checks the C and unsafe code too. A crash leaves its input
# in fuzz/artifacts/TARGET/; `cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...` replays it.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}
shift || true
targets=${*:-catalog_import measurement_parse form_decoders}
sanitizer=${FUZZ_SANITIZER:-none}
# A fuzz build instruments every crate, so it shares nothing with the main build and a cold
# one costs as much as a release build. One target dir per user, outside the work tree, lets
# every clone (CI's fresh one included) rebuild only what changed.
target_dir=${FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/atelier-fuzz-target}
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version > /dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
cargo fuzz build -s "$sanitizer" --target-dir "$target_dir"
for t in $targets; do
  mkdir -p "corpus/$t"
  echo "== fuzz $t for ${seconds} s"
  # The new corpus first: libFuzzer writes what it finds there, never into the seeds.
  log=$(mktemp)
  if ! cargo fuzz run -s "$sanitizer" --target-dir "$target_dir" "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $t failed; its input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$log" || true
  rm -f "$log"
done
