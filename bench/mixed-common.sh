# Shared by bench/load-mixed.sh and bench/soak.sh (sourced, from the repository's root):
# builds what the mixed workload needs, starts the server on a fresh database, the
# signature-verifying factory receiver and the fixture, and runs one wrk process per kind.
# Ports: ATELIER_PORT (18082), HELLO_PORT (18083), RECEIVER_PORT (18098).

target=${CARGO_TARGET_DIR:-target}
server_port=${ATELIER_PORT:-18082}
hello_port=${HELLO_PORT:-18083}
receiver_port=${RECEIVER_PORT:-18098}
base="http://127.0.0.1:$server_port"
work=$(mktemp -d)
pgdb=""
server=""
receiver=""
hello=""

mixed_cleanup() {
  for pid in $server $receiver $hello; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$pgdb" ]; then dropdb -h 127.0.0.1 -U postgres --if-exists "$pgdb" || true; fi
  rm -rf "$work"
}
trap mixed_cleanup EXIT INT TERM

mixed_build() {
  cargo build --release --locked --bin atelier --example mixed_fixture --example webhook_receiver --example hello
}

# mixed_start BACKEND RECEIVER_SECONDS: server, receiver, fixture; exports what wrk needs.
mixed_start() {
  case $1 in
    sqlite) export DATABASE_URL="sqlite://$work/mixed.db" ;;
    postgres)
      pgdb="atelier_mixed_$$"
      createdb -h 127.0.0.1 -U postgres "$pgdb"
      # The server and the app share the machine: no TLS on loopback (PG_SSLMODE=prefer, libpq's
      # default, encrypts every query when the server offers it, as Debian's does).
      export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$pgdb?sslmode=${PG_SSLMODE:-disable}" ;;
    *) echo "backend must be sqlite or postgres" >&2; exit 2 ;;
  esac
  # The receiver listens on loopback, which the push-destination guard refuses unless allowed.
  # `setsid`: the server runs in a session of its own, as under a service manager, not in the
  # script's beside wrk. Where the kernel groups CPU time by session (Debian's default,
  # /proc/sys/kernel/sched_autogroup_enabled = 1), a server sharing wrk's group while both kept
  # the two cores busy starved PostgreSQL's backends, in their own group, for up to two seconds
  # at a time: one kind in three showed a p99 near one second, on PostgreSQL only (BENCHMARKS.md,
  # eleventh session). `setsid` replaces itself with the command here (a background job of a
  # script is no process group leader), so $! stays the server's pid.
  # BENCH_SERVER_WRAPPER: a command the server runs under (e.g. valgrind), split on spaces.
  # shellcheck disable=SC2086
  ATELIER_WEBHOOK_ALLOW_PRIVATE=true ATELIER_ADDR=127.0.0.1:$server_port RUST_LOG=${RUST_LOG:-warn} setsid ${BENCH_SERVER_WRAPPER:-} "$target/release/atelier" serve > "$work/server.log" 2>&1 &
  server=$!
  # Up to two minutes: under valgrind, migrations and the demo catalogs take a while.
  for _ in $(seq 1200); do curl -fs "$base/readyz" > /dev/null && break; sleep 0.1; done
  curl -fs "$base/readyz" > /dev/null || { echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
  # Had setsid forked, $! would be setsid's, and the server would outlive the run.
  [ "$(ps -o comm= -p "$server")" != setsid ] || { echo "setsid forked: \$! is not the server's pid" >&2; exit 1; }
  SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
  "$target/release/examples/webhook_receiver" "127.0.0.1:$receiver_port" "$SECRET" "$2" > "$work/receiver.txt" &
  receiver=$!
  SECRET=$SECRET "$target/release/examples/mixed_fixture" "$base" "http://127.0.0.1:$receiver_port/hooks" "$work"
  set -a
  . "$work/keys.env"
  set +a
  export FIXTURE=$work
}

