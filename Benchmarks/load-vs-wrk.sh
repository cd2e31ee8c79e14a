#!/usr/bin/env bash
# hotpath load versus wrk and h2load against nginx (1 worker, 6-byte static file) on loopback.
#
# 1. Closed loop, HTTP/1.1: wrk and hotpath alternately, RUNS times each (default 3), with
#    -t1 -c50 and -t2 -c100: req/s, and the generator's own CPU (user + system, from
#    /usr/bin/time) per request.
# 2. Constant rate, HTTP/1.1: hotpath -R RATE against h2load --h1 --rps (RATE / 50 per client),
#    50 connections, the same duration: CPU per request.
# 3. HTTP/2 (h2c), closed loop: hotpath --h2 -m 10 against h2load -m 10, 10 connections:
#    req/s and CPU per request.
# 4. hotpath at full speed for MEMORY_SECONDS (default 60): peak RSS.
# Every line is one run; MEDIAN lines are the medians of the runs.
#
# Usage: Benchmarks/load-vs-wrk.sh            (builds the release binary first)
#        HOTPATH_BIN=path/to/hotpath RUNS=5 DURATION=10 RATE=20000 MEMORY_SECONDS=0 Benchmarks/load-vs-wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
RATE=${RATE:-20000}
MEMORY_SECONDS=${MEMORY_SECONDS:-60}
PORT=${PORT:-18080}
H2C_PORT=$((PORT + 2))

need_packages wrk nginx nghttp2-client time
BIN=$(hotpath_bin)
start_nginx "$PORT" "$H2C_PORT"
RUN_OUT=$(mktemp)
trap 'stop_nginx; rm -f "$RUN_OUT"' EXIT
URL="http://127.0.0.1:$PORT/index.html"
H2C_URL="http://127.0.0.1:$H2C_PORT/index.html"

echo "machine: $(nproc) cores, $(uname -r); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'); $(h2load --version | head -1); nginx 1 worker"

echo
echo "== closed loop, HTTP/1.1: req/s and generator CPU per request (us)"
printf '%-12s %-4s %11s %11s %9s %9s\n' config run "wrk req/s" "hp req/s" "wrk us" "hp us"
for config in "1 50" "2 100"; do
  set -- $config
  threads=$1 connections=$2
  wrk_rps=() hp_rps=() wrk_cpu=() hp_cpu=()
  for run in $(seq "$RUNS"); do
    t=$(cpu_run wrk -t"$threads" -c"$connections" -d"${DURATION}s" "$URL")
    w=$(requests_per_sec < "$RUN_OUT"); wc=$(cpu_per_request "$t" "$(requests_done < "$RUN_OUT")")
    t=$(cpu_run "$BIN" load "$URL" -t "$threads" -c "$connections" -d "${DURATION}s" --no-progress)
    h=$(requests_per_sec < "$RUN_OUT"); hc=$(cpu_per_request "$t" "$(requests_done < "$RUN_OUT")")
    wrk_rps+=("$w") hp_rps+=("$h") wrk_cpu+=("$wc") hp_cpu+=("$hc")
    printf '%-12s %-4s %11s %11s %9s %9s\n' "-t$threads -c$connections" "$run" "$w" "$h" "$wc" "$hc"
  done
  wm=$(median "${wrk_rps[@]}") hm=$(median "${hp_rps[@]}") wcm=$(median "${wrk_cpu[@]}") hcm=$(median "${hp_cpu[@]}")
  printf 'MEDIAN -t%s -c%s: wrk %.0f req/s, hotpath %.0f req/s (%.3f x wrk); CPU per request wrk %s us, hotpath %s us (%.3f x wrk)\n' \
    "$threads" "$connections" "$wm" "$hm" "$(awk -v a="$hm" -v b="$wm" 'BEGIN { print a / b }')" "$wcm" "$hcm" \
    "$(awk -v a="$hcm" -v b="$wcm" 'BEGIN { print a / b }')"
