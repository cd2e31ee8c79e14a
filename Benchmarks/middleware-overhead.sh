#!/usr/bin/env bash
# The cost of Hotpath's Hummingbird middleware on a hello-world route.
#
# Serves the same hello-world Hummingbird app (release build of Benchmarks/Harness) in four
# variants, one at a time, in rotation, RUNS times each (default 5):
#   off           no middleware
#   noop          an empty middleware (what any middleware costs in Hummingbird)
#   on-no-header  HotpathMiddleware with the Server-Timing header turned off
#   on            HotpathMiddleware as shipped (records every request, adds Server-Timing)
#   on-watchdog   the same plus the blocking watchdog (HotpathWatchdog); not in the default
#                 rotation: MODES="off on on-watchdog" RUNS=7 Benchmarks/middleware-overhead.sh
# The server is pinned to CPU 0 and the load generators to CPU 1 (taskset), so the server's
# throughput is one core's worth and the comparison is not at the mercy of the scheduler on a
# 2-core machine. Each run: `hotpath load -t1 -c50` for DURATION (default 5s), then wrk for
# reference. Prints per-variant medians and, for each variant, the median of its per-run
# ratios to the "off" run of the same rotation. Then the recorder's own cost per event and
# per request from `hotpath-bench recorder`. Each run checks that the middleware saw every
# request wrk completed (the server's `/_bench/requests` before and after), or fails.
#
# Usage: Benchmarks/middleware-overhead.sh   (builds release binaries first)
#        HOTPATH_BIN=… HOTPATH_BENCH_BIN=… RUNS=7 DURATION=10s Benchmarks/middleware-overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh

RUNS=${RUNS:-5}
DURATION=${DURATION:-5s}
PORT=${PORT:-18090}
MODES=${MODES:-off noop on-no-header on}

need_packages wrk
BIN=$(hotpath_bin)
BENCH=$(bench_bin)
SERVER_CPU="taskset -c 0"; LOAD_CPU="taskset -c 1"
if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then SERVER_CPU=""; LOAD_CPU=""; fi

SERVER_PID=
stop_server() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi; SERVER_PID=; }
trap stop_server EXIT
start_server() {
  $SERVER_CPU "$BENCH" hello "$PORT" "$1" &
  SERVER_PID=$!
  wait_for_port "$PORT" "the hello server"
}

json=$(mktemp)
declare -A rps p99 wrk_rps ratio wrk_ratio
printf '%-4s %-13s %14s %10s %14s\n' run variant "hotpath req/s" "p99 ms" "wrk req/s"
for run in $(seq "$RUNS"); do
  for mode in $MODES; do
    start_server "$mode"
    $LOAD_CPU "$BIN" load "http://127.0.0.1:$PORT/" -t 1 -c 50 -d 1s --no-progress > /dev/null   # warm up
    $LOAD_CPU "$BIN" load "http://127.0.0.1:$PORT/" -t 1 -c 50 -d "$DURATION" --no-progress --json "$json" > /dev/null
    r=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(round(d['summary']['requests_per_second'],1))" "$json")
    p=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(round(d['latency']['percentiles_ms']['p99'],3))" "$json")
    before=$(curl -s "http://127.0.0.1:$PORT/_bench/requests")
    wrk_out=$($LOAD_CPU wrk -t1 -c50 -d"$DURATION" "http://127.0.0.1:$PORT/")
    w=$(echo "$wrk_out" | requests_per_sec)
    after=$(curl -s "http://127.0.0.1:$PORT/_bench/requests")
    stop_server
    # The middleware must have seen every request wrk counted (and at most the 50 in flight
    # at its end, plus this check's own request): a variant that measured nothing fails here.
    if [ "$mode" != off ]; then
      sent=$(echo "$wrk_out" | awk '/requests in/ { print $1 }')
      seen=$((after - before))
      if [ "$seen" -lt "$sent" ] || [ "$seen" -gt $((sent + 52)) ]; then
        echo "CHECK FAILED: $mode saw $seen requests, wrk completed $sent" >&2
        exit 1
      fi
    fi
    rps[$mode]="${rps[$mode]:-} $r"; p99[$mode]="${p99[$mode]:-} $p"; wrk_rps[$mode]="${wrk_rps[$mode]:-} $w"
    if [ "$mode" = off ]; then off_r=$r; off_w=$w; fi
    ratio[$mode]="${ratio[$mode]:-} $(awk -v a="$off_r" -v b="$r" 'BEGIN { print b / a }')"
    wrk_ratio[$mode]="${wrk_ratio[$mode]:-} $(awk -v a="$off_w" -v b="$w" 'BEGIN { print b / a }')"
    printf '%-4s %-13s %14s %10s %14s\n' "$run" "$mode" "$r" "$p" "$w"
  done
done
rm -f "$json"

echo
printf '%-13s %14s %10s %14s %18s %14s\n' variant "median req/s" "p99 ms" "wrk req/s" "req/s vs off" "wrk vs off"
for mode in $MODES; do
  printf '%-13s %14.0f %10.3f %14.0f %+17.2f%% %+13.2f%%\n' "$mode" "$(median ${rps[$mode]})" "$(median ${p99[$mode]})" \
    "$(median ${wrk_rps[$mode]})" "$(awk -v r="$(median ${ratio[$mode]})" 'BEGIN { print (r - 1) * 100 }')" \
    "$(awk -v r="$(median ${wrk_ratio[$mode]})" 'BEGIN { print (r - 1) * 100 }')"
done
echo "(ratios: median over runs of each variant's req/s divided by the 'off' run of the same rotation)"

"$BENCH" recorder