# run_kind KIND CONNECTIONS THREADS SECONDS [URL]: one wrk run; prints its RESULT line.
run_kind() {
  local threads=$3
  [ "$threads" -gt "$2" ] && threads=$2
  KIND=$1 wrk -t"$threads" -c"$2" -d"$4s" --timeout 10s -s bench/mixed.lua "${5:-$base}" | grep '^RESULT' || echo "RESULT $1 0 0 0 0 0 0 1"
}

rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }
# cpu_ticks PID: the process's user and system CPU time so far, in clock ticks (/proc/PID/stat,
# read after the command name, which may hold spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'; }

# cpu_line KIND "TICKS_BEFORE" "TICKS_AFTER" REQUESTS: the server CPU a request of KIND took.
cpu_line() {
  echo "$1 $2 $3 $4" | awk -v hz="$(getconf CLK_TCK)" '$6 > 0 { printf "%s %.1f %.1f\n", $1, ($4 - $2) * 1e6 / hz / $6, ($5 - $3) * 1e6 / hz / $6 }'
}

# The server's memory in words: its RSS, and of it the process's own (anonymous) memory. The
# rest is mapped files (the binary and its libraries), which the kernel shares and can drop.
memory() {
  local anon
  anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status")
  echo "RSS $(( $(rss_kb "$1") / 1024 )) MB, of it own memory $((anon / 1024)) MB"
}
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# mixed_phase SECONDS "kind:connections ...": every kind at once, one wrk process each.
mixed_phase() {
  local pids=() spec
  for spec in $2; do
    run_kind "${spec%%:*}" "${spec##*:}" 1 "$1" > "$work/mix.${spec%%:*}" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for spec in $2; do sed "s/\$/ ${spec##*:}/" "$work/mix.${spec%%:*}"; done
}

# RESULT kind requests seconds rps p50 p99 status_errors socket_errors [connections]
# result_table SOLO HELLO_RPS ORDER_TARGET < RESULT lines: a Markdown table; with SOLO=1 each
# row is checked against its target. A HELLO_RPS of 0 leaves the ratio out.
result_table() {
  awk -v solo="$1" -v hello="$2" -v order_target="$3" '
    function target(k, rps, p99, ratio) {
      if (!solo) return "—"
      if (k == "staff_search" || k == "staff_customer" || k == "shop_products") return (ratio >= 0.5 ? "≥ 50 % ✔" : "≥ 50 % ✘")
      if (k == "shop_live") return (ratio >= 0.25 ? "≥ 25 % ✔" : "≥ 25 % ✘")
      if (k == "order") return (rps >= order_target && p99 < 100 ? "≥ " order_target "/s, p99 < 100 ms ✔" : "≥ " order_target "/s, p99 < 100 ms ✘")
      if (k == "pull") return (rps >= 10000 ? "≥ 10,000/s ✔" : "≥ 10,000/s ✘")
      return "—"
    }
    function share(rps) { return hello > 0 ? sprintf("%.1f %%", 100 * rps / hello) : "—" }
    { errors = $8 + $9; ratio = hello > 0 ? $5 / hello : 0; total += $5; all_errors += errors
      printf "| %s | %s | %.0f | %s | %.2f ms | %.2f ms | %d (%d status, %d socket) %s | %s |\n", $2, (solo ? 32 : $10), $5, share($5), $6, $7, errors, $8, $9, (errors == 0 ? "✔" : "✘"), target($2, $5, $7, ratio) }
    END { if (!solo) printf "| all kinds together | | %.0f | %s | | | %d %s | |\n", total, share(total), all_errors, (all_errors == 0 ? "✔" : "✘") }'
}

receiver_report() {
  if [ -n "$receiver" ]; then
    # The load is over: a few seconds for the dispatcher's last deliveries, then the receiver
    # is stopped (it reports on SIGTERM as when its time is up).
    # (Called in a subshell, which cannot `wait` for it: poll until it is gone.)
    sleep 5
    kill "$receiver" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$receiver" 2>/dev/null || break; sleep 0.1; done
    receiver=""
  fi
  cat "$work/receiver.txt"
}