done

echo
echo "== constant rate $RATE req/s, HTTP/1.1, 50 connections: generator CPU per request (us)"
echo "   (hotpath with its default 1 ms send grid, and with --send-grid 0: each request at its own time)"
printf '%-4s %12s %12s %10s %10s %12s\n' run "h2load reqs" "hp reqs" "h2load us" "hp us" "hp grid0 us"
h2_cpu=() hp_cpu=() hp0_cpu=()
for run in $(seq "$RUNS"); do
  t=$(cpu_run h2load --h1 -c 50 --rps=$((RATE / 50)) -D "$DURATION" "$URL")
  n2=$(h2load_done < "$RUN_OUT"); c2=$(cpu_per_request "$t" "$n2")
  t=$(cpu_run "$BIN" load "$URL" -c 50 -R "$RATE" -d "${DURATION}s" --no-progress)
  nh=$(requests_done < "$RUN_OUT"); ch=$(cpu_per_request "$t" "$nh")
  t=$(cpu_run "$BIN" load "$URL" -c 50 -R "$RATE" -d "${DURATION}s" --send-grid 0 --no-progress)
  c0=$(cpu_per_request "$t" "$(requests_done < "$RUN_OUT")")
  h2_cpu+=("$c2") hp_cpu+=("$ch") hp0_cpu+=("$c0")
  printf '%-4s %12s %12s %10s %10s %12s\n' "$run" "$n2" "$nh" "$c2" "$ch" "$c0"
done
m2=$(median "${h2_cpu[@]}") mh=$(median "${hp_cpu[@]}") m0=$(median "${hp0_cpu[@]}")
printf 'MEDIAN rate %s: CPU per request h2load %s us, hotpath %s us (%.3f x h2load), hotpath --send-grid 0 %s us (%.3f x h2load)\n' \
  "$RATE" "$m2" "$mh" "$(awk -v a="$mh" -v b="$m2" 'BEGIN { print a / b }')" "$m0" "$(awk -v a="$m0" -v b="$m2" 'BEGIN { print a / b }')"

echo
echo "== HTTP/2 (h2c), closed loop, 10 connections x 10 streams: req/s and CPU per request (us)"
printf '%-4s %12s %12s %10s %10s\n' run "h2load rps" "hp rps" "h2load us" "hp us"
h2_rps=() hp_rps=() h2_cpu=() hp_cpu=()
for run in $(seq "$RUNS"); do
  t=$(cpu_run h2load -c 10 -m 10 -D "$DURATION" "$H2C_URL")
  r2=$(awk '/^finished in/ { print $4 }' "$RUN_OUT" | tr -d ','); c2=$(cpu_per_request "$t" "$(h2load_done < "$RUN_OUT")")
  t=$(cpu_run "$BIN" load "$H2C_URL" --h2 -m 10 -c 10 -d "${DURATION}s" --no-progress)
  rh=$(requests_per_sec < "$RUN_OUT"); ch=$(cpu_per_request "$t" "$(requests_done < "$RUN_OUT")")
  h2_rps+=("$r2") hp_rps+=("$rh") h2_cpu+=("$c2") hp_cpu+=("$ch")
  printf '%-4s %12s %12s %10s %10s\n' "$run" "$r2" "$rh" "$c2" "$ch"
done
printf 'MEDIAN h2c: h2load %.0f req/s, hotpath %.0f req/s; CPU per request h2load %s us, hotpath %s us (%.3f x h2load)\n' \
  "$(median "${h2_rps[@]}")" "$(median "${hp_rps[@]}")" "$(median "${h2_cpu[@]}")" "$(median "${hp_cpu[@]}")" \
  "$(awk -v a="$(median "${hp_cpu[@]}")" -v b="$(median "${h2_cpu[@]}")" 'BEGIN { print a / b }')"

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
