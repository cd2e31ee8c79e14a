#!/usr/bin/env bash
# The cost of Hotpath's Hummingbird middleware on a hello-world route.
#
# Starts the same Hummingbird server (release build of Benchmarks/Harness) without and with
# HotpathMiddleware, one at a time, alternating, RUNS times each (default 3); loads each with
# `hotpath load -t1 -c50` for DURATION (default 10s) and with wrk for reference; prints
# median req/s and p99 of both variants and the change. Then prints the recorder's cost per
# event from `hotpath-bench recorder`.
#
# Usage: Benchmarks/middleware-overhead.sh   (builds release binaries first)
#        HOTPATH_BIN=… HOTPATH_BENCH_BIN=… RUNS=5 Benchmarks/middleware-overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
PORT=${PORT:-18090}

need_packages wrk
BIN=$(hotpath_bin)
if [ -n "${HOTPATH_BENCH_BIN:-}" ]; then
  BENCH=$HOTPATH_BENCH_BIN
else
  swift build -c release --product hotpath-bench >&2
  BENCH="$(swift build -c release --show-bin-path)/hotpath-bench"
fi

SERVER_PID=
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; SERVER_PID=; }
trap stop_server EXIT
start_server() {
  "$BENCH" hello "$PORT" "$1" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "hello server did not start" >&2
  return 1
}

json=$(mktemp)
declare -A rps p99 wrk_rps
printf '%-5s %-4s %14s %10s %14s\n' run mode "hotpath req/s" "p99 ms" "wrk req/s"
for run in $(seq "$RUNS"); do
  for mode in off on; do
    start_server "$mode"
    "$BIN" load "http://127.0.0.1:$PORT/" -t 1 -c 50 -d 1s --no-progress > /dev/null   # warm up
    "$BIN" load "http://127.0.0.1:$PORT/" -t 1 -c 50 -d "$DURATION" --no-progress --json "$json" > /dev/null
    r=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(round(d['summary']['requests_per_second'],1))" "$json")
    p=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(round(d['latency']['percentiles_ms']['p99'],3))" "$json")
    w=$(wrk -t1 -c50 -d"$DURATION" "http://127.0.0.1:$PORT/" | requests_per_sec)
    stop_server
    rps[$mode]="${rps[$mode]:-} $r"; p99[$mode]="${p99[$mode]:-} $p"; wrk_rps[$mode]="${wrk_rps[$mode]:-} $w"
    printf '%-5s %-4s %14s %10s %14s\n' "$run" "$mode" "$r" "$p" "$w"
  done
done
rm -f "$json"

off_r=$(median ${rps[off]}); on_r=$(median ${rps[on]})
off_p=$(median ${p99[off]}); on_p=$(median ${p99[on]})
off_w=$(median ${wrk_rps[off]}); on_w=$(median ${wrk_rps[on]})
awk -v a="$off_r" -v b="$on_r" -v pa="$off_p" -v pb="$on_p" -v wa="$off_w" -v wb="$on_w" 'BEGIN {
  printf "MEDIAN hotpath load: without %.0f req/s, with %.0f req/s: req/s change %+.2f%%\n", a, b, (b - a) / a * 100
  printf "MEDIAN p99: without %.3f ms, with %.3f ms: p99 change %+.2f%%\n", pa, pb, (pb - pa) / pa * 100
  printf "MEDIAN wrk: without %.0f req/s, with %.0f req/s: req/s change %+.2f%%\n", wa, wb, (wb - wa) / wa * 100
}'

"$BENCH" recorder
