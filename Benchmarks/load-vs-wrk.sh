#!/usr/bin/env bash
# hotpath load versus wrk against nginx (1 worker, 6-byte static file) on loopback.
#
# Runs wrk and hotpath alternately, RUNS times each (default 3), in two configurations
# (-t1 -c50 and -t2 -c100), prints the median req/s of each and the ratio hotpath/wrk.
# Then runs hotpath at full speed for MEMORY_SECONDS (default 60) and reports its peak RSS.
#
# Usage: Benchmarks/load-vs-wrk.sh            (builds the release binary first)
#        HOTPATH_BIN=path/to/hotpath RUNS=5 DURATION=10s Benchmarks/load-vs-wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
MEMORY_SECONDS=${MEMORY_SECONDS:-60}
PORT=${PORT:-18080}

need_packages wrk nginx
BIN=$(hotpath_bin)
start_nginx "$PORT"
trap stop_nginx EXIT
URL="http://127.0.0.1:$PORT/index.html"

echo "machine: $(nproc) cores, $(uname -r); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'); nginx 1 worker"
printf '%-12s %-5s %12s %12s\n' config run wrk hotpath
for config in "1 50" "2 100"; do
  set -- $config
  threads=$1 connections=$2
  wrk_results=() hotpath_results=()
  for run in $(seq "$RUNS"); do
    w=$(wrk -t"$threads" -c"$connections" -d"$DURATION" "$URL" | requests_per_sec)
    h=$("$BIN" load "$URL" -t "$threads" -c "$connections" -d "$DURATION" --no-progress | requests_per_sec)
    wrk_results+=("$w") hotpath_results+=("$h")
    printf '%-12s %-5s %12s %12s\n' "-t$threads -c$connections" "$run" "$w" "$h"
  done
  wm=$(median "${wrk_results[@]}")
  hm=$(median "${hotpath_results[@]}")
  ratio=$(awk -v h="$hm" -v w="$wm" 'BEGIN { printf "%.3f", h / w }')
  printf 'MEDIAN -t%s -c%s: wrk %.0f req/s, hotpath %.0f req/s, hotpath/wrk = %s\n' "$threads" "$connections" "$wm" "$hm" "$ratio"
done

if [ "$MEMORY_SECONDS" -gt 0 ]; then
  "$BIN" load "$URL" -t 1 -c 50 -d "${MEMORY_SECONDS}s" --no-progress > /dev/null &
  pid=$!
  peak=0
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.5
  done
  wait "$pid"
  printf 'MEMORY: peak RSS of hotpath load -c 50 over %ss at full speed: %.1f MB\n' "$MEMORY_SECONDS" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')"
fi
